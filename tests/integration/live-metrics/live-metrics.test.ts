// LiveMetrics on the real broker: a studio restarted mid-show rebuilds exact totals, and a
// Kafka outage reported by the health probe keeps the figures (no replay), ending exact too.
// (The drills in fault-drills.test.ts kill and freeze a real broker.)
import { randomUUID } from 'node:crypto';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChatFeed, ServiceStatus } from '../../../protocol/contract';
import { topicForEvent, type ShowEvent } from '../../../protocol/events';
import {
  headlineOf,
  type ShowHeadline,
  type ShowMetricsSnapshot,
  type ShowPipelineStatus,
} from '../../../protocol/metrics';
import type { ShowState } from '../../../protocol/show';
import { LiveMetrics } from '../../../main/live-metrics/live-metrics';
import { until } from '../../support/until';

const brokers = process.env.SHOPCAST_KAFKA_BROKERS!.split(',');
const kafka = new Kafka({ clientId: 'live-metrics-test', brokers, logLevel: logLevel.NOTHING });
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
const services: LiveMetrics[] = [];

afterAll(async () => {
  for (const s of services) await s.stop();
  await producer.disconnect();
});

const connected: ServiceStatus = { state: 'connected', reason: null, target: brokers.join(','), since: 0 };

function startService() {
  const seen = {
    snapshots: [] as ShowMetricsSnapshot[],
    headlines: [] as ShowHeadline[],
    pipeline: [] as ShowPipelineStatus[],
    chat: null as ChatFeed | null,
  };
  let kafkaStatus = connected;
  const service = new LiveMetrics({
    kafka: new Kafka({ clientId: 'live-metrics-test', brokers, logLevel: logLevel.NOTHING }),
    instanceId: 'it-live-metrics',
    dataDir: null,
    kafkaStatus: () => kafkaStatus,
    onSnapshot: (s) => {
      if (s) seen.snapshots.push(s);
    },
    onHeadline: (h) => {
      if (h) seen.headlines.push(h);
    },
    onPipeline: (s) => seen.pipeline.push(s),
    onChat: (feed) => (seen.chat = feed),
  });
  services.push(service);
  const setKafka = (state: ServiceStatus['state']) => {
    kafkaStatus = { ...connected, state };
    service.onKafkaStatus(kafkaStatus);
  };
  return { service, seen, setKafka };
}

/** `count` shopper events for a show: joins, chat, cart adds and orders, with a retried duplicate. */
function shopperEvents(showId: string, from: number, count: number, t0: number): ShowEvent[] {
  const events: ShowEvent[] = [];
  for (let i = from; i < from + count; i++) {
    const base = { id: `${showId}-${i}`, v: 1 as const, showId, ts: t0 + i * 10 };
    const viewerId = `v${i % 37}`;
    switch (i % 4) {
      case 0:
        events.push({ ...base, type: 'viewer.joined', viewerId });
        break;
      case 1:
        events.push({ ...base, type: 'chat.message', viewerId, text: `hello ${i}` });
        break;
      case 2:
        events.push({ ...base, type: 'cart.item_added', viewerId, productId: 'p1', qty: 1 });
        break;
      default:
        events.push({
          ...base,
          type: 'order.placed',
          viewerId,
          orderId: `o-${i}`,
          lines: [{ productId: 'p1', qty: 2, unitPriceMinor: 1250 }],
          totalMinor: 2500,
          currency: 'USD',
          payment: i % 8 === 3 ? { method: 'bnpl', provider: 'klarna' } : { method: 'card' },
        });
    }
  }
  events.push(events[events.length - 1]!); // a producer retry
  return events;
}

async function produce(events: ShowEvent[]): Promise<void> {
  await producer.connect();
  for (let i = 0; i < events.length; i += 200) {
    const chunk = events.slice(i, i + 200);
    await producer.send({
      topic: topicForEvent(chunk[0]!),
      acks: -1,
      messages: chunk.map((e) => ({ key: e.showId, value: JSON.stringify(e), timestamp: String(e.ts) })),
    });
  }
}

function newShow(): { show: ShowState; started: ShowEvent } {
  const showId = `it-live-${randomUUID()}`;
  const startedAt = Date.now() - 120_000;
  const show: ShowState = {
    showId,
    title: 'Live metrics test',
    mode: 'rehearsal',
    currency: 'USD',
    startedAt,
    pinnedProductId: null,
    soldOutProductIds: [],
  };
  return {
    show,
    started: { id: `${showId}-start`, v: 1, type: 'show.started', showId, ts: startedAt, currency: 'USD' },
  };
}

// 1 show.started + n shopper events (n/4 of each kind), one duplicate.
const expectTotals = (s: ShowMetricsSnapshot | undefined, n: number) => {
  expect(s?.events.accepted).toBe(n + 1);
  expect(s?.orders.count).toBe(n / 4);
  expect(s?.orders.grossRevenueMinor).toBe((n / 4) * 2500);
  expect(s?.orders.units).toBe((n / 4) * 2);
  expect(s?.chat.messages).toBe(n / 4);
  expect(s?.cart.adds).toBe(n / 4);
};

describe('LiveMetrics on the real broker', () => {
  it('a studio restarted mid-show rebuilds exact totals from the show start', async () => {
    const { show, started } = newShow();
    const t0 = show.startedAt + 1000;
    await produce([started]);
    await produce(shopperEvents(show.showId, 0, 400, t0));

    const first = startService();
    first.service.setShow(show);
    await until('first totals', () => first.seen.snapshots.at(-1)?.events.accepted === 401);
    await first.service.stop();

    // More of the show happens while no studio is watching.
    await produce(shopperEvents(show.showId, 400, 400, t0));
    const second = startService();
    second.service.setShow(show);
    await until('rebuilt totals', () => second.seen.snapshots.at(-1)?.events.accepted === 801);
    expectTotals(second.seen.snapshots.at(-1), 800);
    expect(second.seen.snapshots.at(-1)?.events.duplicates).toBe(2); // one retry per batch
    // The chat feed is the last 200 messages, as data.
    await until('chat feed', () => second.seen.chat?.messages.length === 200);
    expect(second.seen.chat?.messages.at(-1)?.text).toBe('hello 797');
    expect(second.service.state().snapshot?.events.accepted).toBe(801);
  });

  it('a Kafka outage reported by the health probe keeps the figures: no replay, exact totals after it', async () => {
    const { show, started } = newShow();
    const t0 = show.startedAt + 1000;
    await produce([started]);
    await produce(shopperEvents(show.showId, 0, 400, t0));
    const { service, seen, setKafka } = startService();
    service.setShow(show);
    await until('first totals', () => seen.snapshots.at(-1)?.events.accepted === 401);
    const before = seen.pipeline.length;

    // A slow probe under load says "disconnected" for a while; the pipeline rides it out.
    setKafka('disconnected');
    await produce(shopperEvents(show.showId, 400, 400, t0));
    setKafka('connected');
    await until('totals after the outage', () => seen.snapshots.at(-1)?.events.accepted === 801);
    expectTotals(seen.snapshots.at(-1), 800);
    expect(seen.pipeline.slice(before).some((p) => p.state === 'starting' || p.state === 'stopped')).toBe(
      false,
    );
    const accepted = seen.snapshots.map((s) => s.events.accepted);
    expect(accepted).toEqual([...accepted].sort((a, b) => a - b));
    await until('headline', () => seen.headlines.at(-1)?.events.accepted === 801);
    expect(seen.headlines.at(-1)).toEqual(headlineOf(seen.snapshots.at(-1)!));
  });
});
