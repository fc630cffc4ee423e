// Memory of one long show: a 2-hour show at 5k events/s has 36M events, too many to push
// through Kafka here in reasonable time, so the same event timestamps are generated and fed
// to the ShowAggregator in-process, compressed in wall time (--parse also round-trips each
// event through JSON and the validator, as the pipeline does; about 3x slower). Prints heap against events processed, to show
// it levels off (bounded dedupe ids, ring-buffered series) instead of growing with the show.
//
//   node --expose-gc --import tsx bench/memory.ts [--hours 2] [--rate 5000] [--every-minutes 10]
import os from 'node:os';
import { parseArgs } from 'node:util';
import { ShowAggregator } from '../main/live-metrics/show-aggregator';
import { DEFAULT_PARSE_LIMITS, parseShowEvent } from '../main/live-metrics/show-events';
import type { ShowEvent } from '../protocol/events';
import { AudienceGenerator } from '../server/audience/generator';

const { values } = parseArgs({
  options: {
    hours: { type: 'string', default: '2' },
    rate: { type: 'string', default: '5000' },
    'every-minutes': { type: 'string', default: '10' },
    parse: { type: 'boolean', default: false },
  },
});
const hours = Number(values.hours);
const rate = Number(values.rate);
const everyMs = Number(values['every-minutes']) * 60_000;
const gc = (globalThis as { gc?: () => void }).gc;

const showId = 'bench-memory';
const t0 = Date.UTC(2026, 0, 1, 18);
const end = t0 + hours * 3600_000;
const generator = new AudienceGenerator({ showId, seed: 3, targetAudience: rate * 5 });
const aggregator = new ShowAggregator(showId);
const key = Buffer.from(showId);
aggregator.apply({ id: 'start', type: 'show.started', v: 1, showId, ts: t0, currency: 'USD' });

const samples: { showMinutes: number; events: number; heapMB: number; rssMB: number }[] = [];
let events = 0;
let peakHeap = 0;
const started = Date.now();
const sample = () => {
  gc?.();
  const m = process.memoryUsage();
  peakHeap = Math.max(peakHeap, m.heapUsed);
  samples.push({
    showMinutes: Math.round((aggregator.snapshot().asOf! - t0) / 60_000),
    events,
    heapMB: Math.round(m.heapUsed / 1e5) / 10,
    rssMB: Math.round(m.rss / 1e5) / 10,
  });
  console.error(`[memory] ${JSON.stringify(samples.at(-1))}`);
};

// The generator makes about 45k events/s here, too slow for 36M events in minutes. So it
// makes one minute of show once, and each later minute replays it with fresh event and order
// ids (so the dedupe memory fills as in a real show) and shifted timestamps. Viewer ids repeat,
// as a steady audience's do.
const POOL_MS = 60_000;
const pool: ShowEvent[] = [];
for (let second = t0; second < t0 + POOL_MS; second += 1000)
  pool.push(...generator.generate(rate, second, second + 999));
let nextSample = t0 + everyMs;
for (let cycle = 0; t0 + cycle * POOL_MS < end; cycle++) {
  const shift = cycle * POOL_MS;
  for (const original of pool) {
    const event = { ...original, id: `${original.id}~${cycle}`, ts: original.ts + shift } as ShowEvent;
    if ('orderId' in event) event.orderId = `${event.orderId}~${cycle}`;
    if (values.parse) {
      const parsed = parseShowEvent(Buffer.from(JSON.stringify(event)), DEFAULT_PARSE_LIMITS, key);
      if (parsed.ok) aggregator.apply(parsed.event);
    } else aggregator.apply(event);
    events++;
    if (events % 100_000 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }
  if (t0 + shift + POOL_MS >= nextSample) {
    sample();
    nextSample += everyMs;
  }
}
const firstHour = samples.filter((s) => s.showMinutes <= 60);
const secondHour = samples.filter((s) => s.showMinutes > 60);
const snapshot = aggregator.snapshot();
console.log(
  JSON.stringify(
    {
      bench: 'memory',
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
      showHours: hours,
      eventsPerShowSecond: rate,
      events,
      wallSeconds: Math.round((Date.now() - started) / 1000),
      eventsPerWallSecond: Math.round(events / ((Date.now() - started) / 1000)),
      peakHeapMB: Math.round(peakHeap / 1e5) / 10,
      heapAfterGcMB: {
        endOfFirstHour: firstHour.at(-1)?.heapMB,
        endOfShow: samples.at(-1)?.heapMB,
        maxInSecondHour: Math.max(...secondHour.map((s) => s.heapMB)),
      },
      accepted: snapshot.events.accepted,
      uniqueViewers: snapshot.viewers.unique,
      orders: snapshot.orders.count,
      samples,
    },
    null,
    2,
  ),
);
