import { describe, expect, it } from 'vitest';
import { AudienceGenerator, DEFAULT_PRODUCTS, productsInCurrency } from '../../../server/audience/generator';
import { ShowEvent, type ShopperEvent } from '../../../protocol/events';
import { ShowAggregator } from '../../../main/live-metrics/show-aggregator';

const T0 = Date.UTC(2025, 5, 1, 18, 0, 0);

function run(seed: number, pinned: string | null = null, count = 20_000): ShopperEvent[] {
  const gen = new AudienceGenerator({ showId: 'show-1', seed, targetAudience: 300 });
  const events = gen.generate(count / 2, T0, T0 + 60_000);
  gen.setPinned(pinned);
  return events.concat(gen.generate(count / 2, T0 + 60_000, T0 + 120_000));
}

describe('AudienceGenerator', () => {
  it('gives the same events for the same seed and different ones for another', () => {
    expect(run(7)).toEqual(run(7));
    expect(run(8)).not.toEqual(run(7));
  });

  it('produces only valid events with unique ids and ordered timestamps', () => {
    const events = run(7, 'beanie-wool');
    for (const e of events) expect(ShowEvent.safeParse(e).success).toBe(true);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    for (let i = 1; i < events.length; i++) expect(events[i]!.ts).toBeGreaterThanOrEqual(events[i - 1]!.ts);
  });

  it('has every kind of shopper traffic in plausible shares', () => {
    const events = run(7);
    const share = (type: string) => events.filter((e) => e.type === type).length / events.length;
    expect(share('chat.message')).toBeGreaterThan(0.2);
    expect(share('order.placed')).toBeGreaterThan(0.001);
    for (const type of ['viewer.joined', 'viewer.left', 'reaction', 'cart.item_added', 'cart.item_removed']) {
      expect(share(type)).toBeGreaterThan(0);
    }
    expect(share('order.refunded') + share('order.cancelled')).toBeGreaterThan(0);
    const chats = events.filter((e) => e.type === 'chat.message').map((e) => e.text);
    const spam = chats.filter((t) => /hxxp|replicas|bit\.ly/.test(t)).length / chats.length;
    expect(spam).toBeGreaterThan(0.03);
    expect(spam).toBeLessThan(0.1);
    const orders = events.filter((e) => e.type === 'order.placed');
    const bnpl = orders.filter((o) => o.payment.method === 'bnpl').length / orders.length;
    expect(bnpl).toBeGreaterThan(0.12);
    expect(bnpl).toBeLessThan(0.32);
  });

  it('sells more of the pinned product while it is pinned', () => {
    const unitsOf = (events: ShopperEvent[], productId: string) => {
      const agg = new ShowAggregator('show-1');
      for (const e of events) agg.apply(e);
      return agg.snapshot().products.find((p) => p.productId === productId)?.units ?? 0;
    };
    const product = DEFAULT_PRODUCTS[2]!.id;
    expect(unitsOf(run(7, product), product)).toBeGreaterThan(2 * unitsOf(run(7, null), product));
  });

  it('keeps the audience near its target', () => {
    const gen = new AudienceGenerator({ showId: 's', seed: 1, targetAudience: 200 });
    gen.generate(50_000, T0, T0 + 600_000);
    expect(gen.audience).toBeGreaterThan(120);
    expect(gen.audience).toBeLessThan(280);
  });

  it('lets shoppers buy only what is priced in the show currency', () => {
    const mixed = [...DEFAULT_PRODUCTS, { id: 'kimono', priceMinor: 12000, currency: 'JPY' }];
    expect(productsInCurrency(mixed, 'JPY').map((p) => p.id)).toEqual(['kimono']);
    expect(productsInCurrency(mixed, undefined)).toEqual(mixed);
    expect(() => productsInCurrency(mixed, 'GBP')).toThrow('no product in the catalog is priced in GBP');
  });

  it('stops selling a sold-out product until it is back in stock', () => {
    const product = DEFAULT_PRODUCTS[0]!.id;
    const gen = new AudienceGenerator({ showId: 'show-1', seed: 5, targetAudience: 300 });
    gen.generate(5000, T0, T0 + 30_000);
    gen.setPinned(product);
    gen.setSoldOut(product, true);
    const during = gen.generate(10_000, T0 + 30_000, T0 + 90_000);
    const touches = (events: ShopperEvent[]) =>
      events.filter(
        (e) =>
          (e.type === 'cart.item_added' && e.productId === product) ||
          (e.type === 'order.placed' && e.lines.some((l) => l.productId === product)),
      ).length;
    expect(during.some((e) => e.type === 'order.placed')).toBe(true);
    expect(touches(during)).toBe(0);
    gen.setSoldOut(product, false);
    expect(touches(gen.generate(10_000, T0 + 90_000, T0 + 150_000))).toBeGreaterThan(0);
  });
});
