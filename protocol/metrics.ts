// Live show metrics pushed from the studio's main process to the dashboard.
// Computed from Kafka events by main/live-metrics/show-aggregator.ts; definitions of every
// figure are in docs/events.md ("Metrics").
import { z } from 'zod';

const Count = z.number().int().min(0);
const Minor = z.number().int(); // money in minor units of `currency`; net figures can go negative
const Share = z.number().min(0).max(1);
const Ms = z.number().int();

export const ProductMetrics = z.object({
  productId: z.string(),
  cartAdds: Count,
  /** Orders that contain this product. */
  orders: Count,
  units: Count,
  revenueMinor: Minor,
  soldOut: z.boolean(),
});
export type ProductMetrics = z.infer<typeof ProductMetrics>;

/** What one pin of a product sold: [pinnedAt, unpinnedAt) by event timestamp. */
export const PinWindowMetrics = z.object({
  productId: z.string(),
  pinnedAt: Ms,
  /** null while still pinned. */
  unpinnedAt: Ms.nullable(),
  /** Primary figure: the pinned product's own lines in orders placed during the window. */
  productOrders: Count,
  productUnits: Count,
  productRevenueMinor: Minor,
  /** Secondary figure: every order placed during the window, whatever it contains. */
  windowOrders: Count,
  windowRevenueMinor: Minor,
});
export type PinWindowMetrics = z.infer<typeof PinWindowMetrics>;

/** Per-second series, oldest first, ending at the second that contains `asOf`. */
export const MetricsSeries = z.object({
  /** Epoch second (ms / 1000) of the first element. */
  startSecond: z.number().int(),
  viewers: z.array(Count),
  chat: z.array(Count),
  cartAdds: z.array(Count),
  orders: z.array(Count),
  revenueMinor: z.array(Minor),
});
export type MetricsSeries = z.infer<typeof MetricsSeries>;

export const ShowMetricsSnapshot = z.object({
  showId: z.string(),
  status: z.enum(['pending', 'live', 'ended']),
  startedAt: Ms.nullable(),
  endedAt: Ms.nullable(),
  /** Show clock: the latest event timestamp seen (not wall clock, so replays match). */
  asOf: Ms.nullable(),
  /** Currency of every money figure (from show.started, else the first order). */
  currency: z.string().nullable(),
  events: z.object({ accepted: Count, duplicates: Count }),
  /**
   * Exact up to 10 million unique viewer ids per show; beyond, `estimated` is true: unique
   * viewers and buyers are HyperLogLog estimates (about ±1 %), current viewers joins − leaves.
   */
  viewers: z.object({ current: Count, peak: Count, unique: Count, estimated: z.boolean() }),
  chat: z.object({ messages: Count, perMinute: Count }),
  reactions: z.object({ total: Count, perMinute: Count }),
  cart: z.object({ adds: Count, removes: Count, addsPerMinute: Count }),
  orders: z.object({
    count: Count,
    perMinute: Count,
    units: Count,
    buyers: Count,
    grossRevenueMinor: Minor,
    revenuePerMinuteMinor: Minor,
    /** Gross minus refunds minus cancelled orders. */
    netRevenueMinor: Minor,
    /** Gross revenue / orders, rounded; 0 without orders. */
    aovMinor: Minor,
    /** Buyers / unique viewers. */
    conversion: Share,
    bnplOrderShare: Share,
    bnplRevenueShare: Share,
    cancelled: z.object({ count: Count, amountMinor: Minor }),
    refunds: z.object({ count: Count, amountMinor: Minor }),
    /** Orders in another currency than the show's: counted here only, not in money figures. */
    otherCurrency: Count,
    /** Those orders per currency (the 10 most ordered), each in its own currency's minor units. */
    otherCurrencies: z.array(z.object({ currency: z.string(), orders: Count, grossMinor: Minor })),
  }),
  pinnedProductId: z.string().nullable(),
  /** The 200 best-selling products; productsTotal says how many the show has. */
  products: z.array(ProductMetrics),
  productsTotal: Count,
  /** The last 100 pin windows; pinsTotal says how many the show had. */
  pins: z.array(PinWindowMetrics),
  pinsTotal: Count,
  /** The last 100 markers; markersTotal says how many the show had. */
  markers: z.array(z.object({ ts: Ms, label: z.string() })),
  markersTotal: Count,
  series: MetricsSeries,
});
export type ShowMetricsSnapshot = z.infer<typeof ShowMetricsSnapshot>;

/**
 * A snapshot's headline figures alone (what the KPI tiles show), without the series, product
 * table, pins and markers: small enough to push many times a second, so the key numbers on
 * screen follow the show closely while whole snapshots stay at ~10 a second.
 */
export const ShowHeadline = ShowMetricsSnapshot.pick({
  showId: true,
  status: true,
  startedAt: true,
  endedAt: true,
  asOf: true,
  currency: true,
  events: true,
  viewers: true,
  chat: true,
  reactions: true,
  cart: true,
  orders: true,
  pinnedProductId: true,
});
export type ShowHeadline = z.infer<typeof ShowHeadline>;

/** The headline part of a snapshot. */
export function headlineOf(s: ShowHeadline): ShowHeadline {
  return {
    showId: s.showId,
    status: s.status,
    startedAt: s.startedAt,
    endedAt: s.endedAt,
    asOf: s.asOf,
    currency: s.currency,
    events: s.events,
    viewers: s.viewers,
    chat: s.chat,
    reactions: s.reactions,
    cart: s.cart,
    orders: s.orders,
    pinnedProductId: s.pinnedProductId,
  };
}

/**
 * Which of a show's headline and its latest whole snapshot is newer (the renderer shows the
 * newer one's figures): the one that has counted more events; the snapshot when equal.
 */
export function newerHeadline(
  snapshot: ShowMetricsSnapshot | null,
  headline: ShowHeadline | null,
): ShowHeadline | null {
  if (!headline || (snapshot && snapshot.showId !== headline.showId)) return snapshot;
  if (!snapshot) return headline;
  const counted = (h: ShowHeadline) => h.events.accepted + h.events.duplicates;
  return counted(headline) > counted(snapshot) ? headline : snapshot;
}

export const INVALID_EVENT_REASONS = [
  'bad-json',
  'schema',
  'unknown-type',
  'future-version',
  'oversized',
  'key-mismatch',
  /** A compressed batch that could not be decompressed (refused whole, as one dead letter). */
  'undecodable',
] as const;
export const InvalidEventReason = z.enum(INVALID_EVENT_REASONS);
export type InvalidEventReason = z.infer<typeof InvalidEventReason>;

/** Health of the studio's Kafka metrics pipeline. */
export const ShowPipelineStatus = z.object({
  // 'electing': the show's partitions have no Kafka leader; figures resume once they have one.
  state: z.enum(['stopped', 'starting', 'catching-up', 'live', 'error', 'electing']),
  /** Messages between what was processed and the partitions' high watermarks. */
  behind: Count,
  eventsPerSecond: z.number().min(0),
  processed: Count,
  invalid: z.record(InvalidEventReason, Count),
  deadLettered: Count,
  /**
   * Refused messages that could not be kept in the dead-letter topic (larger than it accepts,
   * topic missing or not writable for longer than the studio waits): counted, logged, skipped.
   */
  deadLetterLost: Count,
  error: z.string().nullable(),
  /** What the studio is doing about the pipeline, in words a host understands (e.g. a replacement). */
  notice: z.string().nullable().optional(),
});
export type ShowPipelineStatus = z.infer<typeof ShowPipelineStatus>;
