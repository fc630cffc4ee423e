// The one owner of the studio's Kafka connection in main: the kafkajs client and
// the live connection status the status bar shows.
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { ServiceStatus } from '../../protocol/contract';
import type { KafkaConfig } from '../studio';
import { HealthProbe } from '../health';
import { useKafkaCodecs } from './codecs';

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
  private readonly health: HealthProbe;
  private admin: Admin | null = null;

  constructor(
    private readonly config: KafkaConfig,
    onStatus: (status: ServiceStatus) => void,
  ) {
    const clientConfig = {
      clientId: config.clientId,
      brokers: config.brokers,
      ssl: config.ssl,
      ...(config.sasl ? { sasl: config.sasl } : {}),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1500,
      requestTimeout: 3000,
    };
    useKafkaCodecs();
    this.kafka = new Kafka(clientConfig);
    // The health probe must fail fast, so it has its own client that never retries.
    this.probeClient = new Kafka({
      ...clientConfig,
      clientId: `${config.clientId}-health`,
      retry: { retries: 0 },
    });
    this.health = new HealthProbe(config.brokers.join(','), () => this.check(), onStatus);
  }

  get status(): ServiceStatus {
    return this.health.status;
  }

  start(): void {
    this.health.start();
  }

  async stop(): Promise<void> {
    this.health.stop();
    await this.admin?.disconnect().catch(() => {});
    this.admin = null;
  }

  private async check(): Promise<void> {
    try {
      if (!this.admin) {
        this.admin = this.probeClient.admin();
        await withTimeout(this.admin.connect(), PROBE_TIMEOUT_MS);
      }
      // listTopics always asks a broker; describeCluster may answer from cached metadata.
      await withTimeout(this.admin.listTopics(), PROBE_TIMEOUT_MS);
    } catch (error) {
      const admin = this.admin;
      this.admin = null;
      void admin?.disconnect().catch(() => {});
      throw new Error(describeKafkaError(error, this.config.brokers), { cause: error });
    }
  }
}
