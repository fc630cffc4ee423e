// The show library: every show in Kafka's retention (found on the studio topic, which is
// small: starts, ends, pins, markers, moderation) and every show archived here, with what
// is known of its figures and where its recording is.
import type { Kafka } from 'kafkajs';
import { SHOW_TOPICS } from '../../protocol/events';
import type { ShowLibraryEntry } from '../../protocol/replays';
import { DEFAULT_PARSE_LIMITS, parseShowEvent } from '../live-metrics';
import { readRanges, type OffsetRange } from './kafka-ranges';

export interface KafkaShow {
  showId: string;
  title: string | null;
  mode: 'live' | 'rehearsal' | 'unknown';
  currency: string | null;
  startedAt: number;
  endedAt: number | null;
}

/** Follows the studio topic in steps: each refresh reads only what was added since the last. */
export class StudioTopicScan {
  private readonly next = new Map<number, number>();
  private readonly shows = new Map<string, KafkaShow>();

  constructor(private readonly kafka: Kafka) {}

  async refresh(): Promise<KafkaShow[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    let ranges: OffsetRange[];
    try {
      if (!(await admin.listTopics()).includes(SHOW_TOPICS.studio)) {
        this.shows.clear();
        this.next.clear();
        return [];
      }
      const offsets = await admin.fetchTopicOffsets(SHOW_TOPICS.studio);
      // A topic deleted and made again starts over: forget what was read of the old one.
      if (offsets.some(({ partition, high }) => (this.next.get(partition) ?? 0) > Number(high))) {
        this.next.clear();
        this.shows.clear();
      }
      ranges = offsets.map(({ partition, low, high }) => ({
        topic: SHOW_TOPICS.studio,
        partition,
        from: Math.max(Number(low), this.next.get(partition) ?? 0),
        to: Number(high),
      }));
    } finally {
      await admin.disconnect().catch(() => {});
    }
    await readRanges(this.kafka, {
      ranges,
      onMessages: (_topic, _partition, messages) => {
        for (const message of messages) {
          const parsed = parseShowEvent(message.value, DEFAULT_PARSE_LIMITS, message.key);
          if (!parsed.ok) continue;
          const e = parsed.event;
          if (e.type === 'show.started') {
            const known = this.shows.get(e.showId);
            this.shows.set(e.showId, {
              showId: e.showId,
              title: e.title ?? null,
              mode: e.mode ?? 'unknown',
              currency: e.currency,
              startedAt: e.ts,
              endedAt: known?.endedAt ?? null,
            });
          } else if (e.type === 'show.ended') {
            const known = this.shows.get(e.showId);
            if (known) known.endedAt = Math.max(known.endedAt ?? 0, e.ts);
            else
              this.shows.set(e.showId, {
                showId: e.showId,
                title: null,
                mode: 'unknown',
                currency: null,
                startedAt: e.ts,
                endedAt: e.ts,
              });
          }
        }
      },
    });
    for (const r of ranges) this.next.set(r.partition, Math.max(this.next.get(r.partition) ?? 0, r.to));
    return [...this.shows.values()];
  }
}

export function sortLibrary(entries: ShowLibraryEntry[]): ShowLibraryEntry[] {
  return entries.sort((a, b) => b.startedAt - a.startedAt || a.showId.localeCompare(b.showId));
}
