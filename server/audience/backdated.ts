// Writes a whole show with back-dated timestamps as fast as Kafka takes it: the studio's
// events (start, a pin rotation, markers, end) and the simulator's shoppers, spread over
// the show's length. For replay benchmarks and demos of long shows.
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import type { KafkaConnection } from '../../protocol/kafka-connection';
import { SHOW_TOPICS, type ShowEvent } from '../../protocol/events';
import { AudienceGenerator, type AudienceProduct } from './generator';
import { ensureShowTopics, topicSettingsFromEnv } from '../../protocol/show-topics';

export interface BackdatedShowOptions {
  connection: KafkaConnection;
  showId: string;
  /** Shopper events in the whole show. */
  events: number;
  /** The show's length; it ends now. */
  durationMs: number;
  seed: number;
  catalog: AudienceProduct[];
  title?: string;
  pinEveryMs?: number;
  onProgress?: (sent: number) => void;
}

// One show is one key, so one partition: a send must stay under the broker's 1 MB batch limit.
const MAX_BYTES_PER_SEND = 512 * 1024;

export async function writeBackdatedShow(
  o: BackdatedShowOptions,
): Promise<{ startedAt: number; endedAt: number }> {
  const endedAt = Date.now();
  const startedAt = endedAt - o.durationMs;
  const kafka = new Kafka({ clientId: 'shopcast-backdated', ...o.connection, logLevel: logLevel.NOTHING });
  // Standalone runs may come before any studio: create the topics the way the studio would.
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureShowTopics(admin, topicSettingsFromEnv(process.env));
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const send = async (topic: string, events: ShowEvent[]) => {
    let batch: { key: string; value: string; timestamp: string }[] = [];
    let bytes = 0;
    const flush = async () => {
      if (batch.length) await producer.send({ topic, acks: -1, messages: batch });
      batch = [];
      bytes = 0;
    };
    for (const e of events) {
      const value = JSON.stringify(e);
      if (bytes + value.length + 64 > MAX_BYTES_PER_SEND) await flush();
      batch.push({ key: e.showId, value, timestamp: String(e.ts) });
      bytes += value.length + 64;
    }
    await flush();
  };
  try {
    const generator = new AudienceGenerator({
      showId: o.showId,
      seed: o.seed,
      products: o.catalog,
      runId: 'backdated',
      targetAudience: Math.max(50, Math.round(o.events / 200)),
    });
    const pinEvery = o.pinEveryMs ?? 5 * 60_000;
    let n = 0;
    const studio = (type: string, ts: number, extra: object): ShowEvent =>
      ({ id: `backdated-${o.showId}-${n++}`, v: 1, showId: o.showId, ts, type, ...extra }) as ShowEvent;
    const studioEvents: ShowEvent[] = [
      studio('show.started', startedAt, {
        currency: o.catalog[0]!.currency,
        title: o.title ?? `Back-dated show ${o.showId}`,
        mode: 'rehearsal',
      }),
    ];
    // Shoppers in slices of show time, each slice following the pin of its time.
    const slices = Math.ceil(o.durationMs / 10_000);
    let sent = 0;
    for (let i = 0; i < slices; i++) {
      const from = startedAt + i * 10_000;
      const to = Math.min(endedAt, from + 10_000);
      if ((from - startedAt) % pinEvery === 0) {
        const product = o.catalog[Math.floor((from - startedAt) / pinEvery) % o.catalog.length]!;
        generator.setPinned(product.id);
        studioEvents.push(studio('product.pinned', from, { productId: product.id }));
        studioEvents.push(
          studio('marker', from + 1000, {
            label: `segment ${Math.floor((from - startedAt) / pinEvery) + 1}`,
          }),
        );
      }
      const count = Math.round(((i + 1) * o.events) / slices) - Math.round((i * o.events) / slices);
      await send(SHOW_TOPICS.shopper, generator.generate(count, from, to));
      sent += count;
      o.onProgress?.(sent);
    }
    studioEvents.push(studio('show.ended', endedAt, {}));
    await send(SHOW_TOPICS.studio, studioEvents);
    return { startedAt, endedAt };
  } finally {
    await producer.disconnect().catch(() => {});
  }
}
