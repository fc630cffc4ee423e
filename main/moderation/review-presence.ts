// "Another producer is reviewing this": which held message each producer has open, shared
// across machines on a topic of its own. Markers are refreshed every few seconds and expire
// on their own, so the topic keeps only minutes of data (short retention, small segments)
// and is never part of a show's history.
import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import {
  MODERATION_PRESENCE_TOPIC,
  REVIEW_MARKER_TTL_MS,
  ReviewMarker,
  type Moderator,
} from '../../protocol/moderation';

const REFRESH_MS = 5000;
/** Retention is what bounds the topic: markers older than this are useless anyway. */
const TOPIC_CONFIG = [
  { name: 'retention.ms', value: String(10 * 60_000) },
  { name: 'segment.ms', value: String(60_000) },
  { name: 'cleanup.policy', value: 'delete' },
];
const MARKERS_KEPT = 1000;

export class ReviewPresence {
  private showId: string | null = null;
  private me: Moderator | null = null;
  private open: string | null = null;
  private readonly others = new Map<string, ReviewMarker>();
  private producer: Producer | null = null;
  private consumer: Consumer | null = null;
  private starting: Promise<void> | null = null;
  private refresh: NodeJS.Timeout | null = null;
  private readonly sweep: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly onChange: () => void,
  ) {
    this.sweep = setInterval(() => this.expire(), 1000);
    this.sweep.unref();
  }

  setShow(showId: string | null, me: Moderator): void {
    if (this.showId !== showId) {
      this.reviewing(null);
      this.others.clear();
    }
    this.showId = showId;
    this.me = me;
    if (showId) void this.start();
  }

  /** Markers of other producers on this show, still fresh. */
  markers(): ReviewMarker[] {
    return [...this.others.values()];
  }

  reviewing(messageEventId: string | null): void {
    if (this.open === messageEventId) return;
    if (this.open) this.send(this.open, false);
    this.open = messageEventId;
    if (this.refresh) clearInterval(this.refresh);
    this.refresh = null;
    if (!messageEventId) return;
    this.send(messageEventId, true);
    this.refresh = setInterval(() => this.send(messageEventId, true), REFRESH_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweep);
    if (this.refresh) clearInterval(this.refresh);
    await this.starting?.catch(() => {});
    await this.consumer?.disconnect().catch(() => {});
    await this.producer?.disconnect().catch(() => {});
  }

  private start(): Promise<void> {
    this.starting ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      try {
        if (!(await admin.listTopics()).includes(MODERATION_PRESENCE_TOPIC)) {
          await admin.createTopics({
            waitForLeaders: true,
            topics: [{ topic: MODERATION_PRESENCE_TOPIC, numPartitions: 1, configEntries: TOPIC_CONFIG }],
          });
        }
      } finally {
        await admin.disconnect().catch(() => {});
      }
      this.producer = this.kafka.producer();
      await this.producer.connect();
      this.consumer = this.kafka.consumer({
        groupId: `shopcast-presence.${randomUUID()}`,
        maxWaitTimeInMs: 100,
      });
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: [MODERATION_PRESENCE_TOPIC], fromBeginning: false });
      await this.consumer.run({
        eachMessage: async ({ message }) => {
          let json: unknown;
          try {
            json = JSON.parse(message.value?.toString('utf8') ?? '');
          } catch {
            return;
          }
          const marker = ReviewMarker.safeParse(json);
          if (!marker.success) return;
          this.receive(marker.data);
        },
      });
    })().catch((error: unknown) => {
      this.starting = null;
      console.warn(`Review markers unavailable: ${(error as Error).message}`);
      if (!this.stopped) setTimeout(() => this.showId && void this.start(), 2000).unref();
    });
    return this.starting;
  }

  private receive(marker: ReviewMarker): void {
    if (marker.showId !== this.showId || marker.producer.id === this.me?.id) return;
    const key = `${marker.producer.id}:${marker.messageEventId}`;
    if (!marker.active) {
      if (this.others.delete(key)) this.onChange();
      return;
    }
    if (Date.now() - marker.ts > REVIEW_MARKER_TTL_MS) return;
    this.others.delete(key);
    this.others.set(key, marker);
    if (this.others.size > MARKERS_KEPT) this.others.delete(this.others.keys().next().value as string);
    this.onChange();
  }

  private expire(): void {
    const now = Date.now();
    let changed = false;
    for (const [key, marker] of this.others) {
      if (now - marker.ts > REVIEW_MARKER_TTL_MS) changed = this.others.delete(key) || changed;
    }
    if (changed) this.onChange();
  }

  private send(messageEventId: string, active: boolean): void {
    const { showId, me, producer } = this;
    if (!showId || !me || !producer) return;
    const marker: ReviewMarker = {
      showId,
      messageEventId,
      producer: { id: me.id, name: me.name },
      ts: Date.now(),
      active,
    };
    void producer
      .send({ topic: MODERATION_PRESENCE_TOPIC, messages: [{ key: showId, value: JSON.stringify(marker) }] })
      .catch(() => {});
  }
}
