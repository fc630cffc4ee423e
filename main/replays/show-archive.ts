// A show's archive in the data dir: its events in replay order, its chat with what moderation
// did to each message, and an index (the timeline, checkpoint positions, a summary). Written
// at show end by the host's studio, and by any studio the first time it opens a show from
// Kafka, so a replay outlives the topics' retention.
//
//   replays/<show>/events.ndjson  one validated event per line, in replay order
//   replays/<show>/chat.ndjson    one ReplayChatMessage per line, by time
//   replays/<show>/index.json     ArchiveIndex
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { ShowEvent } from '../../protocol/events';
import {
  MAX_TIMELINE_ORDERS,
  ReplayTimeline,
  type ReplayChatMessage,
  type TimelineDecision,
} from '../../protocol/replays';
import { ShowAggregator } from '../live-metrics';

export const ARCHIVE_VERSION = 1;
/** Checkpoints every this much show time, but no more than MAX_CHECKPOINTS per show. */
const CHECKPOINT_MS = 15_000;
const MAX_CHECKPOINTS = 64;
/** The timeline's series have at most about this many buckets (whole seconds each). */
const MAX_BUCKETS = 2000;
const MAX_DECISIONS = 10_000;

export const Checkpoint = z.object({
  /** Events before it, and where the next one starts in events.ndjson. */
  seq: z.number().int(),
  byteOffset: z.number().int(),
  /** The show clock (latest event ts) at that point; -1 before any event. */
  clock: z.number(),
});
export type Checkpoint = z.infer<typeof Checkpoint>;

export const ArchiveIndex = z.object({
  version: z.literal(ARCHIVE_VERSION),
  showId: z.string(),
  builtAt: z.number(),
  source: z.enum(['kafka']),
  events: z.number().int(),
  bytes: z.number().int(),
  /** The show's end (show.ended) is in it: nothing more will come. */
  complete: z.boolean(),
  checkpoints: z.array(Checkpoint),
  timeline: ReplayTimeline,
  summary: z.object({
    orders: z.number().int(),
    grossRevenueMinor: z.number().int(),
    currency: z.string().nullable(),
  }),
});
export type ArchiveIndex = z.infer<typeof ArchiveIndex>;

/** A directory name for any show id (ids are printable ASCII, which a file name may not be). */
export function archiveDirName(showId: string): string {
  return /^[A-Za-z0-9_-]{1,64}$/.test(showId)
    ? showId
    : `id-${createHash('sha256').update(showId).digest('hex').slice(0, 32)}`;
}

export function readArchiveIndex(dir: string): ArchiveIndex | null {
  const file = join(dir, 'index.json');
  if (!existsSync(file)) return null;
  try {
    const parsed = ArchiveIndex.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const decisionOf = (e: ShowEvent & { type: 'moderation.decision' }): TimelineDecision => {
  // Read generically: moderation may grow new actions and fields (issue 10).
  const raw = e as unknown as Record<string, unknown>;
  const by = raw.decidedBy as { kind?: unknown; id?: unknown } | undefined;
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    id: e.id,
    ts: e.ts,
    action: String(raw.action),
    target: text(raw.targetViewerId),
    messageEventId: text(raw.messageEventId),
    by: by ? `${String(by.kind)}${by.id ? ` ${String(by.id)}` : ''}` : 'unknown',
    reason: text(raw.reason),
  };
};

/**
 * Writes the archive of one show from its events in replay order. `range` is the show's
 * time span as the library knows it (the events may stretch it).
 */
export function writeShowArchive(
  dir: string,
  showId: string,
  events: readonly ShowEvent[],
  range: { startedAt: number | null; endedAt: number | null },
): ArchiveIndex {
  mkdirSync(dir, { recursive: true });
  const started = events.find((e) => e.type === 'show.started');
  const ended = events.findLast((e) => e.type === 'show.ended');
  let minTs = Infinity;
  let maxTs = -Infinity;
  for (const e of events) {
    if (e.ts < minTs) minTs = e.ts;
    if (e.ts > maxTs) maxTs = e.ts;
  }
  const startedAt = started?.ts ?? range.startedAt ?? (Number.isFinite(minTs) ? minTs : Date.now());
  const endedAt = Math.max(
    startedAt + 1000,
    ended?.ts ?? range.endedAt ?? (Number.isFinite(maxTs) ? maxTs : startedAt),
  );
  const spanMs = endedAt - startedAt;
  const bucketMs = Math.max(1000, Math.ceil(spanMs / MAX_BUCKETS / 1000) * 1000);
  const buckets = Math.ceil((spanMs + 1) / bucketMs);
  const checkpointMs = Math.max(CHECKPOINT_MS, Math.ceil(spanMs / MAX_CHECKPOINTS));
  const zeros = () => new Array<number>(buckets).fill(0);
  const series = {
    startMs: startedAt,
    bucketMs,
    chat: zeros(),
    orders: zeros(),
    bnplOrders: zeros(),
    moderation: zeros(),
    viewers: zeros(),
    grossRevenueMinor: zeros(),
  };
  const bucketOf = (ts: number) =>
    Math.min(buckets - 1, Math.max(0, Math.floor((ts - startedAt) / bucketMs)));

  const aggregator = new ShowAggregator(showId);
  const checkpoints: Checkpoint[] = [{ seq: 0, byteOffset: 0, clock: -1 }];
  const chat: ReplayChatMessage[] = [];
  const chatById = new Map<string, ReplayChatMessage>();
  const decisions: TimelineDecision[] = [];
  const orders: ReplayTimeline['orders'] = [];
  const productNames: Record<string, string> = {};
  let clock = -1;
  let sampled = -1; // buckets up to this one hold the aggregator's figures
  const sampleUpTo = (bucket: number) => {
    if (bucket <= sampled) return;
    const s = aggregator.snapshot();
    for (let b = sampled + 1; b <= bucket; b++) {
      series.viewers[b] = s.viewers.current;
      series.grossRevenueMinor[b] = s.orders.grossRevenueMinor;
    }
    sampled = bucket;
  };

  const eventsFile = join(dir, 'events.ndjson.tmp');
  const fd = openSync(eventsFile, 'w');
  let bytes = 0;
  try {
    for (let seq = 0; seq < events.length; seq++) {
      const e = events[seq]!;
      if (clock >= 0 && e.ts > clock && Math.floor(e.ts / checkpointMs) > Math.floor(clock / checkpointMs))
        checkpoints.push({ seq, byteOffset: bytes, clock });
      // Figures of the buckets before this event's stand as they were before it.
      if (e.ts > clock && clock >= 0) sampleUpTo(bucketOf(e.ts) - 1);
      const line = Buffer.from(`${JSON.stringify(e)}\n`);
      writeSync(fd, line);
      bytes += line.length;
      if (e.ts > clock) clock = e.ts;
      aggregator.apply(e);
      const b = bucketOf(e.ts);
      switch (e.type) {
        case 'chat.message': {
          series.chat[b]!++;
          const message: ReplayChatMessage = {
            id: e.id,
            ts: e.ts,
            viewerId: e.viewerId,
            displayName: e.displayName ?? null,
            text: e.text,
            moderation: [],
          };
          if (!chatById.has(e.id)) {
            chatById.set(e.id, message);
            chat.push(message);
          }
          break;
        }
        case 'order.placed':
          series.orders[b]!++;
          if (e.payment.method === 'bnpl') series.bnplOrders[b]!++;
          if (orders.length < MAX_TIMELINE_ORDERS)
            orders.push({
              ts: e.ts,
              orderId: e.orderId,
              totalMinor: e.totalMinor,
              bnpl: e.payment.method === 'bnpl',
            });
          break;
        case 'product.pinned':
          if (e.product) productNames[e.productId] = e.product.name;
          break;
        case 'moderation.decision': {
          series.moderation[b]!++;
          const decision = decisionOf(e);
          if (decisions.length < MAX_DECISIONS) decisions.push(decision);
          if (decision.messageEventId) chatById.get(decision.messageEventId)?.moderation.push(decision);
          break;
        }
        default:
          break;
      }
    }
  } finally {
    closeSync(fd);
  }
  sampleUpTo(buckets - 1);
  const final = aggregator.snapshot();
  const name = (id: string) => productNames[id] ?? id;

  chat.sort((a, b) => a.ts - b.ts);
  const chatFile = join(dir, 'chat.ndjson.tmp');
  const chatFd = openSync(chatFile, 'w');
  // chat.idx: each message's ts and byte offset, then the file's size (Float64), so opening a
  // replay finds the chat at a moment without reading the chat.
  const chatIndex = new Float64Array(chat.length * 2 + 1);
  let chatBytes = 0;
  try {
    chat.forEach((message, i) => {
      const line = Buffer.from(`${JSON.stringify(message)}\n`);
      chatIndex[2 * i] = message.ts;
      chatIndex[2 * i + 1] = chatBytes;
      writeSync(chatFd, line);
      chatBytes += line.length;
    });
    chatIndex[chat.length * 2] = chatBytes;
  } finally {
    closeSync(chatFd);
  }
  writeFileSync(join(dir, 'chat.idx.tmp'), Buffer.from(chatIndex.buffer));

  const index: ArchiveIndex = {
    version: ARCHIVE_VERSION,
    showId,
    builtAt: Date.now(),
    source: 'kafka',
    events: events.length,
    bytes,
    complete: ended !== undefined,
    checkpoints,
    timeline: {
      showId,
      title: started?.type === 'show.started' && started.title ? started.title : showId,
      mode: started?.type === 'show.started' && started.mode ? started.mode : 'unknown',
      currency: final.currency,
      startedAt,
      endedAt,
      events: events.length,
      pins: final.pins.map((p) => ({ ...p, name: name(p.productId) })),
      markers: final.markers,
      orders,
      decisions,
      series,
      productNames,
    },
    summary: {
      orders: final.orders.count,
      grossRevenueMinor: final.orders.grossRevenueMinor,
      currency: final.currency,
    },
  };
  renameSync(eventsFile, join(dir, 'events.ndjson'));
  renameSync(chatFile, join(dir, 'chat.ndjson'));
  renameSync(join(dir, 'chat.idx.tmp'), join(dir, 'chat.idx'));
  const indexFile = join(dir, 'index.json');
  writeFileSync(`${indexFile}.tmp`, JSON.stringify(index));
  renameSync(`${indexFile}.tmp`, indexFile);
  return index;
}

export function deleteShowArchive(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
