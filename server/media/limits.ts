// What one SFU process lets its clients use. Every limit is per process; the defaults suit
// one machine serving a few thousand viewers (see docs/security.md for why each is what it is).

export interface SfuLimits {
  /** Signaling connections in all; more are refused with HTTP 503 before the handshake. */
  maxConnections: number;
  /** Signaling connections from one address (HTTP 429 past it); 0 turns the check off (behind a proxy). */
  maxConnectionsPerAddress: number;
  /** WebRTC transports one connection may hold (a viewer needs 1, the host 1). */
  maxTransportsPerConnection: number;
  /** Consumers one connection may hold (a viewer needs one per host track, at most 4). */
  maxConsumersPerConnection: number;
  /** WebRTC transports in all; 0 means one per port of the RTC range (each takes a UDP and a TCP port). */
  maxTransports: number;
  /** Of those, how many only a show's host may take: viewers get "show is full" first. */
  hostReservedTransports: number;
  /** A connection that has not shown a token or the admin secret by then is closed. */
  preAuthTimeoutMs: number;
  /** A connection neither in a show nor waiting for one, silent this long, is closed. */
  idleTimeoutMs: number;
  /** Viewer counts go to a show at most once per this interval, however fast viewers come and go. */
  viewerCountIntervalMs: number;
}

export const DEFAULT_SFU_LIMITS: SfuLimits = {
  maxConnections: 10_000,
  maxConnectionsPerAddress: 50,
  maxTransportsPerConnection: 2,
  maxConsumersPerConnection: 8,
  maxTransports: 0,
  hostReservedTransports: 20,
  preAuthTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  viewerCountIntervalMs: 250,
};

/**
 * Limits from text like "maxConnectionsPerAddress=5,preAuthTimeoutMs=2000" (the SFU's
 * --limits flag and SHOPCAST_SFU_LIMITS). Throws naming the first bad entry.
 */
export function parseLimits(text: string | undefined): Partial<SfuLimits> {
  const limits: Partial<SfuLimits> = {};
  for (const entry of (text ?? '').split(',').map((part) => part.trim())) {
    if (!entry) continue;
    const [name = '', value = ''] = entry.split('=').map((part) => part.trim());
    if (!Object.hasOwn(DEFAULT_SFU_LIMITS, name))
      throw new Error(`unknown SFU limit "${name}" (known: ${Object.keys(DEFAULT_SFU_LIMITS).join(', ')})`);
    const number = Number(value);
    if (value === '' || !Number.isSafeInteger(number) || number < 0)
      throw new Error(`SFU limit ${name} must be a whole number ≥ 0, got "${value}"`);
    limits[name as keyof SfuLimits] = number;
  }
  return limits;
}

/**
 * Counts WebRTC transports across the process. Viewers stop short of the last
 * `hostReserved` ones, so an audience that fills the show never keeps a host from sending.
 */
export class TransportBudget {
  private used = 0;

  constructor(
    private readonly max: number,
    private readonly hostReserved: number,
  ) {}

  get inUse(): number {
    return this.used;
  }

  /** Takes one for `role`; false when that role has none left. */
  take(role: 'host' | 'viewer'): boolean {
    const limit = role === 'host' ? this.max : this.max - this.hostReserved;
    if (this.used >= limit) return false;
    this.used += 1;
    return true;
  }

  release(): void {
    this.used = Math.max(0, this.used - 1);
  }
}

/** Counts what the SFU refused or survived, by kind; logs each kind at its 1st, 10th, 100th… time. */
export class Refusals {
  private readonly counts = new Map<string, number>();

  constructor(private readonly log: (line: string) => void) {}

  count(kind: string, detail: string): void {
    const n = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, n);
    if (Number.isInteger(Math.log10(n))) this.log(`refused: ${kind} (${n} so far): ${detail}`);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
