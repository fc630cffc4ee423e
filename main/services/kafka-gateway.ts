// The one owner of the studio's Kafka connection in main: the kafkajs client and
// the live connection status the status bar shows.
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { ServiceStatus } from '../../protocol/contract';
import type { KafkaConfig } from './config';

const PROBE_INTERVAL_MS = 1000;
// kafkajs can sit on a request to a broker that is shutting down; a probe that takes
// longer than this counts as a failure so the status bar never shows a stale "connected".
const PROBE_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('Request timed out')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Turns a kafkajs error into a sentence a host can act on. */
export function describeKafkaError(error: unknown, brokers: string[]): string {
  const seen = new Set<unknown>();
  const messages: string[] = [];
  let current: unknown = error;
  while (current && !seen.has(current)) {
    seen.add(current);
    const message = (current as Error).message;
    if (message) messages.push(message);
    current =
      (current as { originalError?: unknown; cause?: unknown }).originalError ??
      (current as { cause?: unknown }).cause;
  }
  const text = messages.join(' ← ');
  const target = brokers.join(', ');
  if (/ECONNREFUSED/.test(text)) return `Kafka at ${target} refused the connection (is the broker running?)`;
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) return `Kafka host ${target} could not be resolved`;
  if (/timed? ?out/i.test(text)) return `Kafka at ${target} did not answer in time`;
  if (/SASL|authentication/i.test(text)) return `Kafka at ${target} rejected the credentials: ${messages[0]}`;
  // kafkajs sometimes surfaces a dropped connection as an internal TypeError.
  if (error instanceof TypeError) return `Lost the connection to Kafka at ${target}`;
  return `Kafka at ${target} is unreachable: ${messages[0] ?? 'unknown error'}`;
}

export class KafkaGateway {
  readonly kafka: Kafka;
  private readonly probeClient: Kafka;
  private admin: Admin | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private current: ServiceStatus;

  constructor(
    private readonly config: KafkaConfig,
    private readonly onStatus: (status: ServiceStatus) => void,
  ) {
    const clientConfig = {
      clientId: config.clientId,
      brokers: config.brokers,
      ssl: config.ssl,
      ...(config.sasl ? { sasl: config.sasl as never } : {}),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1500,
      requestTimeout: 3000,
    };
    this.kafka = new Kafka(clientConfig);
    // The health probe must fail fast, so it has its own client that never retries.
    this.probeClient = new Kafka({
      ...clientConfig,
      clientId: `${config.clientId}-health`,
      retry: { retries: 0 },
    });
    this.current = { state: 'connecting', reason: null, target: config.brokers.join(','), since: Date.now() };
  }

  get status(): ServiceStatus {
    return this.current;
  }

  start(): void {
    void this.probe();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.admin?.disconnect().catch(() => {});
    this.admin = null;
  }

  private async probe(): Promise<void> {
    try {
      if (!this.admin) {
        this.admin = this.probeClient.admin();
        await withTimeout(this.admin.connect(), PROBE_TIMEOUT_MS);
      }
      // listTopics always asks a broker; describeCluster may answer from cached metadata.
      await withTimeout(this.admin.listTopics(), PROBE_TIMEOUT_MS);
      this.setStatus('connected', null);
    } catch (error) {
      const admin = this.admin;
      this.admin = null;
      void admin?.disconnect().catch(() => {});
      this.setStatus('disconnected', describeKafkaError(error, this.config.brokers));
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.probe(), PROBE_INTERVAL_MS);
  }

  private setStatus(state: ServiceStatus['state'], reason: string | null): void {
    if (this.current.state === state && this.current.reason === reason) return;
    this.current = { state, reason, target: this.current.target, since: Date.now() };
    this.onStatus(this.current);
  }
}
