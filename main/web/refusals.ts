// Counts what the browser-mode server refused or survived (bad requests, broken frames),
// and logs each kind at its 1st, 10th, 100th… occurrence, so a flood cannot flood the log.
export class Refusals {
  private readonly counts = new Map<string, number>();

  constructor(private readonly log: (line: string) => void = (line) => console.warn(`[studio] ${line}`)) {}

  count(kind: string, detail: string): void {
    const n = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, n);
    if (Number.isInteger(Math.log10(n))) this.log(`${kind} (${n} so far): ${detail}`);
  }

  /** Counts per kind, e.g. { 'bad request': 3 }. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
