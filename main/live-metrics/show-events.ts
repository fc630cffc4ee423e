// Turns one Kafka message value into a validated show event, or a reason to dead-letter it.
// Pure. The validator is hand-written because it runs for every event (tens of thousands a
// second); tests/unit/show-events.test.ts checks it agrees with the zod schemas in
// protocol/events.ts, which stay the reference.
import {
  DECIDER_KINDS,
  EVENT_LIMITS,
  EVENT_VERSIONS,
  MAX_MUTE_MS,
  MODERATION_ACTIONS,
  ModerationRules,
  moderationDecisionProblem,
  PAYMENT_METHODS,
  isCurrencyCode,
  isEventId,
  isShowEventType,
  type OrderLine,
  type ShowEvent,
  type ShowEventType,
} from '../../protocol/events';
import type { InvalidEventReason } from '../../protocol/metrics';

export interface ParseLimits {
  /** Larger message values are refused before parsing. */
  maxBytes: number;
}
export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxBytes: 64 * 1024 };

export type ParseResult = { ok: true; event: ShowEvent } | { ok: false; reason: InvalidEventReason };

type Obj = Record<string, unknown>;

/**
 * Parses and validates a message value. When `key` is given (the Kafka message key, or
 * null for a message without one) it must equal the event's showId, because the key is
 * what keeps one show's events in order on one partition.
 */
export function parseShowEvent(
  value: Buffer | null,
  limits: ParseLimits,
  key?: Buffer | string | null,
): ParseResult {
  if (value === null) return fail('bad-json');
  if (value.length > limits.maxBytes) return fail('oversized');
  const keyText = key === undefined || key === null || typeof key === 'string' ? key : key.toString('utf8');
  const text = value.toString('utf8');
  const result = parseShowEventText(text, mayHaveForbiddenKey(text), keyText);
  return typeof result === 'string' ? fail(result) : { ok: true, event: result };
}

/**
 * The part of parseShowEvent after decoding, for the pipeline's worker (no result object per
 * event: the event, or the reason it is invalid). `suspicious` is mayHaveForbiddenKey(text),
 * or anything that is true whenever that is; the size limit is the caller's to check.
 */
export function parseShowEventText(
  text: string,
  suspicious: boolean,
  key?: string | null,
): ShowEvent | InvalidEventReason {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return 'bad-json';
  }
  if (!isObj(raw)) return 'schema';
  const type = raw.type;
  if (typeof type !== 'string') return 'schema';
  if (!isShowEventType(type)) return 'unknown-type';
  const v = raw.v;
  if (typeof v === 'number' && Number.isInteger(v) && v > EVENT_VERSIONS[type]) return 'future-version';
  if (suspicious && hasForbiddenKey(raw, 0)) return 'schema';
  const event = validateShowEvent(raw);
  if (!event) return 'schema';
  if (key !== undefined && key !== event.showId) return 'key-mismatch';
  return event;
}

const fail = (reason: InvalidEventReason): ParseResult => ({ ok: false, reason });

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// JSON.parse turns a "__proto__" key into an own property; no legitimate producer sends
// these, so refuse them rather than let them reach code that might merge objects.
const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'];
// Walking every parsed object costs more than scanning the text, and almost no message
// contains these words. A JSON escape (\u…) could spell a key without them, and deep nesting
// needs at least 9 brackets, so both force the walk too.
const FORBIDDEN_MARKERS = [...FORBIDDEN_KEYS, '\\u'];
/** Whether the walk for forbidden keys is needed; false is certain, true only possible. */
export function mayHaveForbiddenKey(text: string): boolean {
  for (const marker of FORBIDDEN_MARKERS) if (text.includes(marker)) return true;
  return hasDeepNesting(text);
}
function hasDeepNesting(text: string): boolean {
  let brackets = 0;
  for (let at = text.indexOf('{'); at !== -1; at = text.indexOf('{', at + 1)) if (++brackets > 8) return true;
  for (let at = text.indexOf('['); at !== -1; at = text.indexOf('[', at + 1)) if (++brackets > 8) return true;
  return false;
}
function hasForbiddenKey(v: unknown, depth: number): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (depth > 8) return true; // our events nest 3 levels; deeper is hostile
  if (Array.isArray(v)) {
    for (const item of v) if (hasForbiddenKey(item, depth + 1)) return true;
    return false;
  }
  for (const k of FORBIDDEN_KEYS) if (Object.hasOwn(v, k)) return true;
  for (const k in v) if (hasForbiddenKey((v as Obj)[k], depth + 1)) return true;
  return false;
}

// Field checks, mirroring protocol/events.ts ------------------------------------

const isId = (v: unknown): v is string => typeof v === 'string' && isEventId(v);
const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isText = (v: unknown, max: number): v is string =>
  typeof v === 'string' && v.length >= 1 && v.length <= max;
const isOptText = (v: unknown, max: number): boolean => v === undefined || isText(v, max);
const isQty = (v: unknown): v is number => isInt(v, 1, EVENT_LIMITS.maxQty);
const isAmount = (v: unknown): v is number => isInt(v, 0, EVENT_LIMITS.maxAmountMinor);
const isCurrency = (v: unknown): v is string => typeof v === 'string' && isCurrencyCode(v);
const LABEL = EVENT_LIMITS.labelLength;

/** Copies only the listed optional fields that are present (zod drops absent ones too). */
function withOptional<T extends Obj>(out: T, src: Obj, keys: string[]): T {
  for (const k of keys) if (src[k] !== undefined) (out as Obj)[k] = src[k];
  return out;
}

/** Validates a parsed JSON object; returns a fresh object without unknown keys, or null. */
export function validateShowEvent(o: Obj): ShowEvent | null {
  const type = o.type;
  if (typeof type !== 'string' || !isShowEventType(type)) return null;
  if (!isId(o.id) || !isId(o.showId) || !isInt(o.v, 1, EVENT_VERSIONS[type])) return null;
  if (!isInt(o.ts, EVENT_LIMITS.minTs, EVENT_LIMITS.maxTs - 1)) return null;
  const body = validateBody(type, o);
  if (!body) return null;
  body.id = o.id;
  body.type = type;
  body.v = o.v;
  body.showId = o.showId;
  body.ts = o.ts;
  return body as ShowEvent;
}

function validateBody(type: ShowEventType, o: Obj): Obj | null {
  switch (type) {
    case 'viewer.joined':
      if (!isId(o.viewerId) || !isOptText(o.displayName, LABEL)) return null;
      return withOptional({ viewerId: o.viewerId }, o, ['displayName']);
    case 'viewer.left':
      return isId(o.viewerId) ? { viewerId: o.viewerId } : null;
    case 'chat.message':
      return validateChat(o);
    case 'reaction':
      return isId(o.viewerId) && isText(o.reaction, 32)
        ? { viewerId: o.viewerId, reaction: o.reaction }
        : null;
    case 'cart.item_added':
    case 'cart.item_removed':
      return isId(o.viewerId) && isId(o.productId) && isQty(o.qty)
        ? { viewerId: o.viewerId, productId: o.productId, qty: o.qty }
        : null;
    case 'order.placed':
      return validateOrder(o);
    case 'order.cancelled':
      if (!isId(o.viewerId) || !isId(o.orderId) || !isOptText(o.reason, LABEL)) return null;
      return withOptional({ viewerId: o.viewerId, orderId: o.orderId }, o, ['reason']);
    case 'order.refunded':
      if (!isId(o.viewerId) || !isId(o.orderId) || !isOptText(o.reason, LABEL)) return null;
      if (!isInt(o.amountMinor, 1, EVENT_LIMITS.maxAmountMinor) || !isCurrency(o.currency)) return null;
      return withOptional(
        { viewerId: o.viewerId, orderId: o.orderId, amountMinor: o.amountMinor, currency: o.currency },
        o,
        ['reason'],
      );
    case 'show.started':
      if (!isOptText(o.title, LABEL) || !isCurrency(o.currency)) return null;
      if (o.mode !== undefined && o.mode !== 'live' && o.mode !== 'rehearsal') return null;
      return withOptional({ currency: o.currency }, o, ['title', 'mode']);
    case 'show.ended':
      return {};
    case 'product.pinned': {
      if (!isId(o.productId)) return null;
      if (o.product === undefined) return { productId: o.productId };
      const product = validatePinnedProduct(o.product);
      return product ? { productId: o.productId, product } : null;
    }
    case 'product.unpinned':
    case 'product.sold_out':
    case 'product.back_in_stock':
      return isId(o.productId) ? { productId: o.productId } : null;
    case 'marker':
      return isText(o.label, LABEL) ? { label: o.label } : null;
    case 'moderation.decision':
      return validateModeration(o);
  }
}

/** The display snapshot of a pinned product (replays show its name). */
function validatePinnedProduct(p: unknown): Obj | null {
  if (!isObj(p) || !isText(p.name, LABEL) || !isAmount(p.priceMinor) || !isCurrency(p.currency)) return null;
  if (p.thumbnail !== undefined && (!isText(p.thumbnail, 1024) || /^[a-z][a-z0-9+.-]*:/i.test(p.thumbnail)))
    return null;
  return withOptional({ name: p.name, priceMinor: p.priceMinor, currency: p.currency }, p, ['thumbnail']);
}

function validateOrder(o: Obj): Obj | null {
  if (!isId(o.viewerId) || !isId(o.orderId) || !isAmount(o.totalMinor) || !isCurrency(o.currency))
    return null;
  const lines = o.lines;
  if (!Array.isArray(lines) || lines.length < 1 || lines.length > EVENT_LIMITS.maxLines) return null;
  const outLines: OrderLine[] = [];
  for (const line of lines) {
    if (!isObj(line) || !isId(line.productId) || !isQty(line.qty) || !isAmount(line.unitPriceMinor))
      return null;
    outLines.push({ productId: line.productId, qty: line.qty, unitPriceMinor: line.unitPriceMinor });
  }
  const p = o.payment;
  if (!isObj(p) || typeof p.method !== 'string' || !(PAYMENT_METHODS as readonly string[]).includes(p.method))
    return null;
  if (!isOptText(p.provider, 64)) return null;
  if (p.method === 'bnpl' && p.provider === undefined) return null;
  return {
    viewerId: o.viewerId,
    orderId: o.orderId,
    lines: outLines,
    totalMinor: o.totalMinor,
    currency: o.currency,
    payment: withOptional({ method: p.method }, p, ['provider']),
  };
}

function validateChat(o: Obj): Obj | null {
  if (!isId(o.viewerId) || !isOptText(o.displayName, LABEL) || !isText(o.text, EVENT_LIMITS.textLength))
    return null;
  if ((o.fromHost !== undefined && o.fromHost !== true) || (o.replyTo !== undefined && !isId(o.replyTo)))
    return null;
  const out: Obj = withOptional({ viewerId: o.viewerId, text: o.text }, o, [
    'displayName',
    'fromHost',
    'replyTo',
  ]);
  const verdict = o.automod;
  if (verdict !== undefined) {
    if (!isObj(verdict) || typeof verdict.held !== 'boolean' || !isOptText(verdict.reason, LABEL))
      return null;
    out.automod = withOptional({ held: verdict.held }, verdict, ['reason']);
  }
  return out;
}

// Moderation decisions are rare next to chat, so the zod schema checks their nested parts.
function validateModeration(o: Obj): Obj | null {
  if (typeof o.action !== 'string' || !(MODERATION_ACTIONS as readonly string[]).includes(o.action))
    return null;
  if (o.targetViewerId !== undefined && !isId(o.targetViewerId)) return null;
  if (o.messageEventId !== undefined && !isId(o.messageEventId)) return null;
  if (moderationDecisionProblem({ ...o, v: o.v as number, action: o.action }) !== null) return null;
  if (o.durationMs !== undefined && !isInt(o.durationMs, 1, MAX_MUTE_MS)) return null;
  if (o.slowModeSeconds !== undefined && !isInt(o.slowModeSeconds, 0, 3600)) return null;
  if (!isOptText(o.reason, LABEL)) return null;
  const by = o.decidedBy;
  if (!isObj(by) || !(DECIDER_KINDS as readonly string[]).includes(by.kind as string) || !isId(by.id))
    return null;
  if (!isOptText(by.name, LABEL)) return null;
  const out: Obj = withOptional(
    { action: o.action, decidedBy: withOptional({ kind: by.kind, id: by.id }, by, ['name']) },
    o,
    ['targetViewerId', 'messageEventId', 'durationMs', 'reason', 'slowModeSeconds'],
  );
  if (o.rules !== undefined) {
    const rules = ModerationRules.safeParse(o.rules);
    if (!rules.success) return null;
    out.rules = rules.data;
  }
  const message = o.message;
  if (message !== undefined) {
    if (!isObj(message) || !isText(message.text, EVENT_LIMITS.textLength)) return null;
    if (!isOptText(message.displayName, LABEL)) return null;
    out.message = withOptional({ text: message.text }, message, ['displayName']);
  }
  return out;
}
