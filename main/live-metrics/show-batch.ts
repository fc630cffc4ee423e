// One Kafka batch's keys and values packed into a single ArrayBuffer, so the pipeline can
// hand a whole batch to its worker thread as one transfer (no per-message cloning).
//
// Layout: Int32 count, then per message four Int32s (key start, key end, value start, value
// end; -1 for a null key or value, relative to the data), then the data bytes.
import type { ShowEvent } from '../../protocol/events';
import type { InvalidEventReason } from '../../protocol/metrics';
import { readPlainEvent, sameBytes } from './plain-events';
import { mayHaveForbiddenKey, parseShowEventText, type ParseLimits } from './show-events';

export interface BatchMessage {
  key: Buffer | null;
  value: Buffer | null;
  /** A compressed batch that could not be read (protocol/kafka-codecs.ts): refused as such. */
  undecodable?: boolean;
}

const SLOT = 4;
const NONE = -1;
/** In the key start slot: the message is an undecodable batch (its bytes are not packed). */
const UNDECODABLE = -2;

export function packBatch(messages: readonly BatchMessage[]): ArrayBuffer {
  const tableBytes = 4 * (1 + SLOT * messages.length);
  let dataBytes = 0;
  for (const m of messages) if (!m.undecodable) dataBytes += (m.key?.length ?? 0) + (m.value?.length ?? 0);
  const buffer = new ArrayBuffer(tableBytes + dataBytes);
  const table = new Int32Array(buffer, 0, 1 + SLOT * messages.length);
  const data = new Uint8Array(buffer, tableBytes);
  table[0] = messages.length;
  let at = 0;
  let slot = 1;
  for (const { key, value, undecodable } of messages) {
    if (undecodable) {
      table.fill(NONE, slot, slot + SLOT);
      table[slot] = UNDECODABLE;
      slot += SLOT;
      continue;
    }
    for (const part of [key, value]) {
      if (part === null) {
        table[slot++] = NONE;
        table[slot++] = NONE;
      } else {
        data.set(part, at);
        table[slot++] = at;
        table[slot++] = at += part.length;
      }
    }
  }
  return buffer;
}

export interface UnpackedBatch {
  count: number;
  /** Per message: key start, key end, value start, value end (-1: null). */
  table: Int32Array;
  data: Buffer;
}

export function unpackBatch(buffer: ArrayBuffer): UnpackedBatch {
  const count = new Int32Array(buffer, 0, 1)[0]!;
  const table = new Int32Array(buffer, 4, SLOT * count);
  const data = Buffer.from(buffer, 4 * (1 + SLOT * count));
  return { count, table, data };
}

/** The messages back as Buffers (views into the batch), for tests and dead-lettering. */
export function batchMessages(buffer: ArrayBuffer): BatchMessage[] {
  const { count, table, data } = unpackBatch(buffer);
  const part = (start: number, end: number) => (start < 0 ? null : data.subarray(start, end));
  const out: BatchMessage[] = [];
  for (let i = 0; i < count; i++) {
    const s = i * SLOT;
    out.push({ key: part(table[s]!, table[s + 1]!), value: part(table[s + 2]!, table[s + 3]!) });
  }
  return out;
}

export interface ParsedBatch {
  /** The valid events, in batch order. */
  events: ShowEvent[];
  /** The others, by index in the batch. */
  invalid: { index: number; reason: InvalidEventReason }[];
}

// Buffer's own decoder without toString's argument checks (it runs once per message).
const utf8Slice = (
  Buffer.prototype as unknown as { utf8Slice(this: Buffer, start: number, end: number): string }
).utf8Slice;

/**
 * parseShowEvent for every message of a packed batch, same verdicts, less work per message:
 * the common events are read straight from their bytes (plain-events.ts), and a show's
 * messages share one key, decoded once per run of equal keys.
 */
export function parseBatch(buffer: ArrayBuffer, limits: ParseLimits): ParsedBatch {
  const { count, table, data } = unpackBatch(buffer);
  const out: ParsedBatch = { events: [], invalid: [] };
  let lastKey: string | null = null;
  let lastKeyStart = NONE;
  let lastKeyEnd = NONE;
  for (let i = 0; i < count; i++) {
    const s = i * SLOT;
    const ks = table[s]!;
    const ke = table[s + 1]!;
    const vs = table[s + 2]!;
    const ve = table[s + 3]!;
    let result: ShowEvent | InvalidEventReason;
    if (ks === UNDECODABLE) result = 'undecodable';
    else if (vs === NONE) result = 'bad-json';
    else if (ve - vs > limits.maxBytes) result = 'oversized';
    else {
      let key: string | null = null;
      if (ks !== NONE) {
        if (lastKey === null || !sameBytes(data, ks, ke, lastKeyStart, lastKeyEnd)) {
          lastKey = utf8Slice.call(data, ks, ke);
          lastKeyStart = ks;
          lastKeyEnd = ke;
        }
        key = lastKey;
        const plain = readPlainEvent(data, vs, ve, key, ks, ke);
        if (plain) {
          out.events.push(plain);
          continue;
        }
      }
      const text = utf8Slice.call(data, vs, ve);
      result = parseShowEventText(text, mayHaveForbiddenKey(text), key);
    }
    if (typeof result === 'string') out.invalid.push({ index: i, reason: result });
    else out.events.push(result);
  }
  return out;
}
