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
// dead-letter topic, or given up on (dead-letters.ts), holding later batches back meanwhile.
//
// Outages: kafkajs rides out a broker restart by itself, and the offsets guard makes its
// redeliveries harmless, so the pipeline keeps its figures and resumes where it was. If the
// consumer gives up for good, or makes no progress although it could (restartConsumer, called
// by LiveMetrics' pipeline watch), the pipeline replaces it with a fresh one from the same
// offsets. Only a lost worker (the figures themselves) ends the pipeline in 'error'.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import {
  UNDECODABLE_CODEC_HEADER,
  UNDECODABLE_HEADER,
  UNDECODABLE_OFFSETS_HEADER,
  type KafkaCodecOptions,
} from '../../protocol/kafka-codecs';
import {
  DEAD_LETTER_HEADERS,
  SHOW_EVENT_TYPES,
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
import { packBatch, type BatchMessage } from './show-batch';
import { DeadLetterLedger, DeadLetterWriter, type DeadLetter, type DeadLetterOptions } from './dead-letters';
import type { ShowAggregatorOptions } from './show-aggregator';
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from './show-events';
import type { IngestReport, IngestRequest, ShowIngestOptions } from './show-ingest';
import { SHOW_EVENT_TOPICS, ensureShowTopics, useKafkaCodecs, type TopicSettingsInput } from '../kafka';

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
  /** Limits of the compression codecs (the largest batch once decompressed). */
  codecs: Partial<KafkaCodecOptions>;
  /** Dead-letter topic limits and give-up time (tests). */
  deadLetters: Partial<DeadLetterOptions>;
  /** What this studio already dead-lettered (shared by its pipelines, kept across restarts). */
  ledger: DeadLetterLedger | null;
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
  codecs: {},
  deadLetters: {},
  ledger: null,
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
  messages: (KafkaMessage & { undecodable?: boolean })[];
  /** Offset after its last message. */
  end: number;
  invalid: InvalidEventReason[];
  done: Promise<void>;
  release: () => void;
}

const STATUS_INTERVAL_MS = 1000;
/** Batches handed to the worker and not yet counted; eachBatch waits while there are more. */
const MAX_IN_FLIGHT = 2;
const WATERMARK_REFRESH_MS = 5000;
const CONSUMER_RESTART_MS = { first: 500, max: 5000 };
const LEAVE_WAIT_MS = 5000;

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
  /** Consumers this pipeline made (a fresh group each), all removed on stop. */
  private readonly groups: string[] = [];
  private deadLetters: DeadLetterWriter | null = null;
  /** A consumer being started (and retried); at most one at a time. */
  private consumerStarting: Promise<void> | null = null;
  /** Replaced consumers still leaving their groups. */
  private readonly leaving = new Set<Promise<void>>();

  private state: ShowPipelineStatus['state'] = 'stopped';
  private error: string | null = null;
  private caughtUpOnce = false;
  private processed = 0;
  private deadLettered = 0;
  private deadLetterLost = 0;
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
    useKafkaCodecs(this.opts.codecs);
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
      for (const topic of SHOW_EVENT_TOPICS) {
        const starts = await whileLeadersSettle(() => admin.fetchTopicOffsetsByTimestamp(topic, from));
        const highs = await whileLeadersSettle(() => admin.fetchTopicOffsets(topic));
        for (const { partition, offset } of starts) {
          const high = Number(highs.find((h) => h.partition === partition)?.high ?? offset);
          const next = Number(offset);
          this.progress.set(`${topic}:${partition}`, { handedOver: next, next, high, endAtStart: high });
        }
      }
      if (this.opts.deadLetter) {
        this.deadLetters = new DeadLetterWriter(this.kafka, admin, this.opts.deadLetters);
        await this.deadLetters.start();
      }
      this.rateMark = { at: Date.now(), processed: 0 };
      this.statusTimer = setInterval(() => void this.tick(), STATUS_INTERVAL_MS);
      this.updateState();
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
      this.setState('error');
      throw e;
    }
    // From here on the pipeline holds its place: a consumer that cannot start yet is retried.
    await this.runConsumer();
  }

  /**
   * A consumer in a fresh group, reading every partition from what was not yet handed to the
   * worker: at start the show's start, after a consumer gave up the point it reached.
   */
  private async startConsumer(): Promise<void> {
    const groupId = this.groups.length === 0 ? this.groupId : `${this.groupId}.${this.groups.length}`;
    this.groups.push(groupId);
    // Larger fetches mean fewer round trips while catching up (one show is one partition).
    const consumer = (this.consumer = this.kafka.consumer({
      groupId,
      maxBytesPerPartition: 8 * 1024 * 1024,
      maxBytes: 32 * 1024 * 1024,
      // After a broker change kafkajs waits out every long poll before it fetches from the new
      // leader: keep them short (an idle fetch a second per broker costs nothing).
      maxWaitTimeInMs: 1000,
    }));
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.error = payload.error.message;
      // kafkajs restarts the consumer itself after retriable errors (e.g. a broker restart);
      // after any other, a fresh consumer takes over from the same offsets.
      if (!payload.restart && consumer === this.consumer && this.accepting())
        void this.replaceConsumer(consumer);
    });
    // The group reads from where we tell it: on every join (the first, and after kafkajs
    // restarted the consumer or the group rebalanced), seek each partition to what was not yet
    // handed to the worker, before the next fetch (kafkajs emits GROUP_JOIN synchronously).
    // Nothing is committed: the positions live here, and a commit would put the group
    // coordinator on the fetch path, where a coordinator that is moving stalls every fetch.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const [key, p] of this.progress) {
        const at = key.lastIndexOf(':');
        const topic = key.slice(0, at);
        consumer.seek({ topic, partition: Number(key.slice(at + 1)), offset: String(p.handedOver) });
      }
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...SHOW_EVENT_TOPICS], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      // A consumer replaced meanwhile (see restartConsumer) hands nothing over any more.
      eachBatch: (p) => (consumer === this.consumer ? this.onBatch(p) : Promise.resolve()),
    });
    // Stopped while this one was joining: stop() has let go of it, so it leaves here.
    if (this.stopping) await consumer.disconnect().catch(() => {});
  }

  /**
   * The consumer makes no progress although it could (the pipeline watch says so): a fresh one
   * takes over from what was handed to the worker, so the figures stay and nothing is read
   * twice. False when there is nothing to replace: no consumer yet, one still starting (a fresh
   * group, which joins as soon as its coordinator answers), or the pipeline is stopping or lost.
   */
  restartConsumer(): boolean {
    const consumer = this.consumer;
    if (!consumer || this.consumerStarting || !this.accepting()) return false;
    void this.replaceConsumer(consumer);
    return true;
  }

  /** The consumer gave up for good, or is stuck: go on with a fresh one, in a fresh group. */
  private async replaceConsumer(old: Consumer): Promise<void> {
    this.consumer = null;
    // The old one leaves in the background: one stuck on its group's coordinator can take
    // long to let go, and what it still fetches is ignored (see eachBatch).
    const leaving = old.disconnect().catch(() => {});
    this.leaving.add(leaving);
    void leaving.finally(() => this.leaving.delete(leaving));
    await this.runConsumer();
  }

  /** Starts a consumer, retrying until one runs (or the pipeline stops); stop() waits for it. */
  private runConsumer(): Promise<void> {
    this.consumerStarting ??= this.keepStartingConsumer().finally(() => (this.consumerStarting = null));
    return this.consumerStarting;
  }

  private async keepStartingConsumer(): Promise<void> {
    for (
      let wait = CONSUMER_RESTART_MS.first;
      !this.stopping;
      wait = Math.min(wait * 2, CONSUMER_RESTART_MS.max)
    ) {
      try {
        await this.startConsumer();
        return;
      } catch (error) {
        this.error = (error as Error).message;
        const failed = this.consumer as Consumer | null;
        this.consumer = null;
        await failed?.disconnect().catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.statusTimer = null;
    // eachBatch may be waiting for the worker: let it return, counting nothing more.
    for (const batch of this.inFlight.values()) batch.release();
    await this.consumerStarting;
    const consumer = this.consumer;
    this.consumer = null;
    // Leaves the group (kafkajs waits for eachBatch to return, which it now does at once).
    await consumer?.disconnect().catch(() => {});
    // Replaced consumers get a moment to leave their groups too, not forever.
    await Promise.race([Promise.all(this.leaving), new Promise((r) => setTimeout(r, LEAVE_WAIT_MS))]);
    await this.worker?.terminate().catch(() => {});
    this.worker = null;
    await this.deadLetters?.stop();
    this.opts.ledger?.flush();
    // The groups' committed offsets are of no use to a later run, which replays by timestamp.
    if (this.groups.length) await this.admin?.deleteGroups(this.groups).catch(() => {});
    await this.admin?.disconnect().catch(() => {});
    this.deadLetters = null;
    this.admin = null;
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
      deadLetterLost: this.deadLetterLost,
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
    // Stopping, or the figures are lost (LiveMetrics replaces this pipeline): read nothing more.
    if (this.stopping || this.state === 'error' || !this.worker) return;
    const key = `${batch.topic}:${batch.partition}`;
    let p = this.progress.get(key);
    if (!p) {
      // A partition added after start: read it all.
      p = { handedOver: 0, next: 0, high: 0, endAtStart: 0 };
      this.progress.set(key, p);
    }
    p.high = Math.max(p.high, Number(batch.highWatermark));
    const messages: InFlightBatch['messages'] = [];
    let last = p.handedOver - 1;
    for (const message of batch.messages) {
      const offset = Number(message.offset);
      if (offset <= last) continue; // already counted, or with the worker
      last = offset;
      if (message.headers?.[UNDECODABLE_HEADER] !== undefined) {
        // A batch that could not be decompressed: only its last record carries it (and is
        // refused); the others only hold its offsets.
        if (message.value !== null) messages.push({ ...message, undecodable: true });
        continue;
      }
      messages.push(message);
    }
    if (last >= p.handedOver) {
      let release!: () => void;
      const done = new Promise<void>((resolve) => (release = resolve));
      const id = this.nextBatchId++;
      const buffer = packBatch(messages as BatchMessage[]);
      const inFlight = { id, topic: batch.topic, partition: batch.partition, messages, end: last + 1 };
      this.inFlight.set(id, { ...inFlight, invalid: [], done, release });
      p.handedOver = last + 1;
      this.post({ kind: 'batch', id, buffer }, [buffer]);
    }
    // Return at once, so kafkajs fetches the next batch meanwhile, unless the worker is behind.
    while (this.inFlight.size > MAX_IN_FLIGHT && this.accepting()) {
      await this.inFlight.values().next().value!.done;
      await heartbeat();
    }
    this.updateState();
    if (!this.stopping) await heartbeat();
  }

  /** False once the pipeline stops or its worker is gone: eachBatch must not wait any more. */
  private accepting(): boolean {
    return !this.stopping && this.state !== 'error';
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

  /** The figures are lost (the worker failed): nothing more can be counted. */
  private fail(message: string): void {
    if (this.stopping || this.state === 'error') return;
    this.error = message;
    this.setState('error');
    // Let eachBatch return (it refuses new batches now).
    for (const batch of this.inFlight.values()) batch.release();
  }

  private onReport(report: IngestReport): void {
    if (this.stopping) return;
    switch (report.kind) {
      case 'dead-letter': {
        const batch = this.inFlight.get(report.id);
        if (!batch) return;
        batch.invalid = report.invalid.map((i) => i.reason);
        void this.deadLetter(batch, report.invalid).then((done) => {
          if (done) this.post({ kind: 'commit', id: batch.id });
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

  /**
   * Dead-letters a batch's invalid messages (those this studio has not already written).
   * Resolves true once each is written or given up on; false if the pipeline stopped first.
   */
  private async deadLetter(
    batch: InFlightBatch,
    invalid: { index: number; reason: InvalidEventReason }[],
  ): Promise<boolean> {
    const writer = this.deadLetters;
    const ledger = this.opts.ledger;
    if (!writer) return true;
    const below = ledger?.writtenBelow(batch.topic, batch.partition) ?? 0;
    const letters: DeadLetter[] = [];
    for (const { index, reason } of invalid) {
      const message = batch.messages[index]!;
      if (Number(message.offset) < below) continue;
      const {
        [UNDECODABLE_HEADER]: _why,
        [UNDECODABLE_CODEC_HEADER]: codec,
        ...headers
      } = message.headers ?? {};
      const offsets = headers[UNDECODABLE_OFFSETS_HEADER];
      delete headers[UNDECODABLE_OFFSETS_HEADER];
      letters.push({
        key: message.key,
        value: message.value,
        timestamp: message.timestamp,
        headers,
        reason,
        topic: batch.topic,
        partition: batch.partition,
        offset: message.offset,
        ...(message.undecodable
          ? {
              extra: {
                [DEAD_LETTER_HEADERS.codec]: String(codec),
                [DEAD_LETTER_HEADERS.sourceOffsets]: String(offsets),
              },
            }
          : {}),
      });
    }
    const outcome = letters.length
      ? await writer.write(letters, () => this.stopping)
      : { written: 0, lost: [] };
    if (this.stopping) return false;
    this.deadLettered += outcome.written;
    this.deadLetterLost += outcome.lost.length;
    for (const { letter, why } of outcome.lost) {
      console.warn(
        `Live metrics: refused message ${letter.topic}/${letter.partition}@${letter.offset} (${letter.reason}) could not be dead-lettered: ${why}`,
      );
    }
    ledger?.advance(batch.topic, batch.partition, batch.end);
    return true;
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
