// Watches the SFU's health endpoint so the status bar can show whether going live is possible.
import type { ServiceStatus } from '../../protocol/contract';
import type { SfuConfig } from '../studio';
import { HealthProbe } from '../health';

export function sfuHealthUrl(signalingUrl: string): string {
  const url = new URL(signalingUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = '/health';
  url.search = '';
  return url.toString();
}

export class SfuMonitor {
  private readonly health: HealthProbe | null;

  constructor(
    private readonly config: SfuConfig,
    onStatus: (status: ServiceStatus) => void,
  ) {
    const url = config.url;
    this.health = url ? new HealthProbe(url, () => checkSfu(url), onStatus) : null;
  }

  get status(): ServiceStatus {
    return (
      this.health?.status ?? {
        state: 'disconnected',
        reason: 'No SFU is configured (set SHOPCAST_SFU_URL)',
        target: 'none',
        since: 0,
      }
    );
  }

  start(): void {
    this.health?.start();
  }

  stop(): void {
    this.health?.stop();
  }
}

async function checkSfu(url: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(sfuHealthUrl(url), { signal: AbortSignal.timeout(1500) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    throw new Error(
      cause?.code === 'ECONNREFUSED'
        ? `SFU at ${url} refused the connection (is it running?)`
        : `SFU at ${url} is unreachable: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (!response.ok)
    throw new Error(`SFU at ${url} is unhealthy (health check answered HTTP ${response.status})`);
}
