// The common shopper events read straight from their bytes, without JSON.parse. Most of a
// show's stream is viewer, chat, reaction and cart events written as one flat JSON object of
// strings and integers; JSON.parse builds an object and a string for every field, the
// validator then copies the fields it keeps, and that was most of the pipeline worker's time.
//
// readPlainEvent accepts only what it can prove valid: a flat object whose fields are all
// fields of its type, with strings without escapes and integers without fraction or exponent,
// each field passing the same check as in validateShowEvent, and the showId equal to the
// message key. It returns exactly the event validateShowEvent would (same fields, same field
// order). Anything else — nesting, escapes, an unknown or repeated field, any invalid value —
// returns null and goes the usual way (parseShowEventText), which alone decides why a message
// is refused. tests/unit/live-metrics/plain-events.test.ts checks the two agree.
import { EVENT_LIMITS, EVENT_VERSIONS, type ShowEvent, type ShowEventType } from '../../protocol/events';

const FIELDS = [
  'id',
  'type',
  'v',
  'showId',
  'ts',
  'viewerId',
  'displayName',
  'reaction',
  'text',
  'productId',
  'qty',
  'fromHost',
  'replyTo',
] as const;
type Field = (typeof FIELDS)[number];
const F = Object.fromEntries(FIELDS.map((name, i) => [name, i])) as Record<Field, number>;
const bit = (...fields: Field[]) => fields.reduce((mask, f) => mask | (1 << F[f]), 0);

const ENVELOPE = bit('id', 'type', 'v', 'showId', 'ts');
/** A type read here: the fields it must have, and those it may have. */
interface Shape {
  type: ShowEventType;
  required: number;
  allowed: number;
}
const shape = (type: ShowEventType, required: Field[], optional: Field[] = []): Shape => ({
  type,
  required: ENVELOPE | bit(...required),
  allowed: ENVELOPE | bit(...required, ...optional),
});
const SHAPES = [
  shape('viewer.joined', ['viewerId'], ['displayName']),
  shape('viewer.left', ['viewerId']),
  shape('reaction', ['viewerId', 'reaction']),
  shape('chat.message', ['viewerId', 'text'], ['displayName', 'fromHost', 'replyTo']),
  shape('cart.item_added', ['viewerId', 'productId', 'qty']),
  shape('cart.item_removed', ['viewerId', 'productId', 'qty']),
];

/** Names by byte length, for matching a key's or the type's bytes. */
type Names<T> = { bytes: Buffer; is: T }[][];
function byLength<T>(entries: [string, T][]): Names<T> {
  const out: Names<T> = [];
  for (const [name, is] of entries) (out[name.length] ??= []).push({ bytes: Buffer.from(name), is });
  return out;
}
const FIELD_NAMES = byLength(FIELDS.map((name, i) => [name, i]));
const TYPE_NAMES = byLength(SHAPES.map((s) => [s.type, s]));

// One message's fields, reused from message to message (the worker reads one at a time).
const STRING = 1;
const INTEGER = 2;
const TRUE = 3;
const kind = new Uint8Array(FIELDS.length);
/** A string's byte range (without quotes). */
const from = new Int32Array(FIELDS.length);
const to = new Int32Array(FIELDS.length);
/** An integer's value. */
const value = new Float64Array(FIELDS.length);
/** A string's bytes are all 0x21–0x7e, the characters of an id (isEventId). */
const idChars = new Uint8Array(FIELDS.length);
/** A string's bytes are all ASCII: its length in characters is its length in bytes. */
const ascii = new Uint8Array(FIELDS.length);

// Buffer's own decoder without toString's argument checks (it runs for every field kept).
const utf8Slice = (
  Buffer.prototype as unknown as { utf8Slice(this: Buffer, start: number, end: number): string }
).utf8Slice;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isSpace = (c: number | undefined) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * The event in data[start, end), when it is a plain event of a type read here and valid;
 * null otherwise (then parseShowEventText decides). `key` is the message key, decoded from
 * data[keyStart, keyEnd).
 */
export function readPlainEvent(
  data: Buffer,
  start: number,
  end: number,
  key: string,
  keyStart: number,
  keyEnd: number,
): ShowEvent | null {
  const seen = readFlatObject(data, start, end);
  if (seen < 0 || kind[F.type] !== STRING) return null;
  const shape = nameAt(TYPE_NAMES, data, from[F.type]!, to[F.type]!);
  if (!shape || (seen & shape.required) !== shape.required || (seen & ~shape.allowed) !== 0) return null;
  const type = shape.type;
  // The envelope, as validateShowEvent checks it.
  if (!isId(F.id) || !isId(F.showId) || !isInt(F.v, 1, EVENT_VERSIONS[type])) return null;
  if (!isInt(F.ts, EVENT_LIMITS.minTs, EVENT_LIMITS.maxTs - 1)) return null;
  if (!sameBytes(data, from[F.showId]!, to[F.showId]!, keyStart, keyEnd)) return null; // key-mismatch
  if (!isId(F.viewerId)) return null;
  // The body, built in validateShowEvent's field order (the events share one object shape).
  let body: Record<string, unknown>;
  switch (type) {
    case 'viewer.joined':
    case 'viewer.left': {
      body = { viewerId: text(data, F.viewerId) };
      if (seen & (1 << F.displayName)) {
        const name = label(data, F.displayName, EVENT_LIMITS.labelLength);
        if (name === null) return null;
        body.displayName = name;
      }
      break;
    }
    case 'reaction': {
      const reaction = label(data, F.reaction, 32);
      if (reaction === null) return null;
      body = { viewerId: text(data, F.viewerId), reaction };
      break;
    }
    case 'chat.message': {
      const message = label(data, F.text, EVENT_LIMITS.textLength);
      if (message === null) return null;
      body = { viewerId: text(data, F.viewerId), text: message };
      if (seen & (1 << F.displayName)) {
        const name = label(data, F.displayName, EVENT_LIMITS.labelLength);
        if (name === null) return null;
        body.displayName = name;
      }
      if (seen & (1 << F.fromHost)) {
        if (kind[F.fromHost] !== TRUE) return null;
        body.fromHost = true;
      }
      if (seen & (1 << F.replyTo)) {
        if (!isId(F.replyTo)) return null;
        body.replyTo = text(data, F.replyTo);
      }
      break;
    }
    default: {
      // cart.item_added, cart.item_removed
      if (!isId(F.productId) || !isInt(F.qty, 1, EVENT_LIMITS.maxQty)) return null;
      body = { viewerId: text(data, F.viewerId), productId: text(data, F.productId), qty: value[F.qty] };
    }
  }
  body.id = text(data, F.id);
  body.type = type;
  body.v = value[F.v];
  body.showId = key;
  body.ts = value[F.ts];
  return body as ShowEvent;
}

/**
 * Reads `{"field":value,…}` (JSON whitespace allowed between tokens) into the field arrays.
 * Returns the bit set of fields seen, or -1 for anything outside the plain form.
 */
function readFlatObject(data: Buffer, start: number, end: number): number {
  let i = start;
  while (isSpace(data[i])) i++;
  if (data[i++] !== 0x7b /* { */) return -1;
  let seen = 0;
  for (;;) {
    while (isSpace(data[i])) i++;
    if (data[i++] !== QUOTE) return -1;
    const keyStart = i;
    while (i < end && data[i] !== QUOTE) i++;
    if (i >= end) return -1;
    const field = nameAt(FIELD_NAMES, data, keyStart, i) ?? -1;
    if (field < 0 || seen & (1 << field)) return -1; // unknown, escaped or repeated
    seen |= 1 << field;
    i++;
    while (isSpace(data[i])) i++;
    if (data[i++] !== 0x3a /* : */) return -1;
    while (isSpace(data[i])) i++;
    i = readValue(data, i, end, field);
    if (i < 0) return -1;
    while (isSpace(data[i])) i++;
    const next = data[i++];
    if (next === 0x7d /* } */) break;
    if (next !== 0x2c /* , */) return -1;
  }
  while (isSpace(data[i])) i++;
  return i === end ? seen : -1;
}

/** Reads a string without escapes, an integer, or true; returns where it ends, or -1. */
function readValue(data: Buffer, i: number, end: number, field: number): number {
  const c = data[i]!;
  if (c === QUOTE) {
    const s = ++i;
    let idOk = 1;
    let asciiOk = 1;
    for (; i < end; i++) {
      const b = data[i]!;
      if (b === QUOTE) break;
      if (b === BACKSLASH || b < 0x20) return -1; // an escape, or a character JSON refuses raw
      if (b > 0x7e) {
        idOk = 0;
        if (b > 0x7f) asciiOk = 0;
      } else if (b === 0x20) idOk = 0;
    }
    if (i >= end) return -1;
    kind[field] = STRING;
    from[field] = s;
    to[field] = i;
    idChars[field] = idOk;
    ascii[field] = asciiOk;
    return i + 1;
  }
  if (c >= 0x30 && c <= 0x39) {
    // Up to 15 digits: exact as a double. A leading zero is JSON only as "0" itself.
    let n = c - 0x30;
    let digits = 1;
    for (i++; i < end; i++) {
      const d = data[i]!;
      if (d < 0x30 || d > 0x39) break;
      if (n === 0 || ++digits > 15) return -1;
      n = n * 10 + (d - 0x30);
    }
    const after = data[i];
    if (after === 0x2e /* . */ || after === 0x65 /* e */ || after === 0x45 /* E */) return -1;
    kind[field] = INTEGER;
    value[field] = n;
    return i;
  }
  if (c === 0x74 && data[i + 1] === 0x72 && data[i + 2] === 0x75 && data[i + 3] === 0x65) {
    kind[field] = TRUE;
    return i + 4;
  }
  return -1; // false, null, a number below 0, an object or an array
}

function nameAt<T>(names: Names<T>, data: Buffer, start: number, end: number): T | null {
  const candidates = names[end - start];
  if (!candidates) return null;
  for (const { bytes, is } of candidates) {
    let i = 0;
    while (i < bytes.length && data[start + i] === bytes[i]) i++;
    if (i === bytes.length) return is;
  }
  return null;
}

/** isEventId, on the field's bytes. */
function isId(field: number): boolean {
  const length = to[field]! - from[field]!;
  return kind[field] === STRING && idChars[field] === 1 && length >= 1 && length <= EVENT_LIMITS.idLength;
}

function isInt(field: number, min: number, max: number): boolean {
  return kind[field] === INTEGER && value[field]! >= min && value[field]! <= max;
}

const text = (data: Buffer, field: number) => utf8Slice.call(data, from[field]!, to[field]!);

/** isText: the field's string when it has 1 to max characters (UTF-16 units, as in JS), else null. */
function label(data: Buffer, field: number, max: number): string | null {
  if (kind[field] !== STRING) return null;
  const bytes = to[field]! - from[field]!;
  if (ascii[field] === 1) return bytes >= 1 && bytes <= max ? text(data, field) : null;
  const s = text(data, field);
  // A replacement character may stand for bytes that are not UTF-8: leave those to JSON.parse.
  return s.length >= 1 && s.length <= max && !s.includes('\uFFFD') ? s : null;
}

/** Keys are short: a loop beats Buffer.compare's call overhead. */
export function sameBytes(data: Buffer, aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let i = 0; i < aEnd - aStart; i++) if (data[aStart + i] !== data[bStart + i]) return false;
  return true;
}
