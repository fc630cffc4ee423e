// Reads fixed offset ranges of Kafka partitions once, with progress and a cancel: the
// replays' way to get a show's events back by timestamp, and the library's scan of the
// studio topic. A throwaway consumer group per read, seeked to the ranges' starts.
import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

export interface OffsetRange {
  topic: string;
  partition: number;
  /** First offset to read. */
  from: number;
  /** Offset after the last one to read. */
  to: number;
}

export interface ReadRangesOptions {
  ranges: OffsetRange[];
  onMessages: (topic: string, partition: number, messages: KafkaMessage[]) => void;
  /** Messages read so far of the ranges' total. */
  onProgress?: (read: number, total: number) => void;
  signal?: AbortSignal;
}

export class ReadCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'ReadCancelled';
  }
}

/** The [from, to) offsets of each partition of `topics` whose messages are stamped within [fromMs, toMs]. */
export async function rangesByTimestamp(
  kafka: Kafka,
  topics: readonly string[],
  fromMs: number,
  toMs: number | null,
): Promise<OffsetRange[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const ranges: OffsetRange[] = [];
    for (const topic of topics) {
      if (!existing.has(topic)) continue;
      const highs = await admin.fetchTopicOffsets(topic);
      const starts = await admin.fetchTopicOffsetsByTimestamp(topic, fromMs);
      // An offset of -1 means no message at or after the time: the end of the partition.
      const ends = toMs === null ? null : await admin.fetchTopicOffsetsByTimestamp(topic, toMs + 1);
      for (const { partition, high, low } of highs) {
        const at = (list: { partition: number; offset: string }[] | null) => {
          const offset = Number(list?.find((o) => o.partition === partition)?.offset ?? -1);
          return offset < 0 ? Number(high) : offset;
        };
        const from = Math.max(Number(low), at(starts));
        const to = ends === null ? Number(high) : at(ends);
        if (to > from) ranges.push({ topic, partition, from, to });
      }
    }
    return ranges;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export async function readRanges(kafka: Kafka, options: ReadRangesOptions): Promise<void> {
  const ranges = options.ranges.filter((r) => r.to > r.from);
  const total = ranges.reduce((sum, r) => sum + (r.to - r.from), 0);
  options.onProgress?.(0, total);
  if (ranges.length === 0) return;
  if (options.signal?.aborted) throw new ReadCancelled();
  const groupId = `shopcast-studio.replay.${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    maxBytesPerPartition: 8 * 1024 * 1024,
    maxBytes: 32 * 1024 * 1024,
  });
  const left = new Map(ranges.map((r) => [`${r.topic}:${r.partition}`, r]));
  let read = 0;
  let finish!: (error?: Error) => void;
  const finished = new Promise<void>((resolve, reject) => {
    finish = (error) => (error ? reject(error) : resolve());
  });
  const onAbort = () => finish(new ReadCancelled());
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let seeked = false;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (seeked) return;
      seeked = true;
      for (const r of ranges)
        consumer.seek({ topic: r.topic, partition: r.partition, offset: String(r.from) });
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) finish(payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...new Set(ranges.map((r) => r.topic))], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat }) => {
        const key = `${batch.topic}:${batch.partition}`;
        const range = left.get(key);
        if (!range || options.signal?.aborted) return;
        const wanted = batch.messages.filter((m) => {
          const offset = Number(m.offset);
          return offset >= range.from && offset < range.to;
        });
        if (wanted.length) {
          options.onMessages(batch.topic, batch.partition, wanted);
          read += wanted.length;
          options.onProgress?.(read, total);
        }
        const last = Number(batch.messages.at(-1)?.offset ?? -1);
        if (last + 1 >= range.to) {
          left.delete(key);
          consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
          if (left.size === 0) finish();
        }
        await heartbeat();
      },
    });
    await finished;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await consumer.disconnect().catch(() => {});
    const admin = kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([groupId]))
      .catch(() => {})
      .finally(() => void admin.disconnect().catch(() => {}));
  }
}
