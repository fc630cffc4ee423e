// Show event catalog: every shopper and studio action is one JSON event on Kafka.
// Producers outside the studio build these from docs/events.md; the studio validates
// them on the way in (main/live-metrics/show-events.ts has a fast validator that is tested
// to agree with these schemas).
import { z } from 'zod';

/** Kafka topics. The message key is always the event's showId, so one show stays ordered. */
export const SHOW_TOPICS = {
  shopper: 'shopcast.shopper-events.v1',
  studio: 'shopcast.studio-events.v1',
  deadLetter: 'shopcast.show-events.dead-letter.v1',
} as const;

export interface ShowTopicSettings {
  partitions: number;
  /** Copies of each partition (default: the smaller of 3 and the cluster's brokers). */
  replicationFactor: number;
  /** Copies a write (acks=all) must reach; default 2 with three copies or more, else 1. */
  minInsyncReplicas: number;
  /** Replays read old shows back, so keep events for weeks, not the broker's 7-day default. */
  retentionMs: number;
}

/** Topic definitions for kafkajs admin.createTopics (or any client's equivalent); see show-topics.ts. */
export function showTopicDefinitions(topics: readonly string[], s: ShowTopicSettings) {
  return topics.map((topic) => ({
    topic,
    numPartitions: s.partitions,
    replicationFactor: s.replicationFactor,
    configEntries: [
      { name: 'retention.ms', value: String(s.retentionMs) },
      { name: 'min.insync.replicas', value: String(s.minInsyncReplicas) },
      // Replays find offsets by timestamp, so keep the producers' event timestamps.
      { name: 'message.timestamp.type', value: 'CreateTime' },
    ],
  }));
}

/** Headers on dead-lettered messages (the value is the original bytes, untouched). */
export const DEAD_LETTER_HEADERS = {
  reason: 'shopcast-dlq-reason',
  sourceTopic: 'shopcast-dlq-topic',
  sourcePartition: 'shopcast-dlq-partition',
  sourceOffset: 'shopcast-dlq-offset',
  /** An undecodable batch's codec, and the offsets it covered ("<first>-<last>"). */
  codec: 'shopcast-dlq-codec',
  sourceOffsets: 'shopcast-dlq-offsets',
} as const;

// Bounds that keep one hostile event from costing much memory downstream.
export const EVENT_LIMITS = {
  idLength: 128,
  textLength: 2000,
  labelLength: 200,
  maxQty: 10_000,
  maxLines: 100,
  /** Amounts in minor units stay exact as doubles below 2^53. */
  maxAmountMinor: 1e13,
  /** Timestamps must fall in [2020-01-01, 2100-01-01). */
  minTs: Date.UTC(2020, 0, 1),
  maxTs: Date.UTC(2100, 0, 1),
} as const;

// Ids are opaque strings from other systems; control characters are refused so they
// can be logged and used as keys safely.
const ID_PATTERN = /^[\x21-\x7e]+$/;
/** Same rule as the Id schema, without a regex: it runs several times per event. */
export function isEventId(s: string): boolean {
  if (s.length < 1 || s.length > EVENT_LIMITS.idLength) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}
const Id = z.string().min(1).max(EVENT_LIMITS.idLength).regex(ID_PATTERN, 'printable ASCII without spaces');

let currencies: Set<string> | undefined;
/** ISO 4217 code that this runtime's Intl knows (same data in Node and Chromium). */
export function isCurrencyCode(code: string): boolean {
  currencies ??= new Set(Intl.supportedValuesOf('currency'));
  return currencies.has(code); // Intl lists only uppercase 3-letter codes
}
const Currency = z.string().refine(isCurrencyCode, 'ISO 4217 currency code, e.g. USD');

const Qty = z.number().int().min(1).max(EVENT_LIMITS.maxQty);
const AmountMinor = z.number().int().min(0).max(EVENT_LIMITS.maxAmountMinor);
const Timestamp = z
  .number()
  .int()
  .min(EVENT_LIMITS.minTs)
  .max(EVENT_LIMITS.maxTs - 1);
// Untrusted text: kept verbatim (rendered as text, never as HTML).
const Text = (max: number) => z.string().min(1).max(max);

/** Latest schema version of each event type this build understands. */
export const EVENT_VERSIONS = {
  'viewer.joined': 1,
  'viewer.left': 1,
  'chat.message': 1,
  reaction: 1,
  'cart.item_added': 1,
  'cart.item_removed': 1,
  'order.placed': 1,
  'order.cancelled': 1,
  'order.refunded': 1,
  'show.started': 1,
  'show.ended': 1,
  'product.pinned': 1,
  'product.unpinned': 1,
  'product.sold_out': 1,
  'product.back_in_stock': 1,
  marker: 1,
  'moderation.decision': 2,
} as const;
export type ShowEventType = keyof typeof EVENT_VERSIONS;
export const SHOW_EVENT_TYPES = Object.keys(EVENT_VERSIONS) as ShowEventType[];
export const SHOPPER_EVENT_TYPES = [
  'viewer.joined',
  'viewer.left',
  'chat.message',
  'reaction',
  'cart.item_added',
  'cart.item_removed',
  'order.placed',
  'order.cancelled',
  'order.refunded',
] as const satisfies readonly ShowEventType[];
export const isShowEventType = (t: string): t is ShowEventType => Object.hasOwn(EVENT_VERSIONS, t);

/** Fields every event carries. `v` is the schema version of this event's type. */
const envelope = <T extends ShowEventType>(type: T) => ({
  id: Id,
  type: z.literal(type),
  v: z.number().int().min(1).max(EVENT_VERSIONS[type]),
  showId: Id,
  ts: Timestamp,
});

// Shopper events ---------------------------------------------------------------

export const ViewerJoined = z.object({
  ...envelope('viewer.joined'),
  viewerId: Id,
  displayName: Text(EVENT_LIMITS.labelLength).optional(),
});
export const ViewerLeft = z.object({ ...envelope('viewer.left'), viewerId: Id });
/** The verdict of the chat gate that took the message in (see docs/events.md#chatmessage). */
export const AutomodVerdict = z.object({
  held: z.boolean(),
  reason: Text(EVENT_LIMITS.labelLength).optional(),
});
export const ChatMessage = z.object({
  ...envelope('chat.message'),
  viewerId: Id,
  displayName: Text(EVENT_LIMITS.labelLength).optional(),
  text: Text(EVENT_LIMITS.textLength),
  /** Set by a gate that ran auto-moderation before producing the message; absent otherwise. */
  automod: AutomodVerdict.optional(),
  /** The show's host (or a producer replying as the host) wrote it: no auto-moderation. */
  fromHost: z.literal(true).optional(),
  /** The chat message this one answers. */
  replyTo: Id.optional(),
});
export const Reaction = z.object({
  ...envelope('reaction'),
  viewerId: Id,
  // Free-form (e.g. "heart", "fire") so new reactions need no schema change.
  reaction: Text(32),
});
export const CartItemAdded = z.object({
  ...envelope('cart.item_added'),
  viewerId: Id,
  productId: Id,
  qty: Qty,
});
export const CartItemRemoved = z.object({
  ...envelope('cart.item_removed'),
  viewerId: Id,
  productId: Id,
  qty: Qty,
});

export const PAYMENT_METHODS = [
  'card',
  'bnpl',
  'wallet',
  'bank_transfer',
  'cash_on_delivery',
  'gift_card',
] as const;
export const PaymentMethod = z.enum(PAYMENT_METHODS);
export const Payment = z.object({
  method: PaymentMethod,
  // Who provides it: "klarna", "afterpay", "affirm" (BNPL, required), "apple_pay" (wallet), "visa" (card)…
  provider: Text(64).optional(),
});
export const OrderLine = z.object({ productId: Id, qty: Qty, unitPriceMinor: AmountMinor });

export const OrderPlaced = z
  .object({
    ...envelope('order.placed'),
    viewerId: Id,
    orderId: Id,
    lines: z.array(OrderLine).min(1).max(EVENT_LIMITS.maxLines),
    // Amounts are integers in minor units of `currency` (cents; yen for JPY).
    totalMinor: AmountMinor,
    currency: Currency,
    payment: Payment,
  })
  .refine((e) => e.payment.method !== 'bnpl' || e.payment.provider !== undefined, {
    message: 'a BNPL payment names its provider',
    path: ['payment', 'provider'],
  });
export const OrderCancelled = z.object({
  ...envelope('order.cancelled'),
  viewerId: Id,
  orderId: Id,
  reason: Text(EVENT_LIMITS.labelLength).optional(),
});
export const OrderRefunded = z.object({
  ...envelope('order.refunded'),
  viewerId: Id,
  orderId: Id,
  amountMinor: AmountMinor.min(1),
  currency: Currency,
  reason: Text(EVENT_LIMITS.labelLength).optional(),
});

// Studio events ----------------------------------------------------------------

export const ShowStarted = z.object({
  ...envelope('show.started'),
  title: Text(EVENT_LIMITS.labelLength).optional(),
  /** Currency the show sells in; revenue metrics are in this currency. */
  currency: Currency,
  /** A live show or a rehearsal with simulated shoppers (for the show library). */
  mode: z.enum(['live', 'rehearsal']).optional(),
});
export const ShowEnded = z.object(envelope('show.ended'));
// Optional display snapshot of the pinned product, so the viewer page and replays can
// show it without a catalog lookup. `thumbnail` is a catalog path, never a URL.
export const PinnedProductSnapshot = z.object({
  name: Text(EVENT_LIMITS.labelLength),
  priceMinor: AmountMinor,
  currency: Currency,
  thumbnail: Text(1024)
    .refine((p) => !/^[a-z][a-z0-9+.-]*:/i.test(p), 'a file path, not a URL')
    .optional(),
});
export const ProductPinned = z.object({
  ...envelope('product.pinned'),
  productId: Id,
  product: PinnedProductSnapshot.optional(),
});
export const ProductUnpinned = z.object({ ...envelope('product.unpinned'), productId: Id });
export const ProductSoldOut = z.object({ ...envelope('product.sold_out'), productId: Id });
export const ProductBackInStock = z.object({ ...envelope('product.back_in_stock'), productId: Id });
export const Marker = z.object({ ...envelope('marker'), label: Text(EVENT_LIMITS.labelLength) });

/** What producers set for auto-moderation; a `rules_changed` decision carries the whole set. */
export const MODERATION_LIMITS = { blockedTerms: 200, termLength: 100, slowModeSeconds: 3600 } as const;
export const ModerationRules = z.object({
  /** The built-in English profanity list (leetspeak and spacing tricks included). */
  profanity: z.boolean(),
  /** Producers' own blocked words and phrases (held when they appear). */
  blockedTerms: z
    .array(z.string().trim().min(1).max(MODERATION_LIMITS.termLength))
    .max(MODERATION_LIMITS.blockedTerms),
  /** Messages with a link: let them through, or hold them for review. */
  links: z.enum(['allow', 'hold']),
  /** Hold when the toxicity classifier's score is at least this (1 turns it off). */
  toxicityHoldAt: z.number().min(0.5).max(1),
  /** Hold shouting (mostly capitals), repeated text, and one shopper flooding the chat. */
  caps: z.boolean(),
  repeats: z.boolean(),
  floods: z.boolean(),
});
export type ModerationRules = z.infer<typeof ModerationRules>;

/** The actions of moderation.decision v1; v2 added the rest. */
export const MODERATION_ACTIONS_V1 = ['message_hidden', 'user_muted', 'user_banned'] as const;
export const MESSAGE_ACTIONS = [
  'message_held',
  'message_released',
  'message_hidden',
  'message_pinned',
  'message_unpinned',
] as const;
export const SHOPPER_ACTIONS = ['user_muted', 'user_unmuted', 'user_banned', 'user_unbanned'] as const;
export const SHOW_ACTIONS = ['slow_mode_changed', 'rules_changed'] as const;
export const MODERATION_ACTIONS = [...MESSAGE_ACTIONS, ...SHOPPER_ACTIONS, ...SHOW_ACTIONS] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];
export const DECIDER_KINDS = ['moderator', 'host', 'automod'] as const;
export const MAX_MUTE_MS = 7 * 24 * 3600_000;

/** Which fields an action needs; shared by the schema and the fast validator. */
export function moderationDecisionProblem(e: {
  v: number;
  action: string;
  targetViewerId?: unknown;
  messageEventId?: unknown;
  slowModeSeconds?: unknown;
  rules?: unknown;
}): string | null {
  if (e.v === 1 && !(MODERATION_ACTIONS_V1 as readonly string[]).includes(e.action))
    return `${e.action} needs v 2`;
  const onMessage = (MESSAGE_ACTIONS as readonly string[]).includes(e.action);
  if (onMessage && e.messageEventId === undefined) return 'a message decision names the message';
  if (
    (onMessage || (SHOPPER_ACTIONS as readonly string[]).includes(e.action)) &&
    e.targetViewerId === undefined
  )
    return 'a message or shopper decision names the shopper';
  if (e.action === 'slow_mode_changed' && e.slowModeSeconds === undefined)
    return 'slow mode needs slowModeSeconds';
  if (e.action === 'rules_changed' && e.rules === undefined) return 'a rules change carries the rules';
  return null;
}

export const ModerationDecision = z
  .object({
    ...envelope('moderation.decision'),
    action: z.enum(MODERATION_ACTIONS),
    /** Whose message or account (every message and shopper action). */
    targetViewerId: Id.optional(),
    /** Event id of the chat message concerned (every message action). */
    messageEventId: Id.optional(),
    /** Mute length; absent means until the show ends. */
    durationMs: z.number().int().min(1).max(MAX_MUTE_MS).optional(),
    /** kind automod: auto-moderation (id names the gate); name: how the studio shows who decided. */
    decidedBy: z.object({
      kind: z.enum(DECIDER_KINDS),
      id: Id,
      name: Text(EVENT_LIMITS.labelLength).optional(),
    }),
    reason: Text(EVENT_LIMITS.labelLength).optional(),
    /** slow_mode_changed: at most one message per shopper every N seconds (0: off). */
    slowModeSeconds: z.number().int().min(0).max(MODERATION_LIMITS.slowModeSeconds).optional(),
    /** rules_changed: the whole new rule set. */
    rules: ModerationRules.optional(),
    /** message_pinned: what the pinned message says, so pages and replays need no lookup. */
    message: z
      .object({
        displayName: Text(EVENT_LIMITS.labelLength).optional(),
        text: Text(EVENT_LIMITS.textLength),
      })
      .optional(),
  })
  .superRefine((e, context) => {
    const problem = moderationDecisionProblem(e);
    if (problem) context.addIssue({ code: 'custom', message: problem, path: ['action'] });
  });

export const SHOW_EVENT_SCHEMAS = {
  'viewer.joined': ViewerJoined,
  'viewer.left': ViewerLeft,
  'chat.message': ChatMessage,
  reaction: Reaction,
  'cart.item_added': CartItemAdded,
  'cart.item_removed': CartItemRemoved,
  'order.placed': OrderPlaced,
  'order.cancelled': OrderCancelled,
  'order.refunded': OrderRefunded,
  'show.started': ShowStarted,
  'show.ended': ShowEnded,
  'product.pinned': ProductPinned,
  'product.unpinned': ProductUnpinned,
  'product.sold_out': ProductSoldOut,
  'product.back_in_stock': ProductBackInStock,
  marker: Marker,
  'moderation.decision': ModerationDecision,
} as const satisfies Record<ShowEventType, z.ZodType>;

export const ShowEvent = z.discriminatedUnion('type', [
  ViewerJoined,
  ViewerLeft,
  ChatMessage,
  Reaction,
  CartItemAdded,
  CartItemRemoved,
  OrderPlaced,
  OrderCancelled,
  OrderRefunded,
  ShowStarted,
  ShowEnded,
  ProductPinned,
  ProductUnpinned,
  ProductSoldOut,
  ProductBackInStock,
  Marker,
  ModerationDecision,
]);
export type ShowEvent = z.infer<typeof ShowEvent>;
export type ShowEventOf<T extends ShowEventType> = Extract<ShowEvent, { type: T }>;
export type ShopperEvent = ShowEventOf<(typeof SHOPPER_EVENT_TYPES)[number]>;
export type StudioEvent = Exclude<ShowEvent, ShopperEvent>;
export type PaymentMethod = z.infer<typeof PaymentMethod>;
export type OrderLine = z.infer<typeof OrderLine>;

export const isShopperEvent = (e: ShowEvent): e is ShopperEvent =>
  (SHOPPER_EVENT_TYPES as readonly string[]).includes(e.type);

/** The topic an event belongs on. */
export const topicForEvent = (e: ShowEvent): string =>
  isShopperEvent(e) ? SHOW_TOPICS.shopper : SHOW_TOPICS.studio;
