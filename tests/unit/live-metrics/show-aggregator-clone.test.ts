// ShowAggregator.clone(): a copy taken anywhere in a show continues exactly like the
// original, and feeding one never changes the other (replay checkpoints rely on both).
import { describe, expect, it } from 'vitest';
import { ShowAggregator } from '../../../main/live-metrics/show-aggregator';
import { AudienceGenerator } from '../../../server/audience/generator';
import type { ShowEvent } from '../../../protocol/events';

const SHOW = 'show-clone';
const T0 = Date.UTC(2025, 5, 1, 18, 0, 0);

/** A busy show: shoppers from the simulator, with pins, markers, a duplicate and show end. */
function showEvents(): ShowEvent[] {
  const generator = new AudienceGenerator({ showId: SHOW, seed: 11, runId: 'clone', targetAudience: 300 });
  const studio = (type: string, s: number, extra: object): ShowEvent =>
    ({ id: `studio-${type}-${s}`, v: 1, showId: SHOW, ts: T0 + s * 1000, type, ...extra }) as ShowEvent;
  const events: ShowEvent[] = [studio('show.started', 0, { currency: 'USD' })];
  for (let s = 0; s < 600; s += 10) {
    if (s % 60 === 0) {
      const productId = ['sunglasses-aviator', 'scarf-silk', 'beanie-wool'][(s / 60) % 3]!;
      generator.setPinned(productId);
      events.push(studio('product.pinned', s, { productId }));
    }
    if (s % 150 === 0) events.push(studio('marker', s, { label: `marker ${s}` }));
    events.push(...generator.generate(400, T0 + s * 1000, T0 + (s + 10) * 1000));
  }
  events.push(events[5]!); // a redelivery
  events.push(studio('show.ended', 600, {}));
  return events;
}

function feed(aggregator: ShowAggregator, events: ShowEvent[]): ShowAggregator {
  for (const e of events) aggregator.apply(e);
  return aggregator;
}

describe('ShowAggregator.clone', () => {
  const events = showEvents();

  it.each([0, 1, 977, 5000, 12_000, events.length])(
    'a clone taken after %i events continues exactly like the original',
    (at) => {
      const original = feed(new ShowAggregator(SHOW), events.slice(0, at));
      const copy = original.clone();
      expect(copy.snapshot()).toEqual(original.snapshot());
      feed(original, events.slice(at));
      feed(copy, events.slice(at));
      expect(copy.snapshot()).toEqual(original.snapshot());
      expect(copy.snapshot()).toEqual(feed(new ShowAggregator(SHOW), events).snapshot());
    },
  );

  it('feeding a clone leaves the original as it was', () => {
    const half = Math.floor(events.length / 2);
    const original = feed(new ShowAggregator(SHOW), events.slice(0, half));
    const before = original.snapshot();
    const copy = original.clone();
    feed(copy, events.slice(half));
    expect(copy.snapshot().orders.count).toBeGreaterThan(before.orders.count);
    expect(original.snapshot()).toEqual(before);
    // Duplicates the clone has seen are still new to the original.
    expect(original.apply(events[half]!)).toBe('applied');
  });
});
