// Replays (main/replays): the show library, a show's events read back from Kafka by
// timestamp (or from the local archive), its timeline, and the dashboard's figures as they
// stood at any moment, from the same aggregator that computes them live.
import { z } from 'zod';
import { ShowMetricsSnapshot } from './metrics';

const Ms = z.number().int();
const Count = z.number().int().min(0);
/** Show ids of replays are event ids (any show in Kafka), not only the studio's own. */
export const ReplayShowId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, 'show id');

export const RecordingAvailability = z.enum(['here', 'platform', 'none']);
export type RecordingAvailability = z.infer<typeof RecordingAvailability>;

export const ShowLibraryEntry = z.object({
  showId: z.string(),
  title: z.string(),
  mode: z.enum(['live', 'rehearsal', 'unknown']),
  startedAt: Ms,
  /** null while the show has not ended (or its end is not in Kafka). */
  endedAt: Ms.nullable(),
  currency: z.string().nullable(),
  /** Known once the show was archived or opened here; null until then. */
  orders: Count.nullable(),
  grossRevenueMinor: z.number().int().nullable(),
  recording: RecordingAvailability,
  recordingBytes: Count.nullable(),
  /** Where its events are: still in Kafka's retention, in the local archive, or both. */
  inKafka: z.boolean(),
  archived: z.boolean(),
});
export type ShowLibraryEntry = z.infer<typeof ShowLibraryEntry>;

export const ShowLibrary = z.object({
  shows: z.array(ShowLibraryEntry),
  /** Why part of the library could not be read (Kafka or the platform away); null when all is well. */
  problem: z.string().nullable(),
});
export type ShowLibrary = z.infer<typeof ShowLibrary>;

export const ReplayLoadState = z.enum(['idle', 'reading', 'ready', 'cancelled', 'failed']);
export const ReplayStatus = z.object({
  showId: z.string().nullable(),
  state: ReplayLoadState,
  /** Where the events came from. */
  source: z.enum(['kafka', 'archive']).nullable(),
  read: Count,
  total: Count,
  /** Figures at the cursor are exact at once; seeks get fast once every checkpoint is built. */
  checkpointsReady: z.boolean(),
  error: z.string().nullable(),
});
export type ReplayStatus = z.infer<typeof ReplayStatus>;

/** Per-bucket series on the show's time axis, oldest first. */
export const TimelineSeries = z.object({
  startMs: Ms,
  bucketMs: z.number().int().min(1),
  chat: z.array(Count),
  orders: z.array(Count),
  bnplOrders: z.array(Count),
  moderation: z.array(Count),
  /** The aggregator's figures at the end of each bucket: viewers now, gross revenue so far. */
  viewers: z.array(Count),
  grossRevenueMinor: z.array(z.number().int()),
});
export type TimelineSeries = z.infer<typeof TimelineSeries>;

export const TimelinePin = z.object({
  productId: z.string(),
  /** From the pin event's product snapshot; the id when the event had none. Untrusted text. */
  name: z.string(),
  pinnedAt: Ms,
  unpinnedAt: Ms.nullable(),
  productOrders: Count,
  productUnits: Count,
  productRevenueMinor: z.number().int(),
  windowOrders: Count,
  windowRevenueMinor: z.number().int(),
});
export type TimelinePin = z.infer<typeof TimelinePin>;

/** A moderation decision, rendered generically (new actions need no schema change here). */
export const TimelineDecision = z.object({
  id: z.string(),
  ts: Ms,
  action: z.string(),
  target: z.string().nullable(),
  messageEventId: z.string().nullable(),
  by: z.string(),
  reason: z.string().nullable(),
});
export type TimelineDecision = z.infer<typeof TimelineDecision>;

export const TimelineOrder = z.object({
  ts: Ms,
  orderId: z.string(),
  totalMinor: z.number().int(),
  bnpl: z.boolean(),
});

export const ReplayTimeline = z.object({
  showId: z.string(),
  title: z.string(),
  mode: z.enum(['live', 'rehearsal', 'unknown']),
  currency: z.string().nullable(),
  startedAt: Ms,
  endedAt: Ms,
  events: Count,
  pins: z.array(TimelinePin),
  markers: z.array(z.object({ ts: Ms, label: z.string() })),
  /** At most MAX_TIMELINE_ORDERS (the series has them all). */
  orders: z.array(TimelineOrder),
  decisions: z.array(TimelineDecision),
  series: TimelineSeries,
  /** Product names from pin snapshots, by id (untrusted text). */
  productNames: z.record(z.string(), z.string()),
});
export type ReplayTimeline = z.infer<typeof ReplayTimeline>;
export const MAX_TIMELINE_ORDERS = 20_000;

export const ReplayChatMessage = z.object({
  id: z.string(),
  ts: Ms,
  viewerId: z.string(),
  displayName: z.string().nullable(),
  /** Untrusted: render as text only. */
  text: z.string(),
  /** What moderation did to this message, oldest first (e.g. hidden by a moderator). */
  moderation: z.array(TimelineDecision),
});
export type ReplayChatMessage = z.infer<typeof ReplayChatMessage>;

export const ReplayMoment = z.object({
  showId: z.string(),
  at: Ms,
  /** The dashboard's snapshot, from the show's events up to `at`. */
  figures: ShowMetricsSnapshot,
  /** The chat up to `at`, newest last. */
  chat: z.array(ReplayChatMessage),
});
export type ReplayMoment = z.infer<typeof ReplayMoment>;

export const ReplayMedia = z.object({
  /** Same-origin URL of the recording (served by the studio services, with Range). */
  url: z.string(),
  /** Wall-clock time of the video's time 0. */
  startedAt: Ms,
  durationMs: Ms.nullable(),
  source: RecordingAvailability,
});
export type ReplayMedia = z.infer<typeof ReplayMedia>;

export const CsvExportKind = z.enum(['orders', 'products', 'pins', 'chat']);
export type CsvExportKind = z.infer<typeof CsvExportKind>;
export const CsvExport = z.object({ fileName: z.string(), content: z.string() });
