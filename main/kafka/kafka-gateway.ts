// The one owner of the studio's Kafka connection in main: the kafkajs client, the show
// topics (created once the cluster first answers), and the live connection status the status
// bar shows, including a leader election on a cluster of several brokers.
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { ServiceStatus } from '../../protocol/contract';
import type { KafkaConfig } from '../studio';
import { HealthProbe, type ProbeAnswer } from '../health';
import { useKafkaCodecs } from './codecs';
import {
  describeElection,
  leaderlessFor,
  readClusterHealth,
  recheckClusterHealth,
  type ClusterHealth,
} from './cluster-health';
import { ensureShowTopics } from './topics';

// kafkajs can sit on a request to a broker that is shutting down; a probe that takes
// longer than this counts as a failure so the status bar never shows a stale "connected".
const PROBE_TIMEOUT_MS = 2000;
// A client may have picked a broker that just died as its way in: try afresh a few times
// (kafkajs picks another bootstrap broker) before calling the whole cluster unreachable.
const PROBE_ATTEMPTS = 3;
// Mid-election a request can land on the broker that just died (kafkajs picks one at random).
// While some of the cluster's brokers still accept connections, failed probes read as an
// election for this long before the status says "disconnected".
const ELECTION_GRACE_MS = 15_000;

/**
 * The kafkajs client settings for a cluster whose leaders move: consumers hear of a
 * new leader within a second or two, and retry through an election (about 10 s) instead
 * of crashing and rejoining (docs/kafka-client.md).
 */
export const FAILOVER_CLIENT_SETTINGS = {
  connectionTimeout: 1500,
  requestTimeout: 3000,
  retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 20 },
} as const;

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
  private clusterHealth: ClusterHealth | null = null;
  private topicsReady = false;
  /** When the probe started failing while brokers were still reachable (null: it answers). */
  private failingSince: number | null = null;
  private lastTopicsWarning = '';

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
      connectionTimeout: FAILOVER_CLIENT_SETTINGS.connectionTimeout,
      requestTimeout: FAILOVER_CLIENT_SETTINGS.requestTimeout,
    };
    useKafkaCodecs();
    this.kafka = new Kafka({ ...clientConfig, retry: FAILOVER_CLIENT_SETTINGS.retry });
    // The health probe must fail fast, so it has its own client that never retries.
    // A fresh kafkajs client always tries the first bootstrap broker first (and, with no
    // retries, only that one): each probe attempt starts from the next one, so a dead first
    // broker cannot fail every probe.
    let next = 0;
    this.probeClient = new Kafka({
      ...clientConfig,
      brokers: () => {
        const start = next++ % config.brokers.length;
        return [...config.brokers.slice(start), ...config.brokers.slice(0, start)];
      },
      clientId: `${config.clientId}-health`,
      retry: { retries: 0 },
    });
    this.health = new HealthProbe(config.brokers.join(','), () => this.check(), onStatus);
  }

  get status(): ServiceStatus {
    return this.health.status;
  }

  /** The cluster as the last probe saw it (null until it answered once). */
  get cluster(): ClusterHealth | null {
    return this.clusterHealth;
  }

  start(): void {
    this.health.start();
  }

  async stop(): Promise<void> {
    this.health.stop();
    await this.admin?.disconnect().catch(() => {});
    this.admin = null;
  }

  private async check(): Promise<ProbeAnswer> {
    let lastError: unknown = null;
    for (let attempt = 1; attempt <= PROBE_ATTEMPTS; attempt++) {
      try {
        if (!this.admin) {
          this.admin = this.probeClient.admin();
          await withTimeout(this.admin.connect(), PROBE_TIMEOUT_MS);
        }
        // Fresh metadata on every call (kafkajs asks a broker each time).
        const health = await withTimeout(readClusterHealth(this.admin), PROBE_TIMEOUT_MS);
        this.clusterHealth = health;
        if (!this.topicsReady) await this.createTopics(this.admin);
        this.failingSince = null;
        const brokers = { up: health.brokersUp, known: health.brokersKnown };
        return leaderlessFor(health, null).length
          ? { state: 'electing', reason: describeElection(health), brokers }
          : { state: 'connected', reason: null, brokers };
      } catch (error) {
        lastError = error;
        const admin = this.admin;
        this.admin = null;
        void admin?.disconnect().catch(() => {});
      }
    }
    return this.failedProbe(lastError);
  }

  /** Every attempt failed: an election while some of the cluster's brokers still answer (for a while), else disconnected. */
  private async failedProbe(error: unknown): Promise<ProbeAnswer> {
    const last = this.clusterHealth;
    this.failingSince ??= Date.now();
    if (last && last.brokersKnown > 1 && Date.now() - this.failingSince < ELECTION_GRACE_MS) {
      const health = await recheckClusterHealth(last);
      if (health.brokersUp > 0) {
        this.clusterHealth = health;
        return {
          state: 'electing',
          reason: describeElection(health),
          brokers: { up: health.brokersUp, known: health.brokersKnown },
        };
      }
    }
    this.clusterHealth = null;
    throw new Error(describeKafkaError(error, this.config.brokers), { cause: error });
  }

  /** Creates missing show topics with the configured settings, once; retried on later probes. */
  private async createTopics(admin: Admin): Promise<void> {
    try {
      await ensureShowTopics(admin, this.config.topics);
      this.topicsReady = true;
    } catch (error) {
      const warning = (error as Error).message;
      if (warning !== this.lastTopicsWarning)
        console.warn(`Kafka: could not create the show topics yet: ${warning}`);
      this.lastTopicsWarning = warning;
    }
  }
}
