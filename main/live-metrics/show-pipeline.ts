// Live show metrics from Kafka: consumes the shopper and studio topics, dead-letters
// invalid events, feeds valid ones to one ShowAggregator per show, and reports snapshots
// (at most ~10/s per show), headlines (the KPI figures alone, sooner) and its own health.
//
// Every studio instance must see the whole stream, so each run uses its own consumer group.
// It starts from a timestamp (the show's start) rather than committed offsets, so a
// restarted studio rebuilds the show's figures exactly. Exactly-once counting comes from
// two guards: offsets already processed on a partition are skipped (redelivery after a
// rebalance or broker restart), and the aggregator dedupes event ids (producer retries).
//
// Parsing, dedupe and aggregation run in a worker thread (show-ingest.ts): kafkajs fetches
// the next batch only once eachBatch returns, so eachBatch hands the batch over (packed in one
// transferred buffer) and returns while the worker is still on it, at most MAX_IN_FLIGHT
// batches ahead. A batch with invalid events is counted only after they are in the
// dead-letter topic; that write is retried until it succeeds, holding later batches back.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import {
  DEAD_LETTER_HEADERS,
  SHOW_EVENT_TYPES,
  SHOW_TOPICS,
  type ShowEvent,
  type ShowEventType,
} from '../../protocol/events';
import {
  INVALID_EVENT_REASONS,
  type InvalidEventReason,
  type ShowHeadline,
  type ShowMetricsSnapshot,
  type ShowPipelineStatus,
} from '../../protocol/metrics';
import { packBatch } from './show-batch';
import type { ShowAggregatorOptions } from './show-aggregator';
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from './show-events';
import type { IngestReport, IngestRequest, ShowIngestOptions } from './show-ingest';
import { SHOW_EVENT_TOPICS, ensureShowTopics, type TopicSettingsInput } from '../kafka';

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
  topics: TopicSettingsInput | false;
  deadLetter: boolean;
  /** Minimum time between two snapshots of one show. */
  snapshotIntervalMs: number;
  /** Minimum time between two headlines of one show (sent only with onHeadline). */
  headlineIntervalMs: number;
  /** Behind by more than this many messages after the first catch-up shows as catching up. */
  catchingUpThreshold: number;
  onSnapshot?: (snapshot: ShowMetricsSnapshot) => void;
  /** A show's headline figures, as soon as a batch changed them (throttled). */
  onHeadline?: (headline: ShowHeadline) => void;
  onStatus?: (status: ShowPipelineStatus) => void;
  /** Each event counted for a followed show (duplicates excluded), e.g. for the chat feed. */
  onEvent?: (event: ShowEvent) => void;
  /** The event types onEvent gets (default: all); the worker hands back only these. */
  eventTypes?: ShowEventType[];
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
  headlineIntervalMs: 33,
  catchingUpThreshold: 10_000,
};

interface PartitionProgress {
  /** Next offset to hand to the worker; anything below is counted or on its way. */
  handedOver: number;
  /** Next offset to count; anything below was already counted. */
  next: number;
  /** Latest known high watermark. */
  high: number;
  /** High watermark when the pipeline started: the end of the catch-up. */
  endAtStart: number;
}

/** One batch in the worker's hands. */
interface InFlightBatch {
  id: number;
  topic: string;
  partition: number;
  /** The batch's new messages (kept for dead-lettering). */
  messages: KafkaMessage[];
  /** Offset after its last message. */
  end: number;
  invalid: InvalidEventReason[];
  done: Promise<void>;
  release: () => void;
}

const STATUS_INTERVAL_MS = 1000;
/** Batches handed to the worker and not yet counted; eachBatch waits while there are more. */
const MAX_IN_FLIGHT = 2;
const DEAD_LETTER_RETRY_MS = { first: 200, max: 5000 };
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
  private readonly snapshots = new Map<string, ShowMetricsSnapshot>();
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

  private worker: Worker | null = null;
  private readonly inFlight = new Map<number, InFlightBatch>();
  private nextBatchId = 1;
  private stopping = false;

  constructor(
    private readonly kafka: Kafka,
    options: Partial<ShowPipelineOptions> & { instanceId: string },
  ) {
    this.opts = { ...DEFAULT_PIPELINE_OPTIONS, ...options };
    this.groupId = `shopcast-studio.${this.opts.instanceId}.${randomUUID()}`;
  }

  async start(): Promise<void> {
    if (this.state !== 'stopped') throw new Error('ShowPipeline already started');
    this.setState('starting');
    try {
      // First, so the worker boots while the group is set up.
      this.worker = this.startWorker();
      const admin = (this.admin = this.kafka.admin());
      await admin.connect();
      if (this.opts.topics !== false) await ensureShowTopics(admin, this.opts.topics);
      const from = (this.opts.replayFromMs ?? Date.now() - this.opts.lookbackMs) - this.opts.clockSlackMs;
      const seeks: { topic: string; partition: number; offset: string }[] = [];
      for (const topic of SHOW_EVENT_TOPICS) {
        const starts = await whileLeadersSettle(() => admin.fetchTopicOffsetsByTimestamp(topic, from));
        const highs = await whileLeadersSettle(() => admin.fetchTopicOffsets(topic));
        for (const { partition, offset } of starts) {
          const high = Number(highs.find((h) => h.partition === partition)?.high ?? offset);
          const next = Number(offset);
          this.progress.set(`${topic}:${partition}`, { handedOver: next, next, high, endAtStart: high });
        }
        for (const { partition, offset } of starts) seeks.push({ topic, partition, offset });
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
        // After a broker change kafkajs waits out every long poll before it fetches from the new
        // leader: keep them short (an idle fetch a second per broker costs nothing).
        maxWaitTimeInMs: 1000,
      }));
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        // kafkajs restarts the consumer itself after retriable errors (e.g. a broker restart).
        this.error = payload.error.message;
        if (!payload.restart) this.setState('error');
      });
      // The fresh group starts where we tell it: seek once it has its partitions, before the
      // first fetch (kafkajs emits GROUP_JOIN synchronously, and the seek commits). After a
      // consumer restart it rejoins and resumes from its commits. (admin.setOffsets would do
      // the same with a throwaway consumer that takes a whole fetch wait, 5 s, per topic.)
      let seeked = false;
      consumer.on(consumer.events.GROUP_JOIN, () => {
        if (seeked) return;
        seeked = true;
        for (const seek of seeks) consumer.seek(seek);
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
    this.statusTimer = null;
    // eachBatch may be waiting for the worker: let it return, counting nothing more.
    for (const batch of this.inFlight.values()) batch.release();
    await this.consumer?.disconnect().catch(() => {});
    await this.worker?.terminate().catch(() => {});
    this.worker = null;
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

  /** The show's latest snapshot from the worker (at most snapshotIntervalMs old). */
  snapshot(showId: string): ShowMetricsSnapshot | null {
    return this.snapshots.get(showId) ?? null;
  }

  showIds(): string[] {
    return [...this.snapshots.keys()];
  }

  private async onBatch({ batch, heartbeat }: EachBatchPayload): Promise<void> {
    if (this.state === 'error' || !this.worker) throw new Error(this.error ?? 'show pipeline stopped');
    const key = `${batch.topic}:${batch.partition}`;
    let p = this.progress.get(key);
    if (!p) {
      // A partition added after start: read it all.
      p = { handedOver: 0, next: 0, high: 0, endAtStart: 0 };
      this.progress.set(key, p);
    }
    p.high = Math.max(p.high, Number(batch.highWatermark));
    const messages: KafkaMessage[] = [];
    let last = p.handedOver - 1;
    for (const message of batch.messages) {
      const offset = Number(message.offset);
      if (offset <= last) continue; // already counted, or with the worker
      last = offset;
      messages.push(message);
    }
    if (messages.length) {
      let release!: () => void;
      const done = new Promise<void>((resolve) => (release = resolve));
      const id = this.nextBatchId++;
      const buffer = packBatch(messages);
      const inFlight = { id, topic: batch.topic, partition: batch.partition, messages, end: last + 1 };
      this.inFlight.set(id, { ...inFlight, invalid: [], done, release });
      p.handedOver = last + 1;
      this.post({ kind: 'batch', id, buffer }, [buffer]);
    }
    // Return at once, so kafkajs fetches the next batch meanwhile, unless the worker is behind.
    while (this.inFlight.size > MAX_IN_FLIGHT) {
      await this.inFlight.values().next().value!.done;
      await heartbeat();
    }
    this.updateState();
    await heartbeat();
  }

  private startWorker(): Worker {
    const options: ShowIngestOptions = {
      limits: this.opts.limits,
      aggregator: this.opts.aggregator,
      showIds: this.opts.showIds ?? null,
      maxShows: this.opts.maxShows,
      snapshotIntervalMs: this.opts.snapshotIntervalMs,
      headlineIntervalMs: this.opts.onHeadline ? this.opts.headlineIntervalMs : 0,
      eventTypes: this.opts.onEvent ? (this.opts.eventTypes ?? SHOW_EVENT_TYPES) : [],
    };
    const worker = ingestWorker(options);
    worker.on('message', (report: IngestReport) => this.onReport(report));
    worker.on('error', (error) => this.fail(`worker: ${error.message}`));
    worker.on('exit', (code) => this.fail(`worker exited (${code})`));
    return worker;
  }

  private post(request: IngestRequest, transfer: ArrayBuffer[] = []): void {
    this.worker?.postMessage(request, transfer);
  }

  private fail(message: string): void {
    if (this.stopping || this.state === 'error') return;
    this.error = message;
    this.setState('error');
    // Nothing more will be counted; let eachBatch return (it refuses new batches now).
    for (const batch of this.inFlight.values()) batch.release();
  }

  private onReport(report: IngestReport): void {
    if (this.stopping) return;
    switch (report.kind) {
      case 'dead-letter': {
        const batch = this.inFlight.get(report.id);
        if (!batch) return;
        batch.invalid = report.invalid.map((i) => i.reason);
        void this.deadLetter(batch, report.invalid).then((written) => {
          if (written) this.post({ kind: 'commit', id: batch.id });
        });
        return;
      }
      case 'done':
        this.counted(report.id, report.events);
        return;
      case 'snapshot':
        this.snapshots.set(report.snapshot.showId, report.snapshot);
        this.opts.onSnapshot?.(report.snapshot);
        return;
      case 'headline':
        this.opts.onHeadline?.(report.headline);
        return;
      case 'failed':
        this.fail(report.error);
        return;
    }
  }

  /** Writes a batch's invalid messages to the dead-letter topic; retries until done or stopped. */
  private async deadLetter(
    batch: InFlightBatch,
    invalid: { index: number; reason: InvalidEventReason }[],
  ): Promise<boolean> {
    const producer = this.producer;
    if (!producer) return true;
    const messages = invalid.map(({ index, reason }) => {
      const message = batch.messages[index]!;
      return {
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
      };
    });
    for (let wait = DEAD_LETTER_RETRY_MS.first; ; wait = Math.min(wait * 2, DEAD_LETTER_RETRY_MS.max)) {
      if (this.stopping || this.state === 'error') return false;
      try {
        await producer.send({ topic: SHOW_TOPICS.deadLetter, acks: -1, messages });
        this.deadLettered += messages.length;
        return true;
      } catch (error) {
        // Nothing of this batch (nor of later ones) counts until its dead letters are written.
        this.error = `dead-letter topic: ${(error as Error).message}`;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /** The worker counted a batch. */
  private counted(id: number, events: ShowEvent[]): void {
    const batch = this.inFlight.get(id);
    if (!batch) return;
    this.inFlight.delete(id);
    const p = this.progress.get(`${batch.topic}:${batch.partition}`)!;
    this.processed += Math.max(0, batch.end - p.next);
    p.next = Math.max(p.next, batch.end);
    for (const reason of batch.invalid) this.invalid[reason]++;
    for (const event of events) this.opts.onEvent?.(event);
    batch.release();
    this.updateState();
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

/** The pipeline's worker: the bundled script in the Electron build, else the TypeScript source via tsx. */
function ingestWorker(workerData: ShowIngestOptions): Worker {
  // A whole fetch's events live until the batch is counted: a young generation that holds
  // them spares promoting them all to the old generation.
  const resourceLimits = { maxYoungGenerationSizeMb: 192 };
  if (import.meta.url.endsWith('.cjs')) {
    return new Worker(new URL('./show-pipeline-worker.cjs', import.meta.url), { workerData, resourceLimits });
  }
  const tsx = createRequire(import.meta.url)
    .resolve('tsx/esm/api')
    .replace(/\.cjs$/, '.mjs');
  const entry = new URL('./show-pipeline-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(pathToFileURL(tsx).href)})
    .then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData, resourceLimits });
}
