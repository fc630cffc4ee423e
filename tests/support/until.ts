/** Polls until `check` returns something truthy, and returns it; fails naming what it waited for. */
export async function until<T>(
  what: string,
  check: () => T | undefined | null | false,
  timeoutMs = 45_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Like until, for a check that is itself asynchronous (e.g. a question to Kafka). */
export async function untilResolved<T>(
  what: string,
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 45_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
