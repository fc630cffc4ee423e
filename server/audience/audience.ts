// Kafka side of the audience simulator: sends the generator's events at a steady rate
// and follows the host's pins from the studio topic. The studio runs it in-process as
// "Rehearsal mode"; server/audience/main.ts is the command line.
import { randomBytes } from 'node:crypto';
import kafkajs, { Kafka, Partitioners, logLevel, type Consumer } from 'kafkajs';
import type { KafkaConnection } from '../../protocol/kafka-connection';
import { registerKafkaCodecs, type KafkaCodecTable } from '../../protocol/kafka-codecs';
import { SHOW_TOPICS, ShowEvent, type ShopperEvent } from '../../protocol/events';
import { ensureShowTopics, type TopicSettingsInput } from '../../protocol/show-topics';
import { AudienceGenerator, type AudienceProduct } from './generator';

export interface AudienceOptions {
  brokers: string[];
  /** TLS and SASL of the cluster (brokers above win over connection.brokers). */
  connection?: Omit<KafkaConnection, 'brokers'>;
  showId: string;
  /** Events per second. */
  rate: number;
  seed: number;
  /** Products shoppers buy (catalog products fit: id, priceMinor, currency). */
  catalog?: AudienceProduct[];
  /** Audience size to steer toward; default grows with the rate. */
  audience?: number;
  /** Event id prefix; random by default so two rehearsals of one show do not collide. */
  runId?: string;
  /** Follow product pins from the studio topic (default true). */
  followPins?: boolean;
  clientId?: string;
  /** Settings for the show topics if this run has to create them (as the studio would). */
  topics?: TopicSettingsInput;
}

export interface AudienceStats {
  generated: number;
  sent: number;
  /** Failed sends; their events are retried, so the broker may hold duplicates (deduped by id). */
  sendErrors: number;
  /** Events sent per second over the last second. */
  eventsPerSecond: number;
  audience: number;
  pinnedProductId: string | null;
}

export interface AudienceRun {
  stop(): Promise<void>;
  stats(): AudienceStats;
}

const TICK_MS = 50;
// Past this backlog the simulator skips ahead instead of bursting (e.g. after a broker outage).
const MAX_BACKLOG_SECONDS = 2;
// One show is one key, so one partition: a send must stay under the broker's 1 MB batch limit.
const MAX_BYTES_PER_SEND = 512 * 1024;

export async function startAudience(options: AudienceOptions): Promise<AudienceRun> {
  const runId = options.runId ?? randomBytes(4).toString('hex');
  const rate = Math.max(0, options.rate);
  const generator = new AudienceGenerator({
    showId: options.showId,
    seed: options.seed,
    products: options.catalog,
    runId,
    targetAudience: options.audience ?? Math.min(200_000, Math.max(20, Math.round(rate * 5))),
  });
  registerKafkaCodecs(kafkajs.CompressionCodecs as unknown as KafkaCodecTable);
  const kafka = new Kafka({
    clientId: options.clientId ?? 'shopcast-audience',
    brokers: options.brokers,
    ssl: options.connection?.ssl ?? false,
    ...(options.connection?.sasl ? { sasl: options.connection.sasl } : {}),
    // Quiet: failed sends are retried and show up in stats().sendErrors.
    logLevel: logLevel.NOTHING,
  });
  await ensureTopics(kafka, options.topics ?? {});
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: true,
  });
  await producer.connect();
  const consumer = options.followPins === false ? null : await followPins(kafka, runId, generator);

  const stats = { generated: 0, sent: 0, sendErrors: 0 };
  let pending: ShopperEvent[] = [];
  let stopped = false;
  let lastTs = Date.now();
  let owed = 0; // events due but not generated yet (fractions carry over)
  const recent: { at: number; sent: number }[] = [];

  const sendPending = async (): Promise<boolean> => {
    while (pending.length) {
      const messages = [];
      let bytes = 0;
      for (const e of pending) {
        const value = JSON.stringify(e);
        bytes += value.length + 64;
        if (messages.length && bytes > MAX_BYTES_PER_SEND) break;
        messages.push({ key: e.showId, value, timestamp: String(e.ts) });
      }
      const chunk = pending.slice(0, messages.length);
      try {
        await producer.send({ topic: SHOW_TOPICS.shopper, acks: -1, messages });
      } catch {
        stats.sendErrors++;
        return false; // the same events go again on the next turn
      }
      pending = pending.slice(chunk.length);
      stats.sent += chunk.length;
    }
    return true;
  };

  const loop = async () => {
    while (!stopped) {
      const now = Date.now();
      owed = Math.min(owed + (rate * (now - lastTs)) / 1000, rate * MAX_BACKLOG_SECONDS + 1);
      const count = Math.floor(owed);
      if (count > 0 && pending.length < rate * MAX_BACKLOG_SECONDS) {
        owed -= count;
        pending = pending.concat(generator.generate(count, lastTs, now));
        stats.generated += count;
      }
      lastTs = now;
      if (!(await sendPending())) await sleep(500);
      recent.push({ at: Date.now(), sent: stats.sent });
      while (recent.length > 1 && recent[0]!.at < Date.now() - 1000) recent.shift();
      await sleep(Math.max(0, TICK_MS - (Date.now() - now)));
    }
  };
  const running = loop();

  return {
    async stop() {
      stopped = true;
      await running;
      // Deliver what was generated (a few tries), so stats().generated is what Kafka holds.
      for (let i = 0; i < 20 && !(await sendPending()); i++) await sleep(500);
      await consumer?.disconnect().catch(() => {});
      await producer.disconnect().catch(() => {});
    },
    stats() {
      const first = recent[0];
      const last = recent.at(-1);
      const span = first && last ? last.at - first.at : 0;
      return {
        ...stats,
        eventsPerSecond: span > 0 ? Math.round(((last!.sent - first!.sent) * 1000) / span) : 0,
        audience: generator.audience,
        pinnedProductId: generator.pinnedProductId,
      };
    },
  };
}

/** Standalone runs may come before any studio: create the topics the way the studio would. */
async function ensureTopics(kafka: Kafka, topics: TopicSettingsInput): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureShowTopics(admin, topics);
  } finally {
    await admin.disconnect();
  }
}

/** Reads the studio topic from the beginning (it is small) and applies this show's pins in order. */
async function followPins(kafka: Kafka, runId: string, generator: AudienceGenerator): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId: `shopcast-audience.${runId}` });
  await consumer.connect();
  await consumer.subscribe({ topic: SHOW_TOPICS.studio, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      if (message.key?.toString() !== generator.showId || !message.value) return;
      let parsed;
      try {
        parsed = ShowEvent.safeParse(JSON.parse(message.value.toString()));
      } catch {
        return;
      }
      if (!parsed.success) return;
      const e = parsed.data;
      if (e.type === 'product.pinned') generator.setPinned(e.productId);
      else if (e.type === 'product.unpinned' && generator.pinnedProductId === e.productId)
        generator.setPinned(null);
      else if (e.type === 'product.sold_out') generator.setSoldOut(e.productId, true);
      else if (e.type === 'product.back_in_stock') generator.setSoldOut(e.productId, false);
      else if (e.type === 'show.ended') generator.setPinned(null);
    },
  });
  return consumer;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
