// What the failover drills share: a studio's Kafka side (KafkaGateway + LiveMetrics, wired as
// main/studio/studio.ts wires them) following one show, the show's partition leader, and an
// independent count of the show's events read straight from the topics.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { ServiceStatus } from '../../protocol/contract';
import { SHOW_TOPICS } from '../../protocol/events';
import type { ShowMetricsSnapshot, ShowPipelineStatus } from '../../protocol/metrics';
import type { ShowState } from '../../protocol/show';
import { KafkaGateway, showPartition, type TopicSettingsInput } from '../../main/kafka';
import { LiveMetrics } from '../../main/live-metrics';

export interface StudioUnderTest {
  gateway: KafkaGateway;
  metrics: LiveMetrics;
  /** Every Kafka status the status bar would have shown. */
  kafkaStatuses: ServiceStatus[];
  /** Every pipeline status the dashboard would have shown. */
  pipelineStatuses: ShowPipelineStatus[];
  latest(): ShowMetricsSnapshot | null;
  /** Epoch ms of the last snapshot whose accepted count went up. */
  lastAdvance(): number;
  stop(): Promise<void>;
}

export function startStudio(
  brokers: string[],
  show: ShowState,
  topics: TopicSettingsInput = {},
): StudioUnderTest {
  const kafkaStatuses: ServiceStatus[] = [];
  const pipelineStatuses: ShowPipelineStatus[] = [];
  let latest: ShowMetricsSnapshot | null = null;
  let lastAdvance = 0;
  const gateway = new KafkaGateway({ brokers, clientId: 'drill-studio', ssl: false, topics }, (status) => {
    kafkaStatuses.push(status);
    metrics.onKafkaStatus(status);
  });
  const metrics: LiveMetrics = new LiveMetrics({
    kafka: gateway.kafka,
    instanceId: 'drill',
    dataDir: null,
    kafkaStatus: () => gateway.status,
    kafkaCluster: () => gateway.cluster,
    onSnapshot: (snapshot) => {
      if (!snapshot) return;
      if (snapshot.events.accepted > (latest?.events.accepted ?? -1)) lastAdvance = Date.now();
      latest = snapshot;
    },
    onPipeline: (status) => pipelineStatuses.push(status),
    onChat: () => {},
  });
  gateway.start();
  metrics.setShow(show);
  return {
    gateway,
    metrics,
    kafkaStatuses,
    pipelineStatuses,
    latest: () => latest,
    lastAdvance: () => lastAdvance,
    async stop() {
      await metrics.stop();
      await gateway.stop();
    },
  };
}

export function drillShow(): ShowState {
  return {
    showId: `drill-${randomUUID().slice(0, 8)}`,
    title: 'Failover drill',
    mode: 'rehearsal',
    currency: 'EUR',
    startedAt: Date.now(),
    pinnedProductId: null,
    soldOutProductIds: [],
  };
}

/** The node leading the show's shopper partition, its in-sync replica count, and the partition. */
export async function showLeader(
  admin: Admin,
  showId: string,
): Promise<{ leader: number; isr: number; partition: number }> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [SHOW_TOPICS.shopper] });
  const partitions = topics[0]!.partitions;
  const partition = showPartition(SHOW_TOPICS.shopper, showId, partitions.length);
  const p = partitions.find((x) => x.partitionId === partition)!;
  return { leader: p.leader, isr: p.isr.length, partition };
}

/**
 * The show's events as an independent consumer reads them from both topics (every partition,
 * to their current ends): distinct event ids, and distinct order ids.
 */
export async function countShowEvents(
  brokers: string[],
  showId: string,
): Promise<{ events: number; orders: number }> {
  const kafka = new Kafka({ clientId: 'drill-count', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topics = [SHOW_TOPICS.shopper, SHOW_TOPICS.studio];
  const ends = new Map<string, number>();
  for (const topic of topics)
    for (const { partition, high } of await admin.fetchTopicOffsets(topic))
      ends.set(`${topic}:${partition}`, Number(high));
  await admin.disconnect();
  const remaining = new Set([...ends].filter(([, end]) => end > 0).map(([key]) => key));
  const ids = new Set<string>();
  const orders = new Set<string>();
  const consumer = kafka.consumer({ groupId: `drill-count-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  if (remaining.size === 0) finish();
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const key = `${batch.topic}:${batch.partition}`;
      const end = ends.get(key) ?? 0;
      for (const message of batch.messages) {
        if (Number(message.offset) >= end) break;
        if (message.key?.toString() !== showId || !message.value) continue;
        const event = JSON.parse(message.value.toString()) as { id: string; type: string };
        ids.add(event.id);
        if (event.type === 'order.placed') orders.add(event.id);
      }
      if (Number(batch.lastOffset()) >= end - 1) {
        remaining.delete(key);
        if (remaining.size === 0) finish();
      }
    },
  });
  await done;
  await consumer.disconnect();
  return { events: ids.size, orders: orders.size };
}
