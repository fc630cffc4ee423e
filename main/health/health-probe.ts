// Polls one dependency (Kafka, the SFU) and keeps its ServiceStatus for the status bar,
// reporting only changes.
import type { ServiceStatus } from '../../protocol/contract';

const PROBE_INTERVAL_MS = 1000;

export class HealthProbe {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private current: ServiceStatus;

  constructor(
    target: string,
    /** Resolves when the dependency answers; rejects with the reason a host should read. */
    private readonly check: () => Promise<void>,
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
      await this.check();
      this.setStatus('connected', null);
    } catch (error) {
      this.setStatus('disconnected', (error as Error).message);
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.probe(), PROBE_INTERVAL_MS);
  }

  private setStatus(state: ServiceStatus['state'], reason: string | null): void {
    if (this.current.state === state && this.current.reason === reason) return;
    this.current = { state, reason, target: this.current.target, since: Date.now() };
    this.onStatus(this.current);
  }
}
