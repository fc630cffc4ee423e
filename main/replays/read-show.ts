// A show's events read back from Kafka by timestamp, in replay order: each partition in
// offset order (as the live pipeline reads it), partitions merged by event time.
import type { Kafka, KafkaMessage } from 'kafkajs';
import { SHOW_TOPICS, type ShowEvent } from '../../protocol/events';
import { DEFAULT_PARSE_LIMITS, parseShowEvent } from '../live-metrics';
import { SHOW_EVENT_TOPICS } from '../kafka';
import { rangesByTimestamp, readRanges } from './kafka-ranges';

/** Producers' clocks may run behind the record timestamps by this much (as live). */
export const CLOCK_SLACK_MS = 60_000;

export interface ReadShowOptions {
  showId: string;
  startedAt: number;
  /** null: up to the end of the topics. */
  endedAt: number | null;
  onProgress?: (read: number, total: number) => void;
  signal?: AbortSignal;
}

export async function readShowFromKafka(kafka: Kafka, options: ReadShowOptions): Promise<ShowEvent[]> {
  const ranges = await rangesByTimestamp(
    kafka,
    SHOW_EVENT_TOPICS,
    options.startedAt - CLOCK_SLACK_MS,
    options.endedAt === null ? null : options.endedAt + CLOCK_SLACK_MS,
  );
  const byPartition = new Map<string, ShowEvent[]>();
  const keyBytes = Buffer.from(options.showId);
  await readRanges(kafka, {
    ranges,
    signal: options.signal,
    onProgress: options.onProgress,
    onMessages: (topic, partition, messages: KafkaMessage[]) => {
      const key = `${topic}:${partition}`;
      let list = byPartition.get(key);
      if (!list) byPartition.set(key, (list = []));
      for (const message of messages) {
        // Other shows share the partition: compare keys before parsing.
        if (!message.key || !message.key.equals(keyBytes)) continue;
        const parsed = parseShowEvent(message.value, DEFAULT_PARSE_LIMITS, message.key);
        if (parsed.ok && parsed.event.showId === options.showId) list.push(parsed.event);
      }
    },
  });
  // The studio topic first on equal times, so show.started comes before its first orders.
  const streams = [...byPartition]
    .sort(([a], [b]) => Number(!a.startsWith(SHOW_TOPICS.studio)) - Number(!b.startsWith(SHOW_TOPICS.studio)))
    .map(([, list]) => list);
  return mergeByTime(streams);
}

/** K-way merge by ts that keeps each stream's own order (stable, earlier streams first on ties). */
export function mergeByTime(streams: ShowEvent[][]): ShowEvent[] {
  const heads = streams.map(() => 0);
  const total = streams.reduce((sum, s) => sum + s.length, 0);
  const out: ShowEvent[] = new Array(total);
  for (let n = 0; n < total; n++) {
    let best = -1;
    for (let i = 0; i < streams.length; i++) {
      const e = streams[i]![heads[i]!];
      if (e && (best < 0 || e.ts < streams[best]![heads[best]!]!.ts)) best = i;
    }
    out[n] = streams[best]![heads[best]!++]!;
  }
  return out;
}
