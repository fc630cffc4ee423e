// What a Kafka cluster looks like from the studio: how many brokers answer, and which show
// partitions have no leader that answers (a leader election in progress). The health probe
// reads it each second; the status bar and the live metrics' watch say what it means.
import { createConnection } from 'node:net';
import { Partitioners, type Admin } from 'kafkajs';
import { SHOW_TOPICS } from '../../protocol/events';

const SHOW_EVENT_TOPICS = [SHOW_TOPICS.shopper, SHOW_TOPICS.studio];

export interface ClusterHealth {
  /** Brokers that accept a connection. */
  brokersUp: number;
  /** Brokers the cluster has: those in its metadata plus any named as a replica. */
  brokersKnown: number;
  /** Partition count of each show topic that exists. */
  partitions: Record<string, number>;
  /** Show topic partitions whose leader is none (-1) or a broker that does not answer. */
  leaderless: { topic: string; partition: number }[];
  /** Leader of each show topic partition (by partition id), as the metadata named it. */
  leaders: Record<string, number[]>;
  /** Where each broker listens, to check them when the metadata cannot be had. */
  addresses: Record<number, { host: string; port: number }>;
  /** Epoch ms when this was read. */
  at: number;
}

/** Whether a TCP connection to host:port opens within timeoutMs (a crashed broker refuses at once). */
export function reachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Reads the cluster's state through an admin client (fresh metadata each call). */
export async function readClusterHealth(admin: Admin): Promise<ClusterHealth> {
  const { brokers } = await admin.describeCluster();
  const metadata = await admin.fetchTopicMetadata({ topics: SHOW_EVENT_TOPICS }).then(
    (answer) => answer.topics,
    (error: { type?: string }) => {
      // Not created yet: nothing to elect.
      if (error.type === 'UNKNOWN_TOPIC_OR_PARTITION') return [];
      throw error;
    },
  );
  const up = new Set<number>();
  await Promise.all(
    brokers.map(async (b) => {
      if (await reachable(b.host, b.port)) up.add(b.nodeId);
    }),
  );
  const known = new Set(brokers.map((b) => b.nodeId));
  const partitions: Record<string, number> = {};
  const leaders: Record<string, number[]> = {};
  for (const topic of metadata) {
    partitions[topic.name] = topic.partitions.length;
    leaders[topic.name] = [];
    for (const p of topic.partitions) {
      for (const replica of p.replicas) known.add(replica);
      leaders[topic.name]![p.partitionId] = p.leader;
    }
  }
  const addresses = Object.fromEntries(brokers.map((b) => [b.nodeId, { host: b.host, port: b.port }]));
  return {
    brokersUp: up.size,
    brokersKnown: known.size,
    partitions,
    leaderless: leaderlessOf(leaders, up),
    leaders,
    addresses,
    at: Date.now(),
  };
}

function leaderlessOf(leaders: Record<string, number[]>, up: Set<number>): ClusterHealth['leaderless'] {
  return Object.entries(leaders).flatMap(([topic, byPartition]) =>
    byPartition.flatMap((leader, partition) => (leader < 0 || !up.has(leader) ? [{ topic, partition }] : [])),
  );
}

/**
 * When no broker answered a metadata request: the last view, with the brokers that still accept
 * a connection now. A partition led by a broker that stopped answering has no leader for now.
 */
export async function recheckClusterHealth(last: ClusterHealth): Promise<ClusterHealth> {
  const up = new Set<number>();
  await Promise.all(
    Object.entries(last.addresses).map(async ([id, { host, port }]) => {
      if (await reachable(host, port)) up.add(Number(id));
    }),
  );
  return { ...last, brokersUp: up.size, leaderless: leaderlessOf(last.leaders, up), at: Date.now() };
}

const partitioner = Partitioners.DefaultPartitioner();

/** The partition a show's events go to on a topic of `count` partitions (the producers' default partitioner). */
export function showPartition(topic: string, showId: string, count: number): number {
  const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [],
    isr: [],
    partitionErrorCode: 0,
  }));
  return partitioner({ topic, partitionMetadata, message: { key: showId, value: null } });
}

/** The show's partitions that have no leader now (all show partitions when showId is null). */
export function leaderlessFor(health: ClusterHealth, showId: string | null): ClusterHealth['leaderless'] {
  if (showId === null) return health.leaderless;
  return health.leaderless.filter(
    (p) => p.partition === showPartition(p.topic, showId, health.partitions[p.topic] ?? 1),
  );
}

/** "Kafka is electing a new leader (2 of 3 brokers up)". */
export function describeElection(health: ClusterHealth): string {
  return `Kafka is electing a new leader (${health.brokersUp} of ${health.brokersKnown} brokers up)`;
}
