// The show pipeline's processing side, run in its worker thread (show-pipeline-worker.ts):
// parses packed batches, holds a batch with invalid events until the pipeline has written
// them to the dead-letter topic, then applies batches strictly in the order they came, and
// reports snapshots (coalesced) and headlines (leading edge, throttled). Single-threaded and
// free of worker APIs, so tests drive it directly.
import type { ShowEvent, ShowEventType } from '../../protocol/events';
import {
  headlineOf,
  type InvalidEventReason,
  type ShowHeadline,
  type ShowMetricsSnapshot,
} from '../../protocol/metrics';
import { parseBatch } from './show-batch';
import { ShowAggregator, type ShowAggregatorOptions } from './show-aggregator';
import type { ParseLimits } from './show-events';

export interface ShowIngestOptions {
  limits: ParseLimits;
  aggregator: Partial<ShowAggregatorOptions>;
  /** Aggregate only these shows; null: every show, up to maxShows. */
  showIds: string[] | null;
  maxShows: number;
  /** Minimum time between two snapshots of one show. */
  snapshotIntervalMs: number;
  /** Minimum time between two headlines of one show; 0: no headlines. */
  headlineIntervalMs: number;
  /** Counted events of these types are handed back with their batch (e.g. chat for the feed). */
  eventTypes: ShowEventType[];
}

/** From the pipeline to its worker. */
export type IngestRequest =
  /** A packed batch (show-batch.ts); ids increase by one per batch. */
  | { kind: 'batch'; id: number; buffer: ArrayBuffer }
  /** The batch's invalid events are in the dead-letter topic: count it. */
  | { kind: 'commit'; id: number };

/** From the worker to its pipeline. */
export type IngestReport =
  /** Write these messages (by index in the batch) to the dead-letter topic, then commit. */
  | { kind: 'dead-letter'; id: number; invalid: { index: number; reason: InvalidEventReason }[] }
  /** The batch is counted; `events` are its counted events of the requested types. */
  | { kind: 'done'; id: number; events: ShowEvent[] }
  | { kind: 'snapshot'; snapshot: ShowMetricsSnapshot }
  | { kind: 'headline'; headline: ShowHeadline }
  | { kind: 'failed'; error: string };

interface PendingBatch {
  id: number;
  events: ShowEvent[];
  /** False while its invalid events are being dead-lettered. */
  ready: boolean;
}

/** A leading-edge throttle per show: the first change goes out at once, later ones at most every intervalMs. */
class Throttle {
  private readonly dirty = new Set<string>();
  private readonly last = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly emit: (showId: string) => void,
  ) {}

  changed(showId: string): void {
    this.dirty.add(showId);
  }

  /** Emits what is due now, and schedules the rest. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const now = Date.now();
    let wait = Infinity;
    for (const id of this.dirty) {
      const due = (this.last.get(id) ?? -Infinity) + this.intervalMs - now;
      if (due <= 0) {
        this.dirty.delete(id);
        this.last.set(id, now);
        this.emit(id);
      } else {
        wait = Math.min(wait, due);
      }
    }
    if (wait !== Infinity) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, wait);
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.dirty.clear();
  }
}

export class ShowIngest {
  private readonly aggregators = new Map<string, ShowAggregator>();
  private readonly follow: Set<string> | null;
  private readonly forward: Set<string>;
  private readonly queue: PendingBatch[] = [];
  private readonly snapshots: Throttle;
  private readonly headlines: Throttle | null;
  ignoredShows = 0;

  constructor(
    private readonly opts: ShowIngestOptions,
    private readonly report: (report: IngestReport) => void,
  ) {
    this.follow = opts.showIds ? new Set(opts.showIds) : null;
    this.forward = new Set(opts.eventTypes);
    this.snapshots = new Throttle(opts.snapshotIntervalMs, (id) => {
      const agg = this.aggregators.get(id);
      if (agg) this.report({ kind: 'snapshot', snapshot: agg.snapshot() });
    });
    this.headlines =
      opts.headlineIntervalMs > 0
        ? new Throttle(opts.headlineIntervalMs, (id) => {
            const agg = this.aggregators.get(id);
            if (agg) this.report({ kind: 'headline', headline: headlineOf(agg.snapshot()) });
          })
        : null;
  }

  handle(request: IngestRequest): void {
    if (request.kind === 'batch') this.parse(request.id, request.buffer);
    else {
      const pending = this.queue.find((b) => b.id === request.id);
      if (pending) pending.ready = true;
    }
    this.drain();
  }

  stop(): void {
    this.snapshots.stop();
    this.headlines?.stop();
  }

  private parse(id: number, buffer: ArrayBuffer): void {
    const { events, invalid } = parseBatch(buffer, this.opts.limits);
    this.queue.push({ id, events, ready: invalid.length === 0 });
    if (invalid.length) this.report({ kind: 'dead-letter', id, invalid });
  }

  /** Counts ready batches in arrival order; one waiting for its dead letters holds back the rest. */
  private drain(): void {
    let applied = false;
    while (this.queue[0]?.ready) {
      const batch = this.queue.shift()!;
      const handBack: ShowEvent[] = [];
      for (const event of batch.events) {
        if (this.apply(event) && this.forward.has(event.type)) handBack.push(event);
      }
      applied = true;
      this.report({ kind: 'done', id: batch.id, events: handBack });
    }
    if (!applied) return;
    this.headlines?.flush();
    this.snapshots.flush();
  }

  private apply(event: ShowEvent): boolean {
    let agg = this.aggregators.get(event.showId);
    if (!agg) {
      if (this.follow ? !this.follow.has(event.showId) : this.aggregators.size >= this.opts.maxShows) {
        this.ignoredShows++;
        return false;
      }
      agg = new ShowAggregator(event.showId, this.opts.aggregator);
      this.aggregators.set(event.showId, agg);
    }
    const result = agg.apply(event);
    if (result === 'other-show') return false;
    // A duplicate changes the figures too (events.duplicates).
    this.snapshots.changed(event.showId);
    this.headlines?.changed(event.showId);
    return result === 'applied';
  }
}
