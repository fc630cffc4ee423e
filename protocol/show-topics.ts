// The show topics' settings and how a producer creates them when missing: the studio and
// the audience simulator both do, on any cluster from one broker to many. Creation takes any
// admin client of this shape (kafkajs's Admin fits), so protocol/ stays free of a client.
import { SHOW_TOPICS, showTopicDefinitions, type ShowTopicSettings } from './events';

type Env = Record<string, string | undefined>;

export const TOPIC_ENV = {
  partitions: 'SHOPCAST_TOPIC_PARTITIONS',
  replicationFactor: 'SHOPCAST_TOPIC_REPLICATION_FACTOR',
  retentionHours: 'SHOPCAST_TOPIC_RETENTION_HOURS',
  minInsyncReplicas: 'SHOPCAST_TOPIC_MIN_INSYNC_REPLICAS',
} as const;

/** Topic settings as a user gives them; what is missing is decided from the cluster. */
export interface TopicSettingsInput {
  partitions?: number;
  replicationFactor?: number;
  retentionHours?: number;
  minInsyncReplicas?: number;
}

export const DEFAULT_TOPIC_PARTITIONS = 6;
export const DEFAULT_RETENTION_HOURS = 30 * 24;

function positiveInteger(name: string, value: string, max: number): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isInteger(n) || n < 1 || n > max) {
    throw new Error(`${name} must be a whole number from 1 to ${max}, got "${value}".`);
  }
  return n;
}

/** The topic settings given in the environment (each one optional); clear errors for bad values. */
export function topicSettingsFromEnv(env: Env): TopicSettingsInput {
  const settings: TopicSettingsInput = {};
  const read = (key: keyof typeof TOPIC_ENV, max: number) => {
    const value = env[TOPIC_ENV[key]];
    if (value !== undefined && value.trim() !== '')
      settings[key] = positiveInteger(TOPIC_ENV[key], value, max);
  };
  read('partitions', 1000);
  read('replicationFactor', 32);
  read('retentionHours', 100 * 365 * 24);
  read('minInsyncReplicas', 32);
  return settings;
}

/** The environment that hands these settings to a child process (the simulator). */
export function topicSettingsEnv(settings: TopicSettingsInput): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of Object.keys(TOPIC_ENV) as (keyof typeof TOPIC_ENV)[]) {
    if (settings[key] !== undefined) env[TOPIC_ENV[key]] = String(settings[key]);
  }
  return env;
}

/**
 * Fills in what the user left out for a cluster of `brokers` brokers: replication factor
 * the smaller of 3 and the broker count; min.insync.replicas 2 with three copies or more
 * (a write survives one broker's loss and keeps going with one broker down), else 1.
 */
export function resolveTopicSettings(input: TopicSettingsInput, brokers: number): ShowTopicSettings {
  const replicationFactor = input.replicationFactor ?? Math.max(1, Math.min(3, brokers));
  const minInsyncReplicas = input.minInsyncReplicas ?? (replicationFactor >= 3 ? 2 : 1);
  if (replicationFactor > brokers) {
    throw new Error(
      `Topic replication factor ${replicationFactor} needs ${replicationFactor} brokers; the cluster has ${brokers} up.`,
    );
  }
  if (minInsyncReplicas > replicationFactor) {
    throw new Error(
      `min.insync.replicas ${minInsyncReplicas} is more than the replication factor ${replicationFactor}: no write could succeed.`,
    );
  }
  return {
    partitions: input.partitions ?? DEFAULT_TOPIC_PARTITIONS,
    replicationFactor,
    minInsyncReplicas,
    retentionMs: (input.retentionHours ?? DEFAULT_RETENTION_HOURS) * 3600_000,
  };
}

/** What creating topics needs from an admin client. */
export interface TopicAdmin {
  listTopics(): Promise<string[]>;
  describeCluster(): Promise<{ brokers: { nodeId: number }[] }>;
  createTopics(options: {
    topics: ReturnType<typeof showTopicDefinitions>;
    waitForLeaders?: boolean;
  }): Promise<boolean>;
  fetchTopicMetadata(options: {
    topics: string[];
  }): Promise<{ topics: { name: string; partitions: { partitionId: number; leader: number }[] }[] }>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Creates the shopper, studio and dead-letter topics if they do not exist, then waits until
 * every partition of them has a leader. Existing topics are left as they are. Returns the
 * topics created. On a fresh cluster of several brokers, the brokers learn of a new topic
 * one by one: a metadata answer of "unknown topic" or "no leader" means "not yet".
 */
export async function ensureShowTopics(
  admin: TopicAdmin,
  input: TopicSettingsInput = {},
  timeoutMs = 30_000,
): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const wanted = [SHOW_TOPICS.shopper, SHOW_TOPICS.studio, SHOW_TOPICS.deadLetter].filter(
    (t) => !existing.has(t),
  );
  if (wanted.length === 0) return [];
  const { brokers } = await admin.describeCluster();
  const settings = resolveTopicSettings(input, brokers.length);
  // Another studio may create them at the same moment; kafkajs treats "already exists" as done.
  await admin.createTopics({ waitForLeaders: false, topics: showTopicDefinitions(wanted, settings) });
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (let wait = 100; ; wait = Math.min(wait * 2, 1000)) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: wanted });
      const leaderless = topics.flatMap((t) =>
        t.partitions.filter((p) => p.leader < 0).map((p) => `${t.name}/${p.partitionId}`),
      );
      if (topics.length === wanted.length && leaderless.length === 0) return wanted;
      last = leaderless.length ? `no leader yet for ${leaderless.join(', ')}` : 'not all topics known yet';
    } catch (error) {
      if ((error as { retriable?: boolean }).retriable !== true) throw error;
      last = (error as Error).message;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `Kafka created ${wanted.join(', ')} but they had no leaders within ${timeoutMs} ms: ${last}`,
      );
    }
    await sleep(wait);
  }
}
