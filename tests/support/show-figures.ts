// The dashboard's KPI figures computed independently of the studio: every event of a show
// read by a plain kafkajs consumer, and the tiles computed from the metric definitions in
// docs/events.md (not with the studio's aggregator). Shared by the dashboard and replay e2e.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { expect } from '@playwright/test';
import { SHOW_TOPICS } from '../../protocol/events';

export type Json = Record<string, unknown> & { id: string; type: string; showId: string; ts: number };

/** Every event of the show on both topics, in partition order, read by a plain kafkajs consumer. */
export async function readShowEvents(brokers: string[], showId: string, fromMs: number): Promise<Json[]> {
  const kafka = new Kafka({ clientId: 'dashboard-e2e', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topics = [SHOW_TOPICS.shopper, SHOW_TOPICS.studio];
  const highWatermarks = async () => {
    const ends = new Map<string, number>();
    for (const topic of topics)
      for (const { partition, high } of await admin.fetchTopicOffsets(topic))
        ends.set(`${topic}:${partition}`, Number(high));
    return ends;
  };
  // The simulator may still be flushing its last send: read up to the ends once they stop moving.
  let ends = await highWatermarks();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const again = await highWatermarks();
    if ([...again].every(([key, high]) => ends.get(key) === high)) break;
    ends = again;
  }
  await admin.disconnect();
  const byPartition = new Map<string, Json[]>();
  const reached = new Map<string, number>();
  // A fresh group read from the beginning, filtered here: no seeks to race with the first fetch.
  const consumer = kafka.consumer({ groupId: `dashboard-e2e-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const key = `${topic}:${partition}`;
      reached.set(key, Number(message.offset) + 1);
      if (Number(message.timestamp) < fromMs) return;
      if (message.key?.toString() !== showId || !message.value) return;
      const event = JSON.parse(message.value.toString()) as Json;
      if (event.showId !== showId) return;
      const list = byPartition.get(key) ?? [];
      list.push(event);
      byPartition.set(key, list);
    },
  });
  const done = () => [...ends].every(([key, high]) => high === 0 || (reached.get(key) ?? 0) >= high);
  await expect.poll(done, { timeout: 60_000 }).toBe(true);
  await consumer.disconnect();
  // Shopper events first, as one ordered stream; studio events only set the currency here.
  return [...byPartition]
    .sort(
      ([a], [b]) => (a.startsWith(SHOW_TOPICS.studio) ? 1 : 0) - (b.startsWith(SHOW_TOPICS.studio) ? 1 : 0),
    )
    .flatMap(([, list]) => list);
}

/** The dashboard's tiles computed straight from docs/events.md "Metrics". */
export function expectedTiles(events: Json[]): Record<string, number> {
  // Duplicates: an event id counts once, and an order id counts once.
  const seenIds = new Set<string>();
  const seenOrders = new Set<string>();
  const accepted = events.filter((e) => {
    if (seenIds.has(e.id)) return false;
    seenIds.add(e.id);
    if (e.type !== 'order.placed') return true;
    if (seenOrders.has(e.orderId as string)) return false;
    seenOrders.add(e.orderId as string);
    return true;
  });
  const started = accepted.find((e) => e.type === 'show.started');
  const firstOrder = accepted.find((e) => e.type === 'order.placed');
  const currency = (started?.currency ?? firstOrder?.currency) as string | undefined;
  const clockSec = Math.floor(Math.max(...events.map((e) => e.ts)) / 1000);
  const inLastMinute = (e: Json) => Math.floor(e.ts / 1000) >= clockSec - 59;

  const present = new Set<string>();
  const unique = new Set<string>();
  const buyers = new Set<string>();
  const orders = new Map<string, { remaining: number; counted: boolean; cancelled: boolean }>();
  let peak = 0;
  let chatMinute = 0;
  let cartMinute = 0;
  let count = 0;
  let ordersMinute = 0;
  let units = 0;
  let gross = 0;
  let revenueMinute = 0;
  let bnplOrders = 0;
  let bnplGross = 0;
  let refunded = 0;
  for (const e of accepted) {
    if (typeof e.viewerId === 'string') unique.add(e.viewerId);
    switch (e.type) {
      case 'viewer.joined':
        present.add(e.viewerId as string);
        peak = Math.max(peak, present.size);
        break;
      case 'viewer.left':
        present.delete(e.viewerId as string);
        break;
      case 'chat.message':
        if (inLastMinute(e)) chatMinute++;
        break;
      case 'cart.item_added':
        if (inLastMinute(e)) cartMinute++;
        break;
      case 'order.placed': {
        const orderId = e.orderId as string;
        const total = e.totalMinor as number;
        const counted = e.currency === currency;
        orders.set(orderId, { remaining: total, counted, cancelled: false });
        if (!counted) break;
        count++;
        buyers.add(e.viewerId as string);
        gross += total;
        units += (e.lines as { qty: number }[]).reduce((sum, l) => sum + l.qty, 0);
        if ((e.payment as { method: string }).method === 'bnpl') {
          bnplOrders++;
          bnplGross += total;
        }
        if (inLastMinute(e)) {
          ordersMinute++;
          revenueMinute += total;
        }
        break;
      }
      case 'order.cancelled': {
        const order = orders.get(e.orderId as string);
        if (order?.counted && !order.cancelled) {
          order.cancelled = true;
          order.remaining = 0;
        }
        break;
      }
      case 'order.refunded': {
        if (e.currency !== currency) break;
        const order = orders.get(e.orderId as string);
        if (order && !order.counted) break;
        const amount = order ? Math.min(e.amountMinor as number, order.remaining) : (e.amountMinor as number);
        if (order) order.remaining -= amount;
        refunded += amount;
        break;
      }
    }
  }
  return {
    'viewers-now': present.size,
    'viewers-peak': peak,
    'viewers-unique': unique.size,
    'chat-per-minute': chatMinute,
    'cart-adds-per-minute': cartMinute,
    orders: count,
    'orders-per-minute': ordersMinute,
    revenue: gross,
    'revenue-per-minute': revenueMinute,
    units,
    aov: count ? Math.round(gross / count) : 0,
    conversion: unique.size ? buyers.size / unique.size : 0,
    'bnpl-orders': count ? bnplOrders / count : 0,
    'bnpl-revenue': gross ? bnplGross / gross : 0,
    refunds: refunded,
  };
}
