// Memory per unique viewer, and a pin storm: 5 million unique viewer.joined events (each
// with a fresh id, as a hostile or very large audience would send) and then 20 000 pins over
// 200 000 orders are fed to one ShowAggregator in-process. Prints heap growth per viewer, the
// time the last 1 000 pins took against the first 1 000, and the snapshot's size.
//
//   node --expose-gc --import tsx bench/viewers.ts [--viewers 5000000] [--pins 20000] [--orders 200000]
import os from 'node:os';
import { parseArgs } from 'node:util';
import { ShowAggregator } from '../main/live-metrics/show-aggregator';
import type { ShowEvent } from '../protocol/events';

const { values } = parseArgs({
  options: {
    viewers: { type: 'string', default: '5000000' },
    pins: { type: 'string', default: '20000' },
    orders: { type: 'string', default: '200000' },
  },
});
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc --import tsx bench/viewers.ts');
const heap = () => {
  gc();
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
};

const showId = 'bench-viewers';
const t0 = Date.UTC(2026, 0, 1, 18);
const load = os.loadavg()[0];
const agg = new ShowAggregator(showId);
agg.apply({ id: 'start', type: 'show.started', v: 1, showId, ts: t0, currency: 'USD' });
const before = heap();
const viewers = Number(values.viewers);
let started = Date.now();
for (let i = 0; i < viewers; i++) {
  agg.apply({
    id: `j${i}`,
    type: 'viewer.joined',
    v: 1,
    showId,
    ts: t0 + Math.floor(i / 1000),
    viewerId: `shopper-${i}`,
  });
}
const viewerMs = Date.now() - started;
const after = heap();

// Pins on top of orders: the cost of the first and the last thousand pins.
const orders = Number(values.orders);
const pins = Number(values.pins);
const span = 2 * 3600_000;
const t1 = t0 + 3600_000;
const pinTimes: number[] = [];
let o = 0;
for (let k = 0; k < pins; k++) {
  const at = t1 + Math.floor((k * span) / pins);
  const upTo = Math.floor(((k + 1) * orders) / pins);
  for (; o < upTo; o++) {
    const ts = at + (o % 100);
    const e: ShowEvent = {
      id: `o-evt-${o}`,
      type: 'order.placed',
      v: 1,
      showId,
      ts,
      viewerId: `shopper-${o % 1000}`,
      orderId: `o-${o}`,
      lines: [{ productId: `p${o % 12}`, qty: 1, unitPriceMinor: 1999 }],
      totalMinor: 1999,
      currency: 'USD',
      payment: { method: 'card' },
    };
    agg.apply(e);
  }
  started = performance.now();
  agg.apply({ id: `pin-${k}`, type: 'product.pinned', v: 1, showId, ts: at, productId: `p${k % 12}` });
  pinTimes.push(performance.now() - started);
}
const mean = (list: number[]) => list.reduce((a, b) => a + b, 0) / list.length;
const snapshot = agg.snapshot();
console.log(
  JSON.stringify(
    {
      bench: 'viewers',
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
      loadAverage: { start: load, end: os.loadavg()[0] },
      viewers,
      viewerMs,
      heapGrowthMB: Math.round((after - before) / 1e5) / 10,
      bytesPerViewer: Math.round(((after - before) / viewers) * 10) / 10,
      snapshotViewers: snapshot.viewers,
      pins,
      orders,
      pinMsFirst1000: Math.round(mean(pinTimes.slice(0, 1000)) * 1000) / 1000,
      pinMsLast1000: Math.round(mean(pinTimes.slice(-1000)) * 1000) / 1000,
      snapshotBytes: JSON.stringify(snapshot).length,
      goals: { atMost32BytesPerViewer: (after - before) / viewers <= 32 },
    },
    null,
    2,
  ),
);
