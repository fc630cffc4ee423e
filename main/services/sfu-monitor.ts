// Watches the SFU's health endpoint so the status bar can show whether going live is possible.
import type { ServiceStatus } from '../../protocol/contract';
import type { SfuConfig } from './config';

const PROBE_INTERVAL_MS = 1000;

export function sfuHealthUrl(signalingUrl: string): string {
  const url = new URL(signalingUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = '/health';
  url.search = '';
  return url.toString();
}

export class SfuMonitor {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private current: ServiceStatus;

  constructor(
    private readonly config: SfuConfig,
    private readonly onStatus: (status: ServiceStatus) => void,
  ) {
    this.current = config.url
      ? { state: 'connecting', reason: null, target: config.url, since: Date.now() }
      : {
          state: 'disconnected',
          reason: 'No SFU is configured (set SHOPCAST_SFU_URL)',
          target: 'none',
          since: Date.now(),
        };
  }

  get status(): ServiceStatus {
    return this.current;
  }

  start(): void {
    if (this.config.url) void this.probe(this.config.url);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async probe(url: string): Promise<void> {
    try {
      const response = await fetch(sfuHealthUrl(url), { signal: AbortSignal.timeout(1500) });
      if (!response.ok) throw new Error(`health check answered HTTP ${response.status}`);
      this.setStatus('connected', null);
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      const reason =
        cause?.code === 'ECONNREFUSED'
          ? `SFU at ${url} refused the connection (is it running?)`
          : `SFU at ${url} is unreachable: ${(error as Error).message}`;
      this.setStatus('disconnected', reason);
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.probe(url), PROBE_INTERVAL_MS);
  }

  private setStatus(state: ServiceStatus['state'], reason: string | null): void {
    if (this.current.state === state && this.current.reason === reason) return;
    this.current = { state, reason, target: this.current.target, since: Date.now() };
    this.onStatus(this.current);
  }
}
