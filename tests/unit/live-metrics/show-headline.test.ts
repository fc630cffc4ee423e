import { describe, expect, it } from 'vitest';
import { ShowAggregator } from '../../../main/live-metrics/show-aggregator';
import { ShowHeadline, headlineOf, newerHeadline } from '../../../protocol/metrics';

const T0 = Date.UTC(2025, 5, 1, 18, 0, 0);
function snapshotAfter(joins: number, showId = 'show-1') {
  const agg = new ShowAggregator(showId);
  for (let i = 0; i < joins; i++)
    agg.apply({ id: `e${i}`, v: 1, showId, ts: T0 + i, type: 'viewer.joined', viewerId: `v${i}` });
  return agg.snapshot();
}

describe('headlines', () => {
  it('headlineOf keeps exactly the fields of the ShowHeadline schema', () => {
    const s = snapshotAfter(3);
    const h = headlineOf(s);
    expect(ShowHeadline.strict().parse(h)).toEqual(h);
    expect(h.viewers.current).toBe(3);
  });

  it('newerHeadline shows whichever has counted more, the snapshot when equal', () => {
    const s2 = snapshotAfter(2);
    const h3 = headlineOf(snapshotAfter(3));
    const h2 = headlineOf(s2);
    expect(newerHeadline(s2, h3)).toBe(h3);
    expect(newerHeadline(snapshotAfter(4), h3)!.viewers.current).toBe(4);
    expect(newerHeadline(s2, h2)).toBe(s2);
    expect(newerHeadline(null, h3)).toBe(h3);
    expect(newerHeadline(s2, null)).toBe(s2);
    expect(newerHeadline(null, null)).toBeNull();
  });

  it("newerHeadline ignores another show's headline", () => {
    const s = snapshotAfter(1, 'show-new');
    expect(newerHeadline(s, headlineOf(snapshotAfter(5, 'show-old')))).toBe(s);
  });
});
