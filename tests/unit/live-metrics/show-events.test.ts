import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ShowEvent } from '../../../protocol/events';
import { packBatch, parseBatch } from '../../../main/live-metrics/show-batch';
import {
  DEFAULT_PARSE_LIMITS,
  parseShowEvent,
  validateShowEvent,
} from '../../../main/live-metrics/show-events';

const TS = Date.UTC(2025, 5, 1, 18, 0, 0);
const base = { id: 'e1', v: 1, showId: 'show-1', ts: TS };
const order = {
  ...base,
  type: 'order.placed',
  viewerId: 'v1',
  orderId: 'o1',
  lines: [{ productId: 'p1', qty: 2, unitPriceMinor: 1999 }],
  totalMinor: 3998,
  currency: 'USD',
  payment: { method: 'bnpl', provider: 'klarna' },
};
const chat = { ...base, type: 'chat.message', viewerId: 'v1', text: 'hi' };

const valid: Record<string, object> = {
  'viewer.joined': { ...base, type: 'viewer.joined', viewerId: 'v1', displayName: 'Ann' },
  'viewer.left': { ...base, type: 'viewer.left', viewerId: 'v1' },
  'chat.message': chat,
  reaction: { ...base, type: 'reaction', viewerId: 'v1', reaction: 'heart' },
  'cart.item_added': { ...base, type: 'cart.item_added', viewerId: 'v1', productId: 'p1', qty: 1 },
  'cart.item_removed': { ...base, type: 'cart.item_removed', viewerId: 'v1', productId: 'p1', qty: 1 },
  'order.placed': order,
  'order.cancelled': { ...base, type: 'order.cancelled', viewerId: 'v1', orderId: 'o1' },
  'order.refunded': {
    ...base,
    type: 'order.refunded',
    viewerId: 'v1',
    orderId: 'o1',
    amountMinor: 100,
    currency: 'USD',
  },
  'show.started': { ...base, type: 'show.started', currency: 'EUR', title: 'Spring drop' },
  'show.ended': { ...base, type: 'show.ended' },
  'product.pinned': { ...base, type: 'product.pinned', productId: 'p1' },
  'product.unpinned': { ...base, type: 'product.unpinned', productId: 'p1' },
  'product.sold_out': { ...base, type: 'product.sold_out', productId: 'p1' },
  marker: { ...base, type: 'marker', label: 'giveaway' },
  'moderation.decision': {
    ...base,
    type: 'moderation.decision',
    action: 'message_hidden',
    targetViewerId: 'v9',
    messageEventId: 'e7',
    decidedBy: { kind: 'moderator', id: 'mod-1' },
  },
};

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const parse = (v: Buffer | null, key?: string | null) => parseShowEvent(v, DEFAULT_PARSE_LIMITS, key);
const reasonOf = (v: Buffer | null, key?: string | null) => {
  const r = parse(v, key);
  return r.ok ? 'ok' : r.reason;
};

describe('parseShowEvent accepts every event type', () => {
  for (const [type, event] of Object.entries(valid)) {
    it(type, () => {
      const r = parse(json(event), 'show-1');
      expect(r).toEqual({ ok: true, event });
    });
  }
});

// [description, payload bytes, key, expected reason]
const raw = (s: string) => Buffer.from(s);
const hostile: [string, Buffer | null, string | null | undefined, string][] = [
  ['null value (tombstone)', null, 'show-1', 'bad-json'],
  ['empty value', raw(''), 'show-1', 'bad-json'],
  ['truncated JSON', raw('{"id":"e1","type":"chat.mess'), 'show-1', 'bad-json'],
  ['trailing garbage', raw(JSON.stringify(chat) + 'x'), 'show-1', 'bad-json'],
  ['NaN literal', raw(JSON.stringify(chat).replace(String(TS), 'NaN')), 'show-1', 'bad-json'],
  ['Infinity literal', raw(JSON.stringify(chat).replace(String(TS), 'Infinity')), 'show-1', 'bad-json'],
  ['single quotes', raw("{'type':'chat.message'}"), 'show-1', 'bad-json'],
  ['comments', raw('/* hi */' + JSON.stringify(chat)), 'show-1', 'bad-json'],
  ['binary garbage', Buffer.from([0xff, 0xfe, 0x00, 0x01]), 'show-1', 'bad-json'],
  ['oversized payload', json({ ...chat, text: 'x'.repeat(70_000) }), 'show-1', 'oversized'],
  ['oversized padding of whitespace', raw(' '.repeat(65_537) + JSON.stringify(chat)), 'show-1', 'oversized'],
  ['JSON array', json([chat]), 'show-1', 'schema'],
  ['JSON string', json('chat'), 'show-1', 'schema'],
  ['JSON number', raw('42'), 'show-1', 'schema'],
  ['JSON null', raw('null'), 'show-1', 'schema'],
  ['missing type', json({ ...chat, type: undefined }), 'show-1', 'schema'],
  ['numeric type', json({ ...chat, type: 7 }), 'show-1', 'schema'],
  ['unknown type', json({ ...chat, type: 'chat.deleted' }), 'show-1', 'unknown-type'],
  ['type is an Object.prototype name', json({ ...chat, type: 'toString' }), 'show-1', 'unknown-type'],
  ['type __proto__', json({ ...chat, type: '__proto__' }), 'show-1', 'unknown-type'],
  ['future version', json({ ...chat, v: 2 }), 'show-1', 'future-version'],
  ['far future version', json({ ...order, v: 99 }), 'show-1', 'future-version'],
  ['version zero', json({ ...chat, v: 0 }), 'show-1', 'schema'],
  ['fractional version', json({ ...chat, v: 1.5 }), 'show-1', 'schema'],
  ['version as string', json({ ...chat, v: '1' }), 'show-1', 'schema'],
  ['missing id', json({ ...chat, id: undefined }), 'show-1', 'schema'],
  ['empty id', json({ ...chat, id: '' }), 'show-1', 'schema'],
  ['id with newline', json({ ...chat, id: 'e1\nDROP' }), 'show-1', 'schema'],
  ['id too long', json({ ...chat, id: 'e'.repeat(129) }), 'show-1', 'schema'],
  ['missing showId', json({ ...chat, showId: undefined }), 'show-1', 'schema'],
  ['timestamp as ISO string', json({ ...chat, ts: '2025-06-01T18:00:00Z' }), 'show-1', 'schema'],
  ['timestamp in seconds', json({ ...chat, ts: Math.floor(TS / 1000) }), 'show-1', 'schema'],
  [
    'timestamp overflow to Infinity',
    raw(JSON.stringify(chat).replace(String(TS), '1e999')),
    'show-1',
    'schema',
  ],
  ['fractional timestamp', json({ ...chat, ts: TS + 0.5 }), 'show-1', 'schema'],
  ['negative timestamp', json({ ...chat, ts: -1 }), 'show-1', 'schema'],
  [
    '__proto__ key at top level',
    raw(JSON.stringify(chat).replace('{', '{"__proto__":{"admin":true},')),
    'show-1',
    'schema',
  ],
  [
    'escaped __proto__ key',
    raw(JSON.stringify(chat).replace('{', '{"\\u005f_proto__":{"admin":true},')),
    'show-1',
    'schema',
  ],
  [
    'constructor key',
    raw(JSON.stringify(chat).replace('{', '{"constructor":{"prototype":{}},')),
    'show-1',
    'schema',
  ],
  [
    '__proto__ inside payment',
    raw(JSON.stringify(order).replace('"method"', '"__proto__":{"x":1},"method"')),
    'show-1',
    'schema',
  ],
  [
    'prototype inside an order line',
    raw(JSON.stringify(order).replace('"qty"', '"prototype":1,"qty"')),
    'show-1',
    'schema',
  ],
  [
    'deeply nested unknown field',
    json({ ...chat, extra: JSON.parse('['.repeat(20) + ']'.repeat(20)) }),
    'show-1',
    'schema',
  ],
  ['empty chat text', json({ ...chat, text: '' }), 'show-1', 'schema'],
  ['chat text too long', json({ ...chat, text: 'a'.repeat(2001) }), 'show-1', 'schema'],
  ['chat text as object', json({ ...chat, text: { html: '<b>' } }), 'show-1', 'schema'],
  [
    'negative quantity',
    json({ ...order, lines: [{ productId: 'p1', qty: -2, unitPriceMinor: 100 }] }),
    'show-1',
    'schema',
  ],
  ['zero quantity', json({ ...valid['cart.item_added'], qty: 0 }), 'show-1', 'schema'],
  ['fractional quantity', json({ ...valid['cart.item_added'], qty: 1.5 }), 'show-1', 'schema'],
  ['huge quantity', json({ ...valid['cart.item_added'], qty: 1e9 }), 'show-1', 'schema'],
  [
    'negative price',
    json({ ...order, lines: [{ productId: 'p1', qty: 1, unitPriceMinor: -1 }] }),
    'show-1',
    'schema',
  ],
  ['price as decimal string', json({ ...order, totalMinor: '39.98' }), 'show-1', 'schema'],
  ['fractional minor amount', json({ ...order, totalMinor: 39.98 }), 'show-1', 'schema'],
  ['amount beyond exact doubles', json({ ...order, totalMinor: 2 ** 60 }), 'show-1', 'schema'],
  ['lowercase currency', json({ ...order, currency: 'usd' }), 'show-1', 'schema'],
  ['currency symbol', json({ ...order, currency: '$' }), 'show-1', 'schema'],
  ['made-up currency', json({ ...order, currency: 'ZZQ' }), 'show-1', 'schema'],
  [
    'refund with wrong currency code',
    json({ ...valid['order.refunded'], currency: 'US$' }),
    'show-1',
    'schema',
  ],
  ['zero refund', json({ ...valid['order.refunded'], amountMinor: 0 }), 'show-1', 'schema'],
  ['order without lines', json({ ...order, lines: [] }), 'show-1', 'schema'],
  ['order with 101 lines', json({ ...order, lines: Array(101).fill(order.lines[0]) }), 'show-1', 'schema'],
  ['order line as string', json({ ...order, lines: ['p1'] }), 'show-1', 'schema'],
  ['unknown payment method', json({ ...order, payment: { method: 'crypto' } }), 'show-1', 'schema'],
  ['BNPL without provider', json({ ...order, payment: { method: 'bnpl' } }), 'show-1', 'schema'],
  ['payment as string', json({ ...order, payment: 'card' }), 'show-1', 'schema'],
  [
    'show.started without currency',
    json({ ...valid['show.started'], currency: undefined }),
    'show-1',
    'schema',
  ],
  [
    'hide without message id',
    json({ ...valid['moderation.decision'], messageEventId: undefined }),
    'show-1',
    'schema',
  ],
  [
    'unknown moderation action',
    json({ ...valid['moderation.decision'], action: 'user_deleted' }),
    'show-1',
    'schema',
  ],
  [
    'moderation without decider',
    json({ ...valid['moderation.decision'], decidedBy: undefined }),
    'show-1',
    'schema',
  ],
  ['marker label too long', json({ ...valid.marker, label: 'm'.repeat(201) }), 'show-1', 'schema'],
  ['key differs from showId', json(chat), 'show-2', 'key-mismatch'],
  ['message without key', json(chat), null, 'key-mismatch'],
  ['key differs only by case', json(chat), 'SHOW-1', 'key-mismatch'],
];

describe('parseShowEvent refuses malformed and hostile payloads', () => {
  it('has at least 50 cases', () => expect(hostile.length).toBeGreaterThanOrEqual(50));
  for (const [what, payload, key, reason] of hostile) {
    it(`${what} → ${reason}`, () => expect(reasonOf(payload, key)).toBe(reason));
  }
});

describe('parseBatch (the pipeline worker) gives the same verdicts as parseShowEvent', () => {
  const cases: [string, Buffer | null, string | null | undefined][] = [
    ...Object.entries(valid).map(([type, event]): [string, Buffer, string] => [type, json(event), 'show-1']),
    ...hostile.map(([what, payload, key]): [string, Buffer | null, string | null | undefined] => [
      what,
      payload,
      key,
    ]),
    ['chat with emoji', json({ ...chat, text: 'ñ 🛍️' }), 'show-1'],
    ['key of another show', json(chat), 'show-2'],
    ['key with multibyte bytes', json(chat), 'shöw-1'],
  ];
  // parseBatch reads the key from the message; "no key given" does not exist on the wire.
  const onWire = cases.filter(([, , key]) => key !== undefined);
  const verdict = (r: ReturnType<typeof parseShowEvent>) => (r.ok ? r.event : r.reason);
  const batchVerdicts = (list: typeof onWire) => {
    const { events, invalid } = parseBatch(
      packBatch(list.map(([, value, key]) => ({ value, key: key === null ? null : Buffer.from(key!) }))),
      DEFAULT_PARSE_LIMITS,
    );
    const out: unknown[] = [];
    const reasons = new Map(invalid.map((i) => [i.index, i.reason]));
    let next = 0;
    for (let i = 0; i < list.length; i++) out.push(reasons.get(i) ?? events[next++]);
    expect(next).toBe(events.length);
    return out;
  };

  it('all in one batch (hostile words elsewhere in the batch)', () => {
    expect(batchVerdicts(onWire)).toEqual(onWire.map(([, value, key]) => verdict(parse(value, key))));
  });

  it('each in a batch of its own (no hostile words elsewhere)', () => {
    for (const c of onWire) expect([c[0], ...batchVerdicts([c])]).toEqual([c[0], verdict(parse(c[1], c[2]))]);
  });

  it('alternating keys are each checked (the decoded key is reused only for equal bytes)', () => {
    const list: typeof onWire = [
      ['a', json(chat), 'show-1'],
      ['b', json(chat), 'show-2'],
      ['c', json(chat), 'show-1'],
      ['d', json(chat), 'show-x'],
      ['e', json(chat), null],
    ];
    expect(batchVerdicts(list)).toEqual([chat, 'key-mismatch', chat, 'key-mismatch', 'key-mismatch']);
  });
});

describe('parseShowEvent keeps untrusted text as text', () => {
  const texts = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '"; DROP TABLE orders; --',
    '{{constructor.constructor("x")()}}',
    'ñ 🛍️ \u202e reversed',
    '__proto__',
  ];
  for (const text of texts) {
    it(JSON.stringify(text), () => {
      const r = parse(json({ ...chat, text }), 'show-1');
      expect(r.ok && r.event.type === 'chat.message' && r.event.text).toBe(text);
    });
  }

  it('drops unknown fields (forward compatible) and does not pollute prototypes', () => {
    const r = parse(raw(JSON.stringify({ ...chat, emoji: 'x', nested: { a: 1 } })), 'show-1');
    expect(r).toEqual({ ok: true, event: chat });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('checks the key only when one is given', () => {
    expect(reasonOf(json(chat))).toBe('ok');
  });
});

describe('fast validator agrees with the zod schemas', () => {
  // Every valid event, and each one with every field replaced by odd values.
  const odd: unknown[] = [undefined, null, '', 'x', -1, 0, 1, 1.5, 2 ** 60, true, [], {}, 'USD', 'bnpl', TS];
  const cases: Record<string, unknown>[] = [];
  for (const event of Object.values(valid)) {
    cases.push(event as Record<string, unknown>);
    for (const key of Object.keys(event)) {
      for (const value of odd) cases.push({ ...event, [key]: value });
    }
  }
  for (const value of odd) {
    cases.push(
      { ...order, payment: { method: value } },
      { ...order, payment: { method: 'card', provider: value } },
    );
    cases.push({ ...order, lines: [{ productId: 'p', qty: value, unitPriceMinor: 1 }] });
    cases.push({ ...order, lines: [{ productId: value, qty: 1, unitPriceMinor: value }] });
    cases.push({ ...valid['moderation.decision'], decidedBy: { kind: value, id: 'm' } });
  }

  // As on the wire: an absent field and an undefined one are the same.
  const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

  it(`on ${cases.length} variants`, () => {
    let disagreements = 0;
    for (const c of cases) {
      const fast = validateShowEvent(c);
      const zod = ShowEvent.safeParse(c);
      if (
        (fast === null) !== !zod.success ||
        (zod.success && !isDeepStrictEqual(plain(fast), plain(zod.data)))
      ) {
        disagreements++;
        expect.soft({ input: c, fast, zod: zod.success ? zod.data : zod.error.issues[0] }).toBeUndefined();
      }
    }
    expect(disagreements).toBe(0);
  });
});
