import { describe, expect, it } from 'vitest';
import { ShowAggregator } from '../../../main/live-metrics/show-aggregator';
import { ShowMetricsSnapshot } from '../../../protocol/metrics';
import { isShopperEvent, type OrderLine, type PaymentMethod, type ShowEvent } from '../../../protocol/events';

const T0 = Date.UTC(2025, 5, 1, 18, 0, 0);
const at = (s: number) => T0 + s * 1000;
let n = 0;
const ev = <E extends Omit<ShowEvent, 'id' | 'v' | 'showId'>>(e: E, id = `e${++n}`) =>
  ({ id, v: 1, showId: 'show-1', ...e }) as unknown as ShowEvent;
const join = (s: number, viewerId: string) => ev({ type: 'viewer.joined', ts: at(s), viewerId });
const orderEvent = (
  s: number,
  orderId: string,
  viewerId: string,
  lines: OrderLine[],
  method: PaymentMethod,
  provider?: string,
  currency = 'USD',
) =>
  ev({
    type: 'order.placed',
    ts: at(s),
    viewerId,
    orderId,
    lines,
    totalMinor: lines.reduce((sum, l) => sum + l.qty * l.unitPriceMinor, 0),
    currency,
    payment: provider ? { method, provider } : { method },
  });
const p1 = (qty: number): OrderLine => ({ productId: 'p1', qty, unitPriceMinor: 1000 });
const p2 = (qty: number): OrderLine => ({ productId: 'p2', qty, unitPriceMinor: 500 });

function script(): ShowEvent[] {
  n = 0;
  const chat = ev({ type: 'chat.message', ts: at(4), viewerId: 'v1', text: '<b>hi</b>' });
  const o1 = orderEvent(12, 'o1', 'v1', [p1(2), p2(1)], 'card', 'visa');
  return [
    ev({ type: 'show.started', ts: at(0), currency: 'USD' }),
    join(1, 'v1'),
    join(2, 'v2'),
    join(3, 'v3'),
    chat,
    chat, // redelivered: same event id
    ev({ type: 'cart.item_added', ts: at(5), viewerId: 'v1', productId: 'p1', qty: 2 }),
    ev({ type: 'product.pinned', ts: at(10), productId: 'p1' }),
    o1,
    { ...o1, id: 'retry-of-o1' }, // producer retry with a new event id: same order id
    o1, // redelivered
    orderEvent(15, 'o2', 'v2', [p2(1)], 'bnpl', 'klarna'),
    ev({ type: 'product.pinned', ts: at(20), productId: 'p2' }), // replaces p1
    orderEvent(25, 'o3', 'v3', [p2(3)], 'bnpl', 'afterpay'),
    ev({ type: 'product.unpinned', ts: at(30), productId: 'p2' }),
    ev({ type: 'marker', ts: at(35), label: 'giveaway' }),
    orderEvent(40, 'o4', 'v1', [p1(1)], 'wallet', 'apple_pay'),
    ev({ type: 'viewer.left', ts: at(41), viewerId: 'v2' }),
    ev({
      type: 'order.refunded',
      ts: at(50),
      viewerId: 'v1',
      orderId: 'o1',
      amountMinor: 1000,
      currency: 'USD',
    }),
    ev({ type: 'order.cancelled', ts: at(51), viewerId: 'v1', orderId: 'o4' }),
    ev({ type: 'order.cancelled', ts: at(51), viewerId: 'v1', orderId: 'o4' }), // second cancel: no effect
    orderEvent(52, 'o5', 'v5', [p1(1)], 'card', undefined, 'EUR'),
    join(52, 'v4'),
    ev({ type: 'product.sold_out', ts: at(53), productId: 'p2' }),
  ];
}

function run(events: ShowEvent[]) {
  const agg = new ShowAggregator('show-1');
  for (const e of events) agg.apply(e);
  return agg.snapshot();
}

describe('ShowAggregator', () => {
  it('computes exact figures for a scripted show', () => {
    const snap = run(script());
    expect(ShowMetricsSnapshot.parse(snap)).toEqual(snap);
    expect(snap.status).toBe('live');
    expect(snap.currency).toBe('USD');
    expect(snap.asOf).toBe(at(53));
    expect(snap.events).toEqual({ accepted: 21, duplicates: 3 });
    expect(snap.viewers).toEqual({ current: 3, peak: 3, unique: 5, estimated: false });
    expect(snap.chat).toEqual({ messages: 1, perMinute: 1 });
    expect(snap.cart).toEqual({ adds: 1, removes: 0, addsPerMinute: 1 });
    expect(snap.orders).toEqual({
      count: 4,
      perMinute: 4,
      units: 8,
      buyers: 3,
      grossRevenueMinor: 5500,
      revenuePerMinuteMinor: 5500,
      netRevenueMinor: 5500 - 1000 - 1000,
      aovMinor: 1375,
      conversion: 3 / 5,
      bnplOrderShare: 0.5,
      bnplRevenueShare: 2000 / 5500,
      cancelled: { count: 1, amountMinor: 1000 },
      refunds: { count: 1, amountMinor: 1000 },
      otherCurrency: 1,
      otherCurrencies: [{ currency: 'EUR', orders: 1, grossMinor: 1000 }],
    });
    expect(snap.products).toEqual([
      { productId: 'p1', cartAdds: 1, orders: 2, units: 3, revenueMinor: 3000, soldOut: false },
      { productId: 'p2', cartAdds: 0, orders: 3, units: 5, revenueMinor: 2500, soldOut: true },
    ]);
    expect(snap.pinnedProductId).toBeNull();
    expect(snap.pins).toEqual([
      {
        productId: 'p1',
        pinnedAt: at(10),
        unpinnedAt: at(20),
        productOrders: 1,
        productUnits: 2,
        productRevenueMinor: 2000,
        windowOrders: 2,
        windowRevenueMinor: 3000,
      },
      {
        productId: 'p2',
        pinnedAt: at(20),
        unpinnedAt: at(30),
        productOrders: 1,
        productUnits: 3,
        productRevenueMinor: 1500,
        windowOrders: 1,
        windowRevenueMinor: 1500,
      },
    ]);
    expect(snap.markers).toEqual([{ ts: at(35), label: 'giveaway' }]);
  });

  it('keeps per-second series ending at the show clock', () => {
    const { series } = run(script());
    const i = (s: number) => Math.floor(at(s) / 1000) - series.startSecond;
    expect(series.viewers).toHaveLength(300);
    expect(series.startSecond + 299).toBe(Math.floor(at(53) / 1000));
    expect(series.viewers[i(0)]).toBe(0);
    expect(series.viewers[i(3)]).toBe(3);
    expect(series.viewers[i(45)]).toBe(2); // carried from second 41
    expect(series.viewers[i(53)]).toBe(3);
    expect(series.orders[i(12)]).toBe(1);
    expect(series.revenueMinor[i(25)]).toBe(1500);
    expect(series.revenueMinor.reduce((a, b) => a + b, 0)).toBe(5500);
    expect(series.chat[i(4)]).toBe(1);
  });

  it('gives the same snapshot when the studio topic lags behind the shopper topic', () => {
    const events = script();
    const shopperFirst = [...events.filter(isShopperEvent), ...events.filter((e) => !isShopperEvent(e))];
    expect(run(shopperFirst)).toEqual(run(events));
  });

  it('counts money in the currency show.started declares, even when a foreign order is read first', () => {
    const events = script();
    const foreign = events.find((e) => e.type === 'order.placed' && e.currency === 'EUR')!;
    const shoppers = events.filter((e) => isShopperEvent(e) && e !== foreign);
    const studio = events.filter((e) => !isShopperEvent(e));
    const agg = new ShowAggregator('show-1');
    for (const e of [foreign, ...shoppers]) agg.apply(e);
    expect(agg.snapshot().currency).toBe('EUR'); // provisional, until show.started is read
    expect(agg.snapshot().orders.count).toBe(1);
    for (const e of studio) agg.apply(e);
    expect(agg.snapshot()).toEqual(run(events));
  });

  it('keeps the first order currency when show.started never comes within the money budget', () => {
    n = 0;
    const agg = new ShowAggregator('show-1', { maxProvisionalMoneyEvents: 1 });
    agg.apply(orderEvent(1, 'o1', 'v1', [p1(1)], 'card', undefined, 'EUR'));
    agg.apply(orderEvent(2, 'o2', 'v2', [p1(1)], 'card'));
    agg.apply(ev({ type: 'show.started', ts: at(0), currency: 'USD' }));
    const { currency, orders } = agg.snapshot();
    expect(currency).toBe('EUR');
    expect([orders.count, orders.otherCurrency]).toEqual([1, 1]);
  });

  it('clears a sold-out mark when the product is back in stock', () => {
    n = 0;
    const agg = new ShowAggregator('show-1');
    agg.apply(ev({ type: 'product.sold_out', ts: at(1), productId: 'p1' }));
    expect(agg.snapshot().products).toMatchObject([{ productId: 'p1', soldOut: true }]);
    agg.apply(ev({ type: 'product.back_in_stock', ts: at(2), productId: 'p1' }));
    expect(agg.snapshot().products).toMatchObject([{ productId: 'p1', soldOut: false }]);
  });

  it('starts a pin window at the pin and attributes orders of the pinned product', () => {
    n = 0;
    const agg = new ShowAggregator('show-1');
    agg.apply(ev({ type: 'product.pinned', ts: at(0), productId: 'p2' }));
    agg.apply(orderEvent(1, 'a', 'v1', [p1(1), p2(2)], 'card'));
    const snap = agg.snapshot();
    expect(snap.status).toBe('pending');
    expect(snap.pinnedProductId).toBe('p2');
    expect(snap.pins[0]).toMatchObject({
      unpinnedAt: null,
      productOrders: 1,
      productUnits: 2,
      productRevenueMinor: 1000,
    });
    expect(snap.pins[0]).toMatchObject({ windowOrders: 1, windowRevenueMinor: 2000 });
  });

  it('ignores other shows and never refunds more than an order is worth', () => {
    n = 0;
    const agg = new ShowAggregator('show-1');
    agg.apply(orderEvent(1, 'a', 'v1', [p1(1)], 'card'));
    expect(agg.apply({ ...orderEvent(2, 'b', 'v1', [p1(1)], 'card'), showId: 'show-2' } as ShowEvent)).toBe(
      'other-show',
    );
    for (const s of [3, 4]) {
      agg.apply(
        ev({
          type: 'order.refunded',
          ts: at(s),
          viewerId: 'v1',
          orderId: 'a',
          amountMinor: 800,
          currency: 'USD',
        }),
      );
    }
    const snap = agg.snapshot();
    expect(snap.orders.refunds).toEqual({ count: 2, amountMinor: 1000 });
    expect(snap.orders.netRevenueMinor).toBe(0);
  });

  it('remembers event ids for the dedupe window, with bounded memory', () => {
    n = 0;
    const agg = new ShowAggregator('show-1', { dedupeWindowMs: 60_000, dedupeMaxIds: 1_000_000 });
    const chat = (s: number, id: string) =>
      ev({ type: 'chat.message', ts: at(s), viewerId: 'v', text: 'x' }, id);
    agg.apply(chat(0, 'a'));
    expect(agg.apply(chat(59, 'a'))).toBe('duplicate');
    agg.apply(chat(61, 'b')); // starts a new generation: 'a' is still in the previous one
    expect(agg.apply(chat(62, 'a'))).toBe('duplicate');
    agg.apply(chat(130, 'c')); // two windows later 'a' is forgotten
    expect(agg.apply(chat(131, 'a'))).toBe('applied');

    const small = new ShowAggregator('show-1', { dedupeMaxIds: 4 });
    for (const id of ['1', '2', '3', '4', '5']) small.apply(chat(0, id));
    expect(small.apply(chat(0, '5'))).toBe('duplicate');
    expect(small.apply(chat(0, '1'))).toBe('applied'); // evicted by the id budget
  });

  it('keeps viewers in at most 32 bytes each, exact up to the limit, then estimates and says so', () => {
    n = 0;
    const agg = new ShowAggregator('show-1', { dedupeWindowMs: 1 });
    const viewers = 200_000;
    for (let i = 0; i < viewers; i++) agg.apply(join(i / 1000, `shopper-${i}`));
    const exact = agg.snapshot().viewers;
    expect(exact).toEqual({ current: viewers, peak: viewers, unique: viewers, estimated: false });
    expect(agg.viewerBytes / viewers).toBeLessThanOrEqual(32);

    const small = new ShowAggregator('show-1', { maxExactViewers: 1000 });
    for (let i = 0; i < 20_000; i++) small.apply(join(i / 1000, `shopper-${i}`));
    for (let i = 0; i < 20_000; i += 2)
      small.apply(ev({ type: 'viewer.left', ts: at(30), viewerId: `shopper-${i}` }));
    const estimated = small.snapshot().viewers;
    expect(estimated.estimated).toBe(true);
    expect(Math.abs(estimated.unique - 20_000) / 20_000).toBeLessThan(0.03);
    expect(estimated.current).toBe(10_000); // joins minus leaves
    expect(small.viewerBytes).toBeLessThan(64 * 1024);
  });

  it('attributes orders to pin windows incrementally, as a recount of every window would, in any topic order', () => {
    n = 0;
    // 200 pins over 2 000 orders in 500 s; the studio topic read late (within the 10 minutes an
    // order waits for it), early and interleaved.
    const studio: ShowEvent[] = [ev({ type: 'show.started', ts: at(0), currency: 'USD' })];
    const shoppers: ShowEvent[] = [];
    for (let k = 0; k < 200; k++) {
      studio.push(ev({ type: 'product.pinned', ts: at(1 + k * 10), productId: `p${k % 7}` }));
      if (k % 9 === 0)
        studio.push(ev({ type: 'product.unpinned', ts: at(6 + k * 10), productId: `p${k % 7}` }));
    }
    for (let i = 0; i < 2000; i++) {
      const lines = [{ productId: `p${i % 7}`, qty: 1 + (i % 3), unitPriceMinor: 100 }];
      shoppers.push(orderEvent(i / 4 + 0.1, `o${i}`, `v${i % 50}`, lines, 'card'));
    }
    const reference = bruteForcePins([...studio, ...shoppers]);
    const interleaved = [...studio, ...shoppers].sort((a, b) => a.ts - b.ts);
    for (const order of [
      [...shoppers, ...studio], // studio topic far behind
      [...studio, ...shoppers], // studio topic ahead
      interleaved,
    ]) {
      const agg = new ShowAggregator('show-1', { snapshotPins: 1000 });
      for (const e of order) agg.apply(e);
      const snap = agg.snapshot();
      expect(snap.pins).toEqual(reference);
      expect(snap.pinsTotal).toBe(200);
    }
  });

  it('caps what a snapshot carries and says how much there is', () => {
    n = 0;
    const agg = new ShowAggregator('show-1');
    for (let k = 0; k < 300; k++) {
      agg.apply(ev({ type: 'product.pinned', ts: at(k), productId: `p${k}` }));
      agg.apply(ev({ type: 'marker', ts: at(k), label: `m${k}` }));
    }
    const snap = agg.snapshot();
    expect([snap.pins.length, snap.pinsTotal]).toEqual([100, 300]);
    expect(snap.pins.at(-1)?.productId).toBe('p299');
    expect([snap.markers.length, snap.markersTotal]).toEqual([100, 300]);
    expect([snap.products.length, snap.productsTotal]).toEqual([0, 0]);
    expect(JSON.stringify(snap).length).toBeLessThan(64 * 1024);
  });
});

/** Every window recomputed from all orders: what incremental attribution must agree with. */
function bruteForcePins(events: ShowEvent[]) {
  const windows: { productId: string; pinnedAt: number; unpinnedAt: number | null }[] = [];
  for (const e of events) {
    const open = windows.at(-1)?.unpinnedAt === null ? windows.at(-1) : undefined;
    if (e.type === 'product.pinned' && open?.productId !== e.productId) {
      if (open) open.unpinnedAt = e.ts;
      windows.push({ productId: e.productId, pinnedAt: e.ts, unpinnedAt: null });
    } else if (e.type === 'product.unpinned' && open?.productId === e.productId) open.unpinnedAt = e.ts;
  }
  const orders = events.filter((e) => e.type === 'order.placed');
  return windows.map((w) => {
    const inside = orders.filter((o) => o.ts >= w.pinnedAt && (w.unpinnedAt === null || o.ts < w.unpinnedAt));
    const lines = inside.flatMap((o) => o.lines.filter((l) => l.productId === w.productId));
    return {
      ...w,
      productOrders: inside.filter((o) => o.lines.some((l) => l.productId === w.productId)).length,
      productUnits: lines.reduce((sum, l) => sum + l.qty, 0),
      productRevenueMinor: lines.reduce((sum, l) => sum + l.qty * l.unitPriceMinor, 0),
      windowOrders: inside.length,
      windowRevenueMinor: inside.reduce((sum, o) => sum + o.totalMinor, 0),
    };
  });
}
