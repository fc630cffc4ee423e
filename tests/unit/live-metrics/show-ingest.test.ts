// The pipeline worker's logic, driven directly: batch order, counting only after dead
// letters are written, duplicates across batches, and the snapshot and headline throttles.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { packBatch } from '../../../main/live-metrics/show-batch';
import { DEFAULT_PARSE_LIMITS } from '../../../main/live-metrics/show-events';
import {
  ShowIngest,
  type IngestReport,
  type ShowIngestOptions,
} from '../../../main/live-metrics/show-ingest';
import type { ShowEvent } from '../../../protocol/events';

const T0 = Date.UTC(2025, 5, 1, 18, 0, 0);
let n = 0;
const join = (viewerId: string, id = `e${++n}`): ShowEvent => ({
  id,
  v: 1,
  showId: 'show-1',
  ts: T0 + n * 10,
  type: 'viewer.joined',
  viewerId,
});
const chat = (text: string): ShowEvent => ({
  id: `e${++n}`,
  v: 1,
  showId: 'show-1',
  ts: T0 + n * 10,
  type: 'chat.message',
  viewerId: 'v1',
  text,
});
const batch = (...values: (ShowEvent | string)[]) =>
  packBatch(
    values.map((v) => ({
      key: Buffer.from('show-1'),
      value: Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)),
    })),
  );

function start(options: Partial<ShowIngestOptions> = {}) {
  const reports: IngestReport[] = [];
  const ingest = new ShowIngest(
    {
      limits: DEFAULT_PARSE_LIMITS,
      aggregator: {},
      showIds: ['show-1'],
      maxShows: 10,
      snapshotIntervalMs: 100,
      headlineIntervalMs: 30,
      eventTypes: ['chat.message'],
      ...options,
    },
    (r) => reports.push(r),
  );
  const of = <K extends IngestReport['kind']>(kind: K) =>
    reports.filter((r): r is Extract<IngestReport, { kind: K }> => r.kind === kind);
  return { ingest, reports, of };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => vi.useRealTimers());

describe('ShowIngest', () => {
  it('counts a batch at once when all of it is valid, and hands back the requested event types', () => {
    const { ingest, of } = start();
    const hello = chat('hello');
    ingest.handle({ kind: 'batch', id: 1, buffer: batch(join('v1'), hello, join('v2')) });
    expect(of('done')).toEqual([{ kind: 'done', id: 1, events: [hello] }]);
    expect(of('dead-letter')).toEqual([]);
    expect(of('snapshot').at(-1)?.snapshot.viewers.current).toBe(2);
  });

  it('counts nothing of a batch with invalid events, nor of later batches, until its dead letters are written', () => {
    const { ingest, of } = start();
    ingest.handle({ kind: 'batch', id: 1, buffer: batch(join('v1'), '{oops', join('v2'), '[]') });
    expect(of('dead-letter')).toEqual([
      {
        kind: 'dead-letter',
        id: 1,
        invalid: [
          { index: 1, reason: 'bad-json' },
          { index: 3, reason: 'schema' },
        ],
      },
    ]);
    ingest.handle({ kind: 'batch', id: 2, buffer: batch(join('v3')) });
    vi.advanceTimersByTime(1000);
    expect(of('done')).toEqual([]);
    expect(of('snapshot')).toEqual([]);
    expect(of('headline')).toEqual([]);

    ingest.handle({ kind: 'commit', id: 1 });
    expect(of('done').map((r) => r.id)).toEqual([1, 2]);
    expect(of('snapshot').at(-1)?.snapshot.viewers).toEqual({
      current: 3,
      peak: 3,
      unique: 3,
      estimated: false,
    });
  });

  it('counts an event id once across batches (a redelivered batch)', () => {
    const { ingest, of } = start();
    const e = join('v1', 'same');
    ingest.handle({ kind: 'batch', id: 1, buffer: batch(e) });
    ingest.handle({ kind: 'batch', id: 2, buffer: batch(e, join('v2')) });
    vi.advanceTimersByTime(1000);
    expect(of('snapshot').at(-1)?.snapshot.events).toEqual({ accepted: 2, duplicates: 1 });
  });

  it('ignores shows it does not follow', () => {
    const { ingest, of } = start();
    const other = { ...join('v1'), showId: 'show-2' };
    ingest.handle({
      kind: 'batch',
      id: 1,
      buffer: packBatch([{ key: Buffer.from('show-2'), value: Buffer.from(JSON.stringify(other)) }]),
    });
    expect(of('done')).toEqual([{ kind: 'done', id: 1, events: [] }]);
    expect(of('snapshot')).toEqual([]);
  });

  it('sends the first change at once, then at most one headline per interval with the latest figures', () => {
    const { ingest, of } = start();
    ingest.handle({ kind: 'batch', id: 1, buffer: batch(join('v1')) });
    expect(of('headline').map((r) => r.headline.viewers.current)).toEqual([1]);
    vi.advanceTimersByTime(10);
    ingest.handle({ kind: 'batch', id: 2, buffer: batch(join('v2')) });
    vi.advanceTimersByTime(10);
    ingest.handle({ kind: 'batch', id: 3, buffer: batch(join('v3')) });
    expect(of('headline')).toHaveLength(1); // throttled
    vi.advanceTimersByTime(9);
    expect(of('headline')).toHaveLength(1);
    vi.advanceTimersByTime(1); // 30 ms after the first
    expect(of('headline').map((r) => r.headline.viewers.current)).toEqual([1, 3]);
    vi.advanceTimersByTime(1000);
    expect(of('headline')).toHaveLength(2); // nothing changed since
    // Headlines are small: no series, products, pins or markers.
    expect(Object.keys(of('headline')[0]!.headline)).not.toContain('series');
    expect(JSON.stringify(of('headline')[0]!.headline).length).toBeLessThan(1000);
  });

  it('sends whole snapshots at most once per snapshot interval, the last one with every change', () => {
    const { ingest, of } = start();
    for (let i = 0; i < 50; i++) {
      ingest.handle({ kind: 'batch', id: i + 1, buffer: batch(join(`v${i}`)) });
      vi.advanceTimersByTime(10); // 100 batches a second
    }
    vi.advanceTimersByTime(1000);
    const snapshots = of('snapshot');
    expect(snapshots.length).toBeGreaterThanOrEqual(5);
    expect(snapshots.length).toBeLessThanOrEqual(6); // 500 ms of batches, one per 100 ms
    expect(snapshots.at(-1)!.snapshot.viewers.current).toBe(50);
    const headlines = of('headline');
    expect(headlines.length).toBeGreaterThanOrEqual(16);
    expect(headlines.length).toBeLessThanOrEqual(18); // one per 30 ms
    expect(headlines.at(-1)!.headline.viewers.current).toBe(50);
  });

  it('sends no headlines when they are off', () => {
    const { ingest, of } = start({ headlineIntervalMs: 0 });
    ingest.handle({ kind: 'batch', id: 1, buffer: batch(join('v1')) });
    vi.advanceTimersByTime(1000);
    expect(of('headline')).toEqual([]);
    expect(of('snapshot')).toHaveLength(1);
  });
});
