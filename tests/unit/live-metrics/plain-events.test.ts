// readPlainEvent may only ever accept what JSON.parse and the validator accept, and must then
// give the same event (same fields, same order). Checked on the simulator's stream, on every
// field of the types it reads replaced by odd values, on odd JSON spellings, on every prefix
// of a message and on random byte changes.
import { describe, expect, it } from 'vitest';
import { readPlainEvent } from '../../../main/live-metrics/plain-events';
import { mayHaveForbiddenKey, parseShowEventText } from '../../../main/live-metrics/show-events';
import { AudienceGenerator, seededRandom } from '../../../server/audience/generator';

const SHOW = 'show-1';
const TS = Date.UTC(2025, 5, 1, 18, 0, 0);
const base = { id: 'e1', v: 1, showId: SHOW, ts: TS };
const plain: Record<string, Record<string, unknown>> = {
  joined: { ...base, type: 'viewer.joined', viewerId: 'v1', displayName: 'Ann' },
  joinedNoName: { ...base, type: 'viewer.joined', viewerId: 'v1' },
  left: { ...base, type: 'viewer.left', viewerId: 'v1' },
  reaction: { ...base, type: 'reaction', viewerId: 'v1', reaction: 'heart' },
  chat: { ...base, type: 'chat.message', viewerId: 'v1', text: 'hi' },
  chatAll: {
    ...base,
    type: 'chat.message',
    viewerId: 'v1',
    displayName: 'Host',
    text: 'ñ 🛍️ <b>',
    fromHost: true,
    replyTo: 'e0',
  },
  cartAdd: { ...base, type: 'cart.item_added', viewerId: 'v1', productId: 'p1', qty: 2 },
  cartRemove: { ...base, type: 'cart.item_removed', viewerId: 'v1', productId: 'p1', qty: 1 },
};

/** The message's value in a buffer after its key and before bytes that must not be read. */
function read(value: string | Buffer, key: string | null = SHOW) {
  const keyBytes = Buffer.from(key ?? '');
  const valueBytes = typeof value === 'string' ? Buffer.from(value) : value;
  const data = Buffer.concat([keyBytes, valueBytes, Buffer.from('} "heart"}')]);
  const start = keyBytes.length;
  return readPlainEvent(data, start, start + valueBytes.length, key ?? '', 0, keyBytes.length);
}

/** What the pipeline decides without the fast path. */
function slow(value: string | Buffer, key: string | null = SHOW) {
  const text = Buffer.from(value).toString('utf8');
  return parseShowEventText(text, mayHaveForbiddenKey(text), key);
}

let accepted = 0;
/** The fast path agrees (or leaves the message to the slow one); returns whether it read it. */
function agrees(value: string | Buffer, key: string | null = SHOW): boolean {
  const fast = read(value, key);
  if (fast === null) return false;
  const expected = slow(value, key);
  expect({ value: value.toString(), fast }).toEqual({ value: value.toString(), fast: expected });
  expect(Object.keys(fast)).toEqual(Object.keys(expected as object));
  accepted++;
  return true;
}

describe('readPlainEvent', () => {
  it('reads the simulator stream of the types it knows, exactly as JSON.parse and the validator do', () => {
    const generator = new AudienceGenerator({ showId: SHOW, seed: 3, targetAudience: 500 });
    const known = [
      'viewer.joined',
      'viewer.left',
      'reaction',
      'chat.message',
      'cart.item_added',
      'cart.item_removed',
    ];
    let read = 0;
    let plainOnes = 0;
    for (const event of generator.generate(20_000, TS, TS + 600_000)) {
      const json = JSON.stringify(event);
      if (agrees(json)) read++;
      // Orders are nested, and escapes (a quote in a chat line) are left to JSON.parse.
      if (known.includes(event.type) && !json.includes('\\')) plainOnes++;
    }
    expect(read).toBe(plainOnes);
    expect(read).toBeGreaterThan(19_000);
  });

  it('reads each plain shape, also spaced out and in any field order', () => {
    for (const event of Object.values(plain)) {
      expect(agrees(JSON.stringify(event))).toBe(true);
      expect(agrees(JSON.stringify(event, null, 2))).toBe(true);
      expect(
        agrees(' ' + JSON.stringify(event).replaceAll(',', ' ,\t').replaceAll(':', ' :\r\n') + '\n'),
      ).toBe(true);
      const reversed = Object.fromEntries(Object.entries(event).reverse());
      expect(agrees(JSON.stringify(reversed))).toBe(true);
    }
  });

  it('never accepts a field replaced by an odd value unless the validator does too', () => {
    const odd: unknown[] = [
      null,
      '',
      ' ',
      'x',
      'a b',
      'ñ',
      '\u007f',
      'x'.repeat(32),
      'x'.repeat(33),
      'x'.repeat(128),
      'x'.repeat(129),
      'x'.repeat(200),
      'x'.repeat(201),
      'x'.repeat(2000),
      'x'.repeat(2001),
      'é'.repeat(200),
      'é'.repeat(201),
      '🛍️'.repeat(50),
      '🛍️'.repeat(51),
      -1,
      0,
      1,
      2,
      1.5,
      10_000,
      10_001,
      2 ** 53,
      1e21,
      TS,
      true,
      false,
      [],
      {},
      ['x'],
      { a: 1 },
      SHOW,
      'SHOW-1',
      'reaction',
      'viewer.joined',
      'order.placed',
      '__proto__',
    ];
    for (const event of Object.values(plain)) {
      for (const field of [...Object.keys(event), 'displayName', 'fromHost', 'replyTo', 'qty', 'extra']) {
        for (const value of odd) agrees(JSON.stringify({ ...event, [field]: value }));
        agrees(JSON.stringify({ ...event, [field]: undefined }));
      }
    }
  });

  it('leaves odd JSON spellings to JSON.parse', () => {
    const r = JSON.stringify(plain.reaction);
    const cases: string[] = [
      r.replace(`"ts":${TS}`, `"ts":${TS}.0`),
      r.replace(`"ts":${TS}`, `"ts":${TS / 1000}e3`),
      r.replace(`"ts":${TS}`, `"ts":0${TS}`),
      r.replace(`"ts":${TS}`, `"ts":-${TS}`),
      r.replace('"v":1', '"v":01'),
      r.replace('"v":1', '"v":1.0'),
      r.replace('"v":1', '"v":1e0'),
      r.replace('"v":1', '"v":true'),
      r.replace('"heart"', '"he\\u0061rt"'),
      r.replace('"heart"', '"he\\"art"'),
      r.replace('"heart"', '"he\tart"'),
      r.replace('"heart"', '"he\nart"'),
      r.replace('"viewerId"', '"viewer\\u0049d"'),
      r.replace('"viewerId"', '"__proto__"'),
      r.replace('{', '{"id":"e0",'),
      r.replace('{', '{"__proto__":{"admin":true},'),
      r.replace('}', ',}'),
      r.replace('}', '}}'),
      r.replace('}', '} x'),
      r + r,
      r.replace('{', '['),
      `[${r}]`,
      r.replace(/:/g, '::'),
      r.replace(',', ',,'),
      r.replace(/"/g, "'"),
      '\ufeff' + r,
      '{}',
      '',
      'null',
    ];
    for (const value of cases) agrees(value);
    // Some of these are fine JSON for the slow path, which keeps them.
    expect(read(r.replace('{', '{"id":"e0",'))).toBeNull();
    expect(slow(r.replace('{', '{"id":"e0",'))).toMatchObject({ id: 'e1' });
  });

  it('checks the message key against the showId byte for byte', () => {
    const r = JSON.stringify(plain.reaction);
    expect(agrees(r, SHOW)).toBe(true);
    for (const key of ['show-2', 'SHOW-1', 'show-1 ', 'show-', 'show-11', '', null]) {
      expect(read(r, key)).toBeNull();
      expect(slow(r, key)).toBe('key-mismatch');
    }
  });

  it('refuses bytes that are not UTF-8 in text (JSON.parse would see replacement characters)', () => {
    const r = JSON.stringify(plain.chat);
    const at = Buffer.from(r).indexOf('"hi"') + 1;
    for (const bad of [[0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf0, 0x9f, 0x9b]]) {
      const bytes = Buffer.concat([
        Buffer.from(r).subarray(0, at),
        Buffer.from(bad),
        Buffer.from(r).subarray(at),
      ]);
      expect(read(bytes)).toBeNull();
      agrees(bytes);
    }
    // A replacement character written as such is valid text; the fast path leaves it anyway.
    agrees(JSON.stringify({ ...plain.chat, text: 'a\ufffdb' }));
  });

  it('never accepts a cut-off message, nor one changed at random, unless JSON.parse does too', () => {
    const random = seededRandom(9);
    for (const event of Object.values(plain)) {
      const bytes = Buffer.from(JSON.stringify(event));
      for (let end = 0; end < bytes.length; end++) expect(read(bytes.subarray(0, end))).toBeNull();
      for (let round = 0; round < 2000; round++) {
        const changed = Buffer.from(bytes);
        for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
          changed[Math.floor(random() * changed.length)] =
            random() < 0.5
              ? Math.floor(random() * 256)
              : '{}[]",:\\ 0.e-tu'.charCodeAt(Math.floor(random() * 16));
        }
        agrees(changed);
      }
    }
    expect(accepted).toBeGreaterThan(0);
  });
});
