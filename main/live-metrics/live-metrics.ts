// The one owner of live show metrics in main: runs a ShowPipeline for the running show,
// supervises it, and pushes its snapshots, status and recent chat to every window.
//
// Supervision: a pipeline rides out Kafka outages by itself and keeps its figures (it resumes
// where it was; see show-pipeline.ts). Only one whose figures are lost (its worker failed), or
// that could not start, is replaced, once the KafkaGateway reports Kafka connected: the fresh
// one replays from the show's start with a new aggregator, so its totals are exact. The one
// replaced is stopped for good (consumer out of its group, producer and worker closed). A
// pipeline that counts nothing while Kafka could serve it (PipelineWatch) keeps its figures:
// only its Kafka consumer is replaced, and the fresh one resumes where the old one was.
import type { Kafka } from 'kafkajs';
import type { ChatFeed, ChatMessage, MetricsState, ServiceStatus } from '../../protocol/contract';
import type { ShowEvent } from '../../protocol/events';
import {
  INVALID_EVENT_REASONS,
  type ShowHeadline,
  type ShowMetricsSnapshot,
  type ShowPipelineStatus,
} from '../../protocol/metrics';
import type { ShowState } from '../../protocol/show';
import { join } from 'node:path';
import type { ClusterHealth } from '../kafka';
import { DeadLetterLedger } from './dead-letters';
import { PipelineWatch } from './pipeline-watch';
import { ShowPipeline, type ShowPipelineOptions } from './show-pipeline';

const CHAT_FEED_SIZE = 200;
const RESTART_DELAY_MS = 1000;
const STOP_TIMEOUT_MS = 5000;

export interface LiveMetricsOptions {
  kafka: Kafka;
  /** Names this studio's consumer groups. */
  instanceId: string;
  /** Where this studio remembers what it dead-lettered (null: in memory only). */
  dataDir: string | null;
  kafkaStatus: () => ServiceStatus;
  /** The cluster's leaders and brokers (KafkaGateway.cluster), for the pipeline watch. */
  kafkaCluster?: () => ClusterHealth | null;
  onSnapshot: (snapshot: ShowMetricsSnapshot | null) => void;
  /** The KPI figures alone, sooner than whole snapshots; null when the show changes. */
  onHeadline?: (headline: ShowHeadline | null) => void;
  onPipeline: (status: ShowPipelineStatus) => void;
  onChat: (feed: ChatFeed) => void;
  /** Overrides for the pipeline (tests, benchmarks). */
  pipeline?: Partial<ShowPipelineOptions>;
}

const stoppedStatus = (): ShowPipelineStatus => ({
  state: 'stopped',
  behind: 0,
  eventsPerSecond: 0,
  processed: 0,
  invalid: Object.fromEntries(INVALID_EVENT_REASONS.map((r) => [r, 0])) as ShowPipelineStatus['invalid'],
  deadLettered: 0,
  deadLetterLost: 0,
  error: null,
});

export class LiveMetrics {
  private show: ShowState | null = null;
  private pipeline: ShowPipeline | null = null;
  /** Bumped on every (re)start, so callbacks of a replaced pipeline are ignored. */
  private generation = 0;
  private snapshot: ShowMetricsSnapshot | null = null;
  private pipelineStatus: ShowPipelineStatus = stoppedStatus();
  private chat: ChatMessage[] = [];
  private chatDirty = false;
  private chatTimer: NodeJS.Timeout | null = null;
  /** Set when the running pipeline must be replaced as soon as Kafka is reachable. */
  private needsRestart = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Serialises starts and stops so two pipelines never run at once. */
  private chain: Promise<void> = Promise.resolve();

  private readonly ledger: DeadLetterLedger;
  /** Says "electing" while the show has no leader, and restarts the consumer of a pipeline that is stuck. */
  private readonly watch: PipelineWatch;

  constructor(private readonly opts: LiveMetricsOptions) {
    this.ledger = new DeadLetterLedger(opts.dataDir ? join(opts.dataDir, 'dead-letters.json') : null);
    this.watch = new PipelineWatch({
      kafka: opts.kafka,
      cluster: opts.kafkaCluster ?? (() => null),
      // The figures are intact (a pipeline whose worker is lost reports 'error' and is
      // replaced as a whole): only its consumer starts afresh, from where it was.
      onStalled: () => this.pipeline?.restartConsumer() ?? false,
    });
  }

  state(): Omit<MetricsState, 'rehearsal'> {
    return { snapshot: this.snapshot, pipeline: this.pipelineStatus, chat: this.feed() };
  }

  /** The running show changed (ShowSession's onChange). */
  setShow(show: ShowState | null): void {
    if (show?.showId === this.show?.showId) {
      this.show = show;
      return;
    }
    this.show = show;
    this.snapshot = null;
    this.chat = [];
    this.opts.onSnapshot(null);
    this.opts.onHeadline?.(null);
    this.opts.onChat({ showId: show?.showId ?? null, messages: [] });
    this.restart();
  }

  /** The KafkaGateway's status changed: a pipeline waiting to be replaced starts once Kafka is back. */
  onKafkaStatus(status: ServiceStatus): void {
    if (status.state === 'connected' && this.needsRestart) this.restart();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.chatTimer) clearTimeout(this.chatTimer);
    this.generation++;
    await this.enqueue(() => this.stopPipeline());
    await this.watch.stop();
  }

  private restart(): void {
    if (this.stopped) return;
    this.needsRestart = false;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const generation = ++this.generation;
    const show = this.show;
    void this.enqueue(async () => {
      await this.stopPipeline();
      if (show && generation === this.generation) await this.startPipeline(show, generation);
    });
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(step).catch((error: unknown) => {
      console.warn(`Live metrics: ${(error as Error).message}`);
    });
    return this.chain;
  }

  private async stopPipeline(): Promise<void> {
    const pipeline = this.pipeline;
    this.pipeline = null;
    if (!pipeline) return;
    // A pipeline whose broker vanished can hang on disconnect; do not let it block the next one.
    await Promise.race([pipeline.stop(), new Promise((r) => setTimeout(r, STOP_TIMEOUT_MS))]);
    this.setPipelineStatus(stoppedStatus());
  }

  private async startPipeline(show: ShowState, generation: number): Promise<void> {
    const current = () => generation === this.generation;
    // A rebuild replays from zero: hold its snapshots back until it has counted at least as
    // much as what the dashboard already shows, so figures never go backwards on screen.
    const shownAccepted = this.snapshot?.events.accepted ?? 0;
    let rebuilt = shownAccepted === 0;
    this.chat = [];
    this.ledger.use(show.showId);
    const pipeline = new ShowPipeline(this.opts.kafka, {
      ...this.opts.pipeline,
      ledger: this.ledger,
      instanceId: this.opts.instanceId,
      replayFromMs: show.startedAt,
      showIds: [show.showId],
      onSnapshot: (snapshot) => {
        if (!current()) return;
        rebuilt ||= snapshot.events.accepted >= shownAccepted;
        if (!rebuilt) return;
        this.snapshot = snapshot;
        this.opts.onSnapshot(snapshot);
      },
      onHeadline: (headline) => {
        if (!current()) return;
        // Same rule as snapshots: a rebuild shows nothing until it has caught up.
        rebuilt ||= headline.events.accepted >= shownAccepted;
        if (rebuilt) this.opts.onHeadline?.(headline);
      },
      onStatus: (status) => {
        if (!current()) return;
        this.setPipelineStatus(status);
        if (status.state === 'error') this.scheduleRestart();
      },
      onEvent: (event) => {
        if (current() && event.type === 'chat.message') this.addChat(event);
      },
      eventTypes: ['chat.message'],
    });
    this.pipeline = pipeline;
    this.watch.reset(show.showId);
    try {
      await pipeline.start();
    } catch {
      // start() reported the error through onStatus; the restart waits for Kafka.
    }
  }

  /** Restarts after an error: right away if Kafka is reachable, else when it is back. */
  private scheduleRestart(): void {
    this.needsRestart = true;
    if (this.restartTimer || this.opts.kafkaStatus().state !== 'connected') return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.needsRestart && this.opts.kafkaStatus().state === 'connected') this.restart();
    }, RESTART_DELAY_MS);
  }

  private setPipelineStatus(status: ShowPipelineStatus): void {
    this.pipelineStatus = this.watch.observe(status);
    this.opts.onPipeline(this.pipelineStatus);
  }

  private addChat(event: Extract<ShowEvent, { type: 'chat.message' }>): void {
    // Held by the chat gate: shoppers never see it, and neither does the dashboard's feed.
    if (event.automod?.held) return;
    this.chat.push({
      id: event.id,
      ts: event.ts,
      viewerId: event.viewerId,
      displayName: event.displayName ?? null,
      text: event.text,
    });
    if (this.chat.length > CHAT_FEED_SIZE * 2) this.chat = this.chat.slice(-CHAT_FEED_SIZE);
    // Coalesced like snapshots: at most ~10 pushes a second however busy the chat is.
    this.chatDirty = true;
    this.chatTimer ??= setTimeout(() => {
      this.chatTimer = null;
      if (!this.chatDirty) return;
      this.chatDirty = false;
      this.opts.onChat(this.feed());
    }, 100);
  }

  private feed(): ChatFeed {
    return { showId: this.show?.showId ?? null, messages: this.chat.slice(-CHAT_FEED_SIZE) };
  }
}
