// Live show metrics from Kafka: consumes the shopper and studio topics, dead-letters
// invalid events, feeds valid ones to one ShowAggregator per show, and reports snapshots
// (at most ~10/s per show) and its own health.
//
// Every studio instance must see the whole stream, so each run uses its own consumer group.
// It starts from a timestamp (the show's start) rather than committed offsets, so a
// restarted studio rebuilds the show's figures exactly. Exactly-once counting comes from
// two guards: offsets already processed on a partition are skipped (redelivery after a
// rebalance or broker restart), and the aggregator dedupes event ids (producer retries).
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { DEAD_LETTER_HEADERS, SHOW_TOPICS, type ShowEvent } from '../../protocol/events';
import {
  INVALID_EVENT_REASONS,
  type InvalidEventReason,
  type ShowMetricsSnapshot,
  type ShowPipelineStatus,
} from '../../protocol/metrics';
import { ShowAggregator, type ShowAggregatorOptions } from './show-aggregator';
import { DEFAULT_PARSE_LIMITS, parseShowEvent, type ParseLimits } from './show-events';
import { SHOW_EVENT_TOPICS, ensureShowTopics, type ShowTopicSettings } from './topics';

export interface ShowPipelineOptions {
  /** Names this studio in its consumer group id (made unique per run). */
  instanceId: string;
  /** Where to start reading (ms epoch): the show's start. Default: now - lookbackMs. */
  replayFromMs?: number;
  lookbackMs: number;
  /** Start this much earlier than replayFromMs, for producers whose clocks run behind. */
  clockSlackMs: number;
  /** Aggregate only these shows (default: every show in the stream, up to maxShows). */
  showIds?: string[];
  maxShows: number;
  limits: ParseLimits;
  aggregator: Partial<ShowAggregatorOptions>;
  /** Topic settings used when the topics are missing; false: do not create them. */
  topics: Partial<ShowTopicSettings> | false;
  deadLetter: boolean;
  /** Minimum time between two snapshots of one show. */
  snapshotIntervalMs: number;
  /** Behind by more than this many messages after the first catch-up shows as catching up. */
  catchingUpThreshold: number;
  onSnapshot?: (snapshot: ShowMetricsSnapshot) => void;
  onStatus?: (status: ShowPipelineStatus) => void;
  /** Each event counted for a followed show (duplicates excluded), e.g. for the chat feed. */
  onEvent?: (event: ShowEvent) => void;
}

export const DEFAULT_PIPELINE_OPTIONS: Omit<ShowPipelineOptions, 'instanceId'> = {
  lookbackMs: 12 * 3600_000,
  clockSlackMs: 60_000,
  maxShows: 100,
  limits: DEFAULT_PARSE_LIMITS,
  aggregator: {},
  topics: {},
  deadLetter: true,
  snapshotIntervalMs: 100,
  catchingUpThreshold: 10_000,
};

interface PartitionProgress {
  /** Next offset to process; anything below was already counted. */
  next: number;
  /** Latest known high watermark. */
  high: number;
  /** High watermark when the pipeline started: the end of the catch-up. */
  endAtStart: number;
}

const STATUS_INTERVAL_MS = 1000;
const WATERMARK_REFRESH_MS = 5000;

/**
 * Retries a metadata lookup while partition leaders are still being elected — right after
 * the topics were created or the broker came back — instead of failing the whole start.
 */
async function whileLeadersSettle<T>(lookup: () => Promise<T>, attempts = 20): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await lookup();
    } catch (error) {
      const retriable = (error as { retriable?: boolean }).retriable === true;
      if (!retriable || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, 1000)));
    }
  }
}

export class ShowPipeline {
  readonly groupId: string;
  private readonly opts: ShowPipelineOptions;
  private readonly follow: Set<string> | null;
  private readonly aggregators = new Map<string, ShowAggregator>();
  private readonly progress = new Map<string, PartitionProgress>();
  private admin: Admin | null = null;
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;

  private state: ShowPipelineStatus['state'] = 'stopped';
  private error: string | null = null;
  private caughtUpOnce = false;
  private processed = 0;
  private deadLettered = 0;
  private ignoredShows = 0;
  private readonly invalid = Object.fromEntries(INVALID_EVENT_REASONS.map((r) => [r, 0])) as Record<
    InvalidEventReason,
    number
  >;
  private rate = 0;
  private rateMark = { at: 0, processed: 0 };
  private statusTimer: NodeJS.Timeout | null = null;
  private lastWatermarkRefresh = 0;

  private readonly dirty = new Set<string>();
  private readonly lastEmit = new Map<string, number>();
  private snapshotTimer: NodeJS.Timeout | null = null;
  private stopping = false;

  constructor(
    private readonly kafka: Kafka,
    options: Partial<ShowPipelineOptions> & { instanceId: string },
  ) {
    this.opts = { ...DEFAULT_PIPELINE_OPTIONS, ...options };
    this.follow = options.showIds ? new Set(options.showIds) : null;
    this.groupId = `shopcast-studio.${this.opts.instanceId}.${randomUUID()}`;
  }

  async start(): Promise<void> {
    if (this.state !== 'stopped') throw new Error('ShowPipeline already started');
    this.setState('starting');
    try {
      const admin = (this.admin = this.kafka.admin());
      await admin.connect();
      if (this.opts.topics !== false) await ensureShowTopics(admin, this.opts.topics);
      const from = (this.opts.replayFromMs ?? Date.now() - this.opts.lookbackMs) - this.opts.clockSlackMs;
      for (const topic of SHOW_EVENT_TOPICS) {
        const starts = await whileLeadersSettle(() => admin.fetchTopicOffsetsByTimestamp(topic, from));
        const highs = await whileLeadersSettle(() => admin.fetchTopicOffsets(topic));
        for (const { partition, offset } of starts) {
          const high = Number(highs.find((h) => h.partition === partition)?.high ?? offset);
          this.progress.set(`${topic}:${partition}`, { next: Number(offset), high, endAtStart: high });
        }
        // A fresh group starts where we tell it; after a consumer restart it resumes from its commits.
        await admin.setOffsets({ groupId: this.groupId, topic, partitions: starts });
      }
      if (this.opts.deadLetter) {
        this.producer = this.kafka.producer({ allowAutoTopicCreation: false });
        await this.producer.connect();
      }
      // Larger fetches mean fewer round trips while catching up (one show is one partition).
      const consumer = (this.consumer = this.kafka.consumer({
        groupId: this.groupId,
        maxBytesPerPartition: 8 * 1024 * 1024,
        maxBytes: 32 * 1024 * 1024,
      }));
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        // kafkajs restarts the consumer itself after retriable errors (e.g. a broker restart).
        this.error = payload.error.message;
        if (!payload.restart) this.setState('error');
      });
      await consumer.connect();
      await consumer.subscribe({ topics: [...SHOW_EVENT_TOPICS], fromBeginning: true });
      this.rateMark = { at: Date.now(), processed: 0 };
      this.statusTimer = setInterval(() => void this.tick(), STATUS_INTERVAL_MS);
      this.updateState();
      await consumer.run({ autoCommit: true, eachBatchAutoResolve: true, eachBatch: (p) => this.onBatch(p) });
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
      this.setState('error');
      throw e;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.statusTimer) clearInterval(this.statusTimer);
    if (this.snapshotTimer) clearTimeout(this.snapshotTimer);
    this.statusTimer = this.snapshotTimer = null;
    await this.consumer?.disconnect().catch(() => {});
    await this.producer?.disconnect().catch(() => {});
    // The group's committed offsets are of no use to a later run, which replays by timestamp.
    await this.admin?.deleteGroups([this.groupId]).catch(() => {});
    await this.admin?.disconnect().catch(() => {});
    this.consumer = this.producer = this.admin = null;
    this.setState('stopped');
  }

  status(): ShowPipelineStatus {
    return {
      state: this.state,
      behind: this.behind(),
      eventsPerSecond: this.rate,
      processed: this.processed,
      invalid: { ...this.invalid },
      deadLettered: this.deadLettered,
      error: this.state === 'error' ? this.error : null,
    };
  }

  snapshot(showId: string): ShowMetricsSnapshot | null {
    return this.aggregators.get(showId)?.snapshot() ?? null;
  }

  showIds(): string[] {
    return [...this.aggregators.keys()];
  }

  private async onBatch({ batch, heartbeat }: EachBatchPayload): Promise<void> {
    const key = `${batch.topic}:${batch.partition}`;
    let p = this.progress.get(key);
    if (!p) {
      // A partition added after start: read it all.
      p = { next: 0, high: 0, endAtStart: 0 };
      this.progress.set(key, p);
    }
    p.high = Math.max(p.high, Number(batch.highWatermark));
    const valid: ShowEvent[] = [];
    const dead: { message: (typeof batch.messages)[number]; reason: InvalidEventReason }[] = [];
    let last = p.next - 1;
    for (const message of batch.messages) {
      const offset = Number(message.offset);
      if (offset <= last) continue; // already counted
      last = offset;
      const result = parseShowEvent(message.value, this.opts.limits, message.key);
      if (result.ok) valid.push(result.event);
      else dead.push({ message, reason: result.reason });
    }
    if (dead.length && this.producer) {
      // Before counting anything: if this throws, kafkajs retries the whole batch.
      await this.producer.send({
        topic: SHOW_TOPICS.deadLetter,
        acks: -1,
        messages: dead.map(({ message, reason }) => ({
          key: message.key,
          value: message.value,
          timestamp: message.timestamp,
          headers: {
            ...message.headers,
            [DEAD_LETTER_HEADERS.reason]: reason,
            [DEAD_LETTER_HEADERS.sourceTopic]: batch.topic,
            [DEAD_LETTER_HEADERS.sourcePartition]: String(batch.partition),
            [DEAD_LETTER_HEADERS.sourceOffset]: message.offset,
          },
        })),
      });
      this.deadLettered += dead.length;
    }
    for (const { reason } of dead) this.invalid[reason]++;
    for (const event of valid) this.apply(event);
    this.processed += Math.max(0, last + 1 - p.next);
    p.next = Math.max(p.next, last + 1);
    this.updateState();
    await heartbeat();
  }

  private apply(event: ShowEvent): void {
    let agg = this.aggregators.get(event.showId);
    if (!agg) {
      if (this.follow ? !this.follow.has(event.showId) : this.aggregators.size >= this.opts.maxShows) {
        this.ignoredShows++;
        return;
      }
      agg = new ShowAggregator(event.showId, this.opts.aggregator);
      this.aggregators.set(event.showId, agg);
    }
    if (agg.apply(event) === 'applied') {
      this.opts.onEvent?.(event);
      this.markDirty(event.showId);
    }
  }

  // Snapshots: coalesced per show to one every snapshotIntervalMs.
  private markDirty(showId: string): void {
    if (!this.opts.onSnapshot || this.stopping) return;
    this.dirty.add(showId);
    if (this.snapshotTimer) return;
    const now = Date.now();
    let wait = 0;
    for (const id of this.dirty)
      wait = Math.max(wait, (this.lastEmit.get(id) ?? 0) + this.opts.snapshotIntervalMs - now);
    this.snapshotTimer = setTimeout(() => this.emitSnapshots(), Math.max(0, wait));
  }

  private emitSnapshots(): void {
    this.snapshotTimer = null;
    const now = Date.now();
    for (const id of this.dirty) {
      const agg = this.aggregators.get(id);
      if (agg) this.opts.onSnapshot?.(agg.snapshot());
      this.lastEmit.set(id, now);
    }
    this.dirty.clear();
  }

  private behind(): number {
    let total = 0;
    for (const p of this.progress.values()) total += Math.max(0, p.high - p.next);
    return total;
  }

  private updateState(): void {
    if (this.state === 'stopped' || this.state === 'error') return;
    if (!this.caughtUpOnce) {
      this.caughtUpOnce = [...this.progress.values()].every((p) => p.next >= p.endAtStart);
    }
    this.setState(
      this.caughtUpOnce && this.behind() <= this.opts.catchingUpThreshold ? 'live' : 'catching-up',
    );
  }

  private setState(state: ShowPipelineStatus['state']): void {
    if (state === this.state) return;
    this.state = state;
    this.opts.onStatus?.(this.status());
  }

  /** Once a second: events/s, and watermarks of partitions that have no new batches. */
  private async tick(): Promise<void> {
    const now = Date.now();
    this.rate = Math.round(
      ((this.processed - this.rateMark.processed) * 1000) / Math.max(1, now - this.rateMark.at),
    );
    this.rateMark = { at: now, processed: this.processed };
    if (this.admin && now - this.lastWatermarkRefresh >= WATERMARK_REFRESH_MS) {
      this.lastWatermarkRefresh = now;
      try {
        for (const topic of SHOW_EVENT_TOPICS) {
          for (const { partition, high } of await this.admin.fetchTopicOffsets(topic)) {
            const p = this.progress.get(`${topic}:${partition}`);
            if (p) p.high = Math.max(p.high, Number(high));
          }
        }
      } catch {
        // Broker away: the consumer reports it; the next tick tries again.
      }
    }
    this.updateState();
    this.opts.onStatus?.(this.status());
  }
}
