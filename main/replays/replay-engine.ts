// One show's replay from its archive: the timeline at once, and the dashboard's figures at
// any moment from the same ShowAggregator the live dashboard uses, fed the show's events up
// to that moment. Seeks start from the nearest checkpoint (a clone of the aggregator taken
// along the show) rather than from the show's start; playback moving forward just feeds on.
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ShowMetricsSnapshot } from '../../protocol/metrics';
import type { ReplayChatMessage, ReplayTimeline } from '../../protocol/replays';
import type { ShowEvent } from '../../protocol/events';
import { DEFAULT_PARSE_LIMITS, parseShowEvent, ShowAggregator } from '../live-metrics';
import { readArchiveIndex, type ArchiveIndex, type Checkpoint } from './show-archive';

const READ_BYTES = 1024 * 1024;
/** The build of checkpoints yields to other work this often. */
const YIELD_EVERY = 5000;
const CHAT_AT_CURSOR = 100;

/** Events of an archive file from a byte offset on, one line at a time. */
class EventReader {
  private buffer = Buffer.alloc(0);
  private eof = false;

  constructor(
    private readonly fd: number,
    /** File position of buffer[0]. */
    private position: number,
  ) {}

  /** The next event and the offset after its line, or null at the end. Unreadable lines are skipped. */
  next(): { event: ShowEvent; end: number } | null {
    for (;;) {
      let newline = this.buffer.indexOf(10);
      while (newline < 0 && !this.eof) {
        const chunk = Buffer.alloc(READ_BYTES);
        const read = readSync(this.fd, chunk, 0, READ_BYTES, this.position + this.buffer.length);
        if (read === 0) this.eof = true;
        this.buffer = Buffer.concat([this.buffer, chunk.subarray(0, read)]);
        newline = this.buffer.indexOf(10);
      }
      if (newline < 0) return null;
      const line = this.buffer.subarray(0, newline);
      this.buffer = this.buffer.subarray(newline + 1);
      this.position += newline + 1;
      // The archive is ours, but a disk can corrupt it: validated like any event.
      const parsed = parseShowEvent(line, DEFAULT_PARSE_LIMITS);
      if (parsed.ok) return { event: parsed.event, end: this.position };
    }
  }
}

interface Playhead {
  aggregator: ShowAggregator;
  /** Show clock the aggregator reached, and where the next event starts. */
  clock: number;
  byteOffset: number;
  /** The first event not yet applied (its ts was beyond the last request), if read. */
  pending: { event: ShowEvent; end: number } | null;
}

export class ReplayEngine {
  readonly index: ArchiveIndex;
  private readonly fd: number;
  private readonly chatFd: number;
  private readonly chatTs: Float64Array;
  private readonly chatOffsets: Float64Array;
  /** Aggregator clones at the index's checkpoints, filled by buildCheckpoints(). */
  private readonly clones: (ShowAggregator | null)[];
  private playhead: Playhead | null = null;
  private closed = false;

  private constructor(
    readonly dir: string,
    index: ArchiveIndex,
  ) {
    this.index = index;
    this.fd = openSync(join(dir, 'events.ndjson'), 'r');
    this.chatFd = openSync(join(dir, 'chat.ndjson'), 'r');
    this.clones = index.checkpoints.map((c) => (c.seq === 0 ? new ShowAggregator(index.showId) : null));
    // Chat lines' times and offsets, for the chat at the cursor: from chat.idx, or read from the chat.
    const indexed = readChatIndex(join(dir, 'chat.idx'), statSync(join(dir, 'chat.ndjson')).size);
    if (indexed) {
      this.chatTs = indexed.ts;
      this.chatOffsets = indexed.offsets;
      return;
    }
    const ts: number[] = [];
    const offsets: number[] = [];
    const size = statSync(join(dir, 'chat.ndjson')).size;
    let position = 0;
    const chunk = Buffer.alloc(READ_BYTES);
    let carry = Buffer.alloc(0);
    while (position < size) {
      const read = readSync(this.chatFd, chunk, 0, READ_BYTES, position);
      if (read === 0) break;
      const data = Buffer.concat([carry, chunk.subarray(0, read)]);
      const base = position - carry.length;
      let start = 0;
      for (let nl = data.indexOf(10); nl >= 0; nl = data.indexOf(10, start)) {
        const match = /"ts":(\d+)/.exec(data.toString('latin1', start, Math.min(nl, start + 400)));
        if (match) {
          ts.push(Number(match[1]));
          offsets.push(base + start);
        }
        start = nl + 1;
      }
      carry = Buffer.from(data.subarray(start));
      position += read;
    }
    offsets.push(size);
    this.chatTs = Float64Array.from(ts);
    this.chatOffsets = Float64Array.from(offsets);
  }

  static open(dir: string): ReplayEngine | null {
    const index = readArchiveIndex(dir);
    return index ? new ReplayEngine(dir, index) : null;
  }

  get timeline(): ReplayTimeline {
    return this.index.timeline;
  }

  get checkpointsReady(): boolean {
    return this.clones.every((c) => c !== null);
  }

  /** Feeds the whole show once, keeping a clone at every checkpoint (yields as it goes). */
  async buildCheckpoints(signal?: AbortSignal): Promise<void> {
    const aggregator = new ShowAggregator(this.index.showId);
    const reader = new EventReader(this.fd, 0);
    let next = 1;
    for (let seq = 0; ; seq++) {
      if (this.closed || signal?.aborted) return;
      const checkpoint = this.index.checkpoints[next];
      if (checkpoint && seq === checkpoint.seq) {
        this.clones[next] ??= aggregator.clone();
        next++;
      }
      const item = reader.next();
      if (!item) break;
      aggregator.apply(item.event);
      if (seq % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** The figures as they stood at `at`: every event until the show clock would pass it. */
  figuresAt(at: number): ShowMetricsSnapshot {
    const head = this.seek(at);
    // A pending event was read last time but lay beyond the request: start with it.
    let item = head.pending;
    const reader = new EventReader(this.fd, item ? item.end : head.byteOffset);
    item ??= reader.next();
    head.pending = null;
    for (; item; item = reader.next()) {
      if (Math.max(head.clock, item.event.ts) > at) {
        head.pending = item;
        break;
      }
      head.aggregator.apply(item.event);
      head.clock = Math.max(head.clock, item.event.ts);
      head.byteOffset = item.end;
    }
    return head.aggregator.snapshot();
  }

  /** The chat up to `at`, newest last, with what moderation did to each message. */
  chatAt(at: number, limit = CHAT_AT_CURSOR): ReplayChatMessage[] {
    const end = upperBound(this.chatTs, at);
    return this.readChat(Math.max(0, end - limit), end);
  }

  /** Chat messages whose text or name contains `query` (case-insensitive), oldest first. */
  searchChat(query: string, limit = 200): ReplayChatMessage[] {
    const needle = query.toLowerCase();
    const found: ReplayChatMessage[] = [];
    for (let from = 0; from < this.chatTs.length && found.length < limit; from += 5000) {
      for (const message of this.readChat(from, Math.min(this.chatTs.length, from + 5000))) {
        const name = message.displayName?.toLowerCase() ?? '';
        if (message.text.toLowerCase().includes(needle) || name.includes(needle)) found.push(message);
        if (found.length >= limit) break;
      }
    }
    return found;
  }

  /** Every chat message, in order (for the CSV export). */
  *allChat(): Generator<ReplayChatMessage> {
    for (let from = 0; from < this.chatTs.length; from += 5000)
      yield* this.readChat(from, Math.min(this.chatTs.length, from + 5000));
  }

  /** Every event, in replay order (for the CSV export). */
  *allEvents(): Generator<ShowEvent> {
    const reader = new EventReader(this.fd, 0);
    for (let item = reader.next(); item; item = reader.next()) yield item.event;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
    closeSync(this.chatFd);
  }

  /** Where to feed from: the playhead when `at` is ahead of it, else a clone of the nearest checkpoint. */
  private seek(at: number): Playhead {
    const head = this.playhead;
    if (head && head.clock <= at) {
      // Only worth it when no checkpoint lies between the playhead and `at`.
      const best = this.nearestCheckpoint(at);
      if (best.checkpoint.clock <= head.clock) return head;
    }
    const { checkpoint, clone } = this.nearestCheckpoint(at);
    this.playhead = {
      aggregator: clone.clone(),
      clock: checkpoint.clock,
      byteOffset: checkpoint.byteOffset,
      pending: null,
    };
    return this.playhead;
  }

  private nearestCheckpoint(at: number): { checkpoint: Checkpoint; clone: ShowAggregator } {
    let best = 0;
    for (let i = 1; i < this.index.checkpoints.length; i++) {
      if (this.index.checkpoints[i]!.clock > at) break;
      if (this.clones[i]) best = i;
    }
    return { checkpoint: this.index.checkpoints[best]!, clone: this.clones[best]! };
  }

  private readChat(from: number, to: number): ReplayChatMessage[] {
    if (to <= from) return [];
    const start = this.chatOffsets[from]!;
    const length = this.chatOffsets[to]! - start;
    const buffer = Buffer.alloc(length);
    readSync(this.chatFd, buffer, 0, length, start);
    const out: ReplayChatMessage[] = [];
    for (const line of buffer.toString('utf8').split('\n')) {
      if (!line) continue;
      try {
        out.push(JSON.parse(line) as ReplayChatMessage);
      } catch {
        // A damaged line: skip it, keep the rest.
      }
    }
    return out;
  }
}

/** chat.idx (see writeShowArchive), when it is there and matches the chat file. */
function readChatIndex(file: string, chatSize: number): { ts: Float64Array; offsets: Float64Array } | null {
  if (!existsSync(file)) return null;
  const bytes = readFileSync(file);
  if (bytes.length % 8 !== 0 || bytes.length === 0) return null;
  const all = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const count = (all.length - 1) / 2;
  if (!Number.isInteger(count) || all[all.length - 1] !== chatSize) return null;
  const ts = new Float64Array(count);
  const offsets = new Float64Array(count + 1);
  for (let i = 0; i < count; i++) {
    ts[i] = all[2 * i]!;
    offsets[i] = all[2 * i + 1]!;
  }
  offsets[count] = chatSize;
  return { ts, offsets };
}

/** Number of values ≤ x in a sorted array. */
function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
