// Polls one dependency (Kafka, the SFU) and keeps its ServiceStatus for the status bar,
// reporting only changes.
import type { ServiceStatus } from '../../protocol/contract';

const PROBE_INTERVAL_MS = 1000;

/** What a check that got an answer found: up, or up but not wholly (e.g. a Kafka leader election). */
export interface ProbeAnswer {
  state: 'connected' | 'electing';
  reason: string | null;
  brokers?: ServiceStatus['brokers'];
}

export class HealthProbe {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private current: ServiceStatus;

  constructor(
    target: string,
    /** Resolves when the dependency answers (with details, if any); rejects with the reason a host should read. */
    private readonly check: () => Promise<ProbeAnswer | void>,
    private readonly onStatus: (status: ServiceStatus) => void,
  ) {
    this.current = { state: 'connecting', reason: null, target, since: Date.now() };
  }

  get status(): ServiceStatus {
    return this.current;
  }

  start(): void {
    void this.probe();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async probe(): Promise<void> {
    try {
      const answer = await this.check();
      this.setStatus(answer?.state ?? 'connected', answer?.reason ?? null, answer?.brokers);
    } catch (error) {
      this.setStatus('disconnected', (error as Error).message);
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.probe(), PROBE_INTERVAL_MS);
  }

  private setStatus(
    state: ServiceStatus['state'],
    reason: string | null,
    brokers?: ServiceStatus['brokers'],
  ): void {
    const same =
      this.current.state === state &&
      this.current.reason === reason &&
      this.current.brokers?.up === brokers?.up &&
      this.current.brokers?.known === brokers?.known;
    if (same) return;
    const since = this.current.state === state ? this.current.since : Date.now();
    this.current = { state, reason, target: this.current.target, since, ...(brokers ? { brokers } : {}) };
    this.onStatus(this.current);
  }
}
