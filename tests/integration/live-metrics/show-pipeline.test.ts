// The show pipeline against the real broker: scripted events (with duplicates and invalid
// ones) give exact figures, a restarted pipeline rebuilds them exactly, and a broker that
// dies mid-show loses and double-counts nothing.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Kafka, Partitioners, logLevel, type Message } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { ShowAggregator } from '../../../main/live-metrics/show-aggregator';
import { ShowPipeline } from '../../../main/live-metrics/show-pipeline';
import { DEAD_LETTER_HEADERS, SHOW_TOPICS, topicForEvent, type ShowEvent } from '../../../protocol/events';
import type { ShowMetricsSnapshot } from '../../../protocol/metrics';
import { ensureShowTopics } from '../../../main/kafka/topics';
import { startAudience } from '../../../server/audience/audience';
import { kafkaDataDir, killLocalKafka, startLocalKafka, stopLocalKafka } from '../../../scripts/kafka';
import { until } from '../../support/until';

const brokers = process.env.SHOPCAST_KAFKA_BROKERS!.split(',');
const kafkaAt = (b: string[]) =>
  new Kafka({ clientId: 'show-pipeline-test', brokers: b, logLevel: logLevel.NOTHING });
const kafka = kafkaAt(brokers);
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
const running: ShowPipeline[] = [];

afterAll(async () => {
  for (const p of running) await p.stop();
  await producer.disconnect();
});

const message = (e: ShowEvent, key: string = e.showId): Message => ({
  key,
  value: JSON.stringify(e),
  timestamp: String(e.ts),
});

async function send(messages: { topic: string; message: Message }[]): Promise<void> {
  for (const { topic, message: m } of messages) await producer.send({ topic, acks: -1, messages: [m] });
}

/** A show that started a minute ago, with duplicates; returns its events in send order. */
function scriptedShow(showId: string, t0: number): ShowEvent[] {
  let n = 0;
  const base = (s: number) => ({ id: `${showId}-${n++}`, v: 1 as const, showId, ts: t0 + s * 1000 });
  const order = (
    s: number,
    orderId: string,
    viewerId: string,
    qtyP1: number,
    qtyP2: number,
    bnpl: boolean,
  ) => {
    const lines = [
      ...(qtyP1 ? [{ productId: 'p1', qty: qtyP1, unitPriceMinor: 1000 }] : []),
      ...(qtyP2 ? [{ productId: 'p2', qty: qtyP2, unitPriceMinor: 500 }] : []),
    ];
    const totalMinor = qtyP1 * 1000 + qtyP2 * 500;
    const payment = bnpl ? { method: 'bnpl' as const, provider: 'klarna' } : { method: 'card' as const };
    return {
      ...base(s),
      type: 'order.placed' as const,
      viewerId,
      orderId,
      lines,
      totalMinor,
      currency: 'USD',
      payment,
    };
  };
  const o1 = order(12, 'o1', 'v1', 2, 1, false);
  const events: ShowEvent[] = [
    { ...base(0), type: 'show.started', currency: 'USD' },
    { ...base(1), type: 'viewer.joined', viewerId: 'v1' },
    { ...base(2), type: 'viewer.joined', viewerId: 'v2' },
    { ...base(3), type: 'viewer.joined', viewerId: 'v3' },
    { ...base(4), type: 'chat.message', viewerId: 'v1', text: '<script>alert(1)</script>' },
    { ...base(5), type: 'cart.item_added', viewerId: 'v1', productId: 'p1', qty: 2 },
    { ...base(10), type: 'product.pinned', productId: 'p1' },
    o1,
    o1, // producer retry: same event id
    { ...o1, id: `${showId}-retry` }, // same order id, new event id
    order(15, 'o2', 'v2', 0, 1, true),
    { ...base(20), type: 'product.pinned', productId: 'p2' },
    order(25, 'o3', 'v3', 0, 3, true),
    { ...base(30), type: 'product.unpinned', productId: 'p2' },
    order(40, 'o4', 'v1', 1, 0, false),
    { ...base(41), type: 'viewer.left', viewerId: 'v2' },
    {
      ...base(50),
      type: 'order.refunded',
      viewerId: 'v1',
      orderId: 'o1',
      amountMinor: 1000,
      currency: 'USD',
    },
    { ...base(51), type: 'order.cancelled', viewerId: 'v1', orderId: 'o4' },
  ];
  return events;
}

function expectedSnapshot(events: ShowEvent[]): ShowMetricsSnapshot {
  const agg = new ShowAggregator(events[0]!.showId);
  for (const e of events) agg.apply(e);
  return agg.snapshot();
}

function invalidMessages(showId: string, t0: number): { reason: string; message: Message }[] {
  const valid = { id: `${showId}-bad`, v: 1, showId, ts: t0 + 5000, type: 'viewer.joined', viewerId: 'vx' };
  const raw = (value: string, key = showId): Message => ({ key, value, timestamp: String(t0 + 5000) });
  return [
    { reason: 'bad-json', message: raw(`{"showId":"${showId}", oops`) },
    { reason: 'unknown-type', message: raw(JSON.stringify({ ...valid, type: 'viewer.teleported' })) },
    { reason: 'future-version', message: raw(JSON.stringify({ ...valid, v: 7 })) },
    { reason: 'schema', message: raw(JSON.stringify({ ...valid, viewerId: 42 })) },
    { reason: 'oversized', message: raw(JSON.stringify({ ...valid, displayName: 'x'.repeat(70_000) })) },
    { reason: 'key-mismatch', message: raw(JSON.stringify(valid), `${showId}-other`) },
  ];
}

async function deadLetters(
  showId: string,
  from: number,
  expected: number,
): Promise<{ reason: string; offset: string }[]> {
  const admin = kafka.admin();
  await admin.connect();
  const starts = await admin.fetchTopicOffsetsByTimestamp(SHOW_TOPICS.deadLetter, from);
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `it-dlq-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: SHOW_TOPICS.deadLetter, fromBeginning: true });
  const found: { reason: string; offset: string }[] = [];
  await consumer.run({
    eachMessage: async ({ message: m }) => {
      if (!m.value?.toString().includes(showId)) return;
      found.push({
        reason: String(m.headers?.[DEAD_LETTER_HEADERS.reason]),
        offset: String(m.headers?.[DEAD_LETTER_HEADERS.sourceOffset]),
      });
    },
  });
  for (const { partition, offset } of starts)
    consumer.seek({ topic: SHOW_TOPICS.deadLetter, partition, offset });
  await until('dead letters', () => found.length >= expected);
  await consumer.disconnect();
  return found;
}

function startPipeline(showId: string, replayFromMs: number, b = brokers) {
  const snapshots: ShowMetricsSnapshot[] = [];
  const states: string[] = [];
  const pipeline = new ShowPipeline(kafkaAt(b), {
    instanceId: 'it',
    replayFromMs,
    showIds: [showId],
    onSnapshot: (s) => snapshots.push(s),
    onStatus: (s) => {
      if (states.at(-1) !== s.state) states.push(s.state);
    },
  });
  running.push(pipeline);
  return { pipeline, snapshots, states, started: pipeline.start() };
}

describe('ShowPipeline on the real broker', () => {
  it('aggregates a scripted show exactly and dead-letters invalid events with their reason', async () => {
    await producer.connect();
    const showId = `it-show-${randomUUID()}`;
    const t0 = Date.now() - 60_000;
    const events = scriptedShow(showId, t0);
    const bad = invalidMessages(showId, t0);
    await send([
      ...events.map((e) => ({ topic: topicForEvent(e), message: message(e) })),
      ...bad.map(({ message: m }) => ({ topic: SHOW_TOPICS.shopper, message: m })),
    ]);

    const { pipeline, snapshots, started } = startPipeline(showId, t0);
    await started;
    const want = expectedSnapshot(events);
    const got = await until('all events', () => {
      const s = pipeline.snapshot(showId);
      return s && s.events.accepted + s.events.duplicates === events.length && s;
    });
    expect(got).toEqual(want);
    expect(got.events).toEqual({ accepted: 16, duplicates: 2 });
    expect(got.orders).toMatchObject({
      count: 4,
      units: 8,
      grossRevenueMinor: 5500,
      netRevenueMinor: 3500,
      bnplOrderShare: 0.5,
      bnplRevenueShare: 2000 / 5500,
      conversion: 1,
    });
    expect(got.pins.map((p) => [p.productId, p.productRevenueMinor, p.windowRevenueMinor])).toEqual([
      ['p1', 2000, 3000],
      ['p2', 1500, 1500],
    ]);
    expect(got.viewers).toEqual({ current: 2, peak: 3, unique: 3, estimated: false });
    await until('a snapshot callback', () => snapshots.at(-1)?.events.accepted === 16);
    await until('live state', () => pipeline.status().state === 'live');

    const letters = await deadLetters(showId, t0, bad.length);
    expect(letters.map((l) => l.reason).sort()).toEqual(bad.map((b) => b.reason).sort());
    const status = pipeline.status();
    for (const reason of [
      'bad-json',
      'unknown-type',
      'future-version',
      'schema',
      'oversized',
      'key-mismatch',
    ] as const) {
      expect(status.invalid[reason]).toBeGreaterThanOrEqual(1);
    }
  });

  it('rebuilds a show exactly after a restart mid-show', async () => {
    await producer.connect();
    const showId = `it-show-${randomUUID()}`;
    const t0 = Date.now() - 60_000;
    const events = scriptedShow(showId, t0);
    const half = 9;
    const sendAll = (list: ShowEvent[]) =>
      send(list.map((e) => ({ topic: topicForEvent(e), message: message(e) })));
    await sendAll(events.slice(0, half));

    const first = startPipeline(showId, t0);
    await first.started;
    await until(
      'first half',
      () =>
        first.pipeline.snapshot(showId)?.events.accepted ===
        expectedSnapshot(events.slice(0, half)).events.accepted,
    );
    expect(first.pipeline.snapshot(showId)).toEqual(expectedSnapshot(events.slice(0, half)));
    await first.pipeline.stop();

    // While no studio runs: the rest of the show, plus redeliveries of the first half.
    await sendAll([...events.slice(half), ...events.slice(2, 6)]);
    const second = startPipeline(showId, t0);
    await second.started;
    const want = expectedSnapshot([...events, ...events.slice(2, 6)]);
    const got = await until('whole show', () => {
      const s = second.pipeline.snapshot(showId);
      return s && s.events.accepted + s.events.duplicates === events.length + 4 && s;
    });
    expect(got).toEqual(want);
    expect(got.orders.count).toBe(4);
    expect(got.orders.netRevenueMinor).toBe(3500);
    await until('live state', () => second.pipeline.status().state === 'live');
    expect(second.states).toEqual(['starting', 'catching-up', 'live']);
  });

  it('a consumer restarted by the pipeline watch resumes where the old one was: figures kept, nothing read again', async () => {
    await producer.connect();
    const showId = `it-show-${randomUUID()}`;
    const t0 = Date.now() - 60_000;
    const events = scriptedShow(showId, t0);
    const half = 9;
    // The last offset of the first half on each of the show's partitions.
    const counted = new Map<string, number>();
    for (const e of events.slice(0, half)) {
      const topic = topicForEvent(e);
      const [sent] = await producer.send({ topic, acks: -1, messages: [message(e)] });
      const key = `${topic}:${sent!.partition}`;
      counted.set(key, Math.max(counted.get(key) ?? -1, Number(sent!.baseOffset)));
    }

    // Where each batch the pipeline's consumers fetch starts, by consumer group.
    const batches: { groupId: string; key: string; firstOffset: number }[] = [];
    const client = kafkaAt(brokers);
    const consumer = client.consumer.bind(client);
    client.consumer = (config) => {
      const c = consumer(config);
      c.on(c.events.START_BATCH_PROCESS, ({ payload }) =>
        batches.push({
          groupId: config!.groupId,
          key: `${payload.topic}:${payload.partition}`,
          firstOffset: Number(payload.firstOffset),
        }),
      );
      return c;
    };
    const pipeline = new ShowPipeline(client, { instanceId: 'it', replayFromMs: t0, showIds: [showId] });
    running.push(pipeline);
    await pipeline.start();
    await until(
      'first half',
      () =>
        pipeline.snapshot(showId)?.events.accepted ===
        expectedSnapshot(events.slice(0, half)).events.accepted,
    );
    const firstGroups = new Set(batches.map((b) => b.groupId));

    expect(pipeline.restartConsumer()).toBe(true);
    await send(events.slice(half).map((e) => ({ topic: topicForEvent(e), message: message(e) })));
    const got = await until('whole show', () => {
      const s = pipeline.snapshot(showId);
      return s && s.events.accepted + s.events.duplicates === events.length && s;
    });
    expect(got).toEqual(expectedSnapshot(events));
    // The fresh consumer (a group of its own) read none of the first half again.
    const fresh = batches.filter((b) => !firstGroups.has(b.groupId) && counted.has(b.key));
    expect(fresh.length).toBeGreaterThan(0);
    for (const b of fresh) expect(b.firstOffset, b.key).toBeGreaterThan(counted.get(b.key)!);
  });

  it('loses and double-counts nothing when the broker dies mid-show', async () => {
    // A broker of its own, so stopping it does not disturb other tests.
    const name = `showpipe-outage-${process.pid}`;
    const port = 29_400 + (process.pid % 200) * 2;
    const local = await startLocalKafka({ name, port, controllerPort: port + 1, partitions: 3 });
    const showId = `it-show-${randomUUID()}`;
    const { pipeline, states, started } = startPipeline(showId, Date.now(), local.brokers);
    running.pop(); // stopped below, before its broker goes away
    try {
      await started;
      const audience = await startAudience({
        brokers: local.brokers,
        showId,
        rate: 500,
        seed: 11,
        runId: 'outage',
      });
      await until('traffic', () => (pipeline.snapshot(showId)?.events.accepted ?? 0) > 500);
      killLocalKafka(name); // SIGKILL: no clean shutdown
      await new Promise((r) => setTimeout(r, 3000));
      await startLocalKafka({ name, port, controllerPort: port + 1, partitions: 3 });
      await until(
        'traffic after the outage',
        () => audience.stats().sent > audience.stats().generated - 100,
        60_000,
      );
      await new Promise((r) => setTimeout(r, 2000));
      await audience.stop();
      const { generated } = audience.stats();

      // Ground truth: everything in the topic, read back by a plain consumer.
      const truth = new ShowAggregator(showId);
      const ids = new Set<string>();
      const reader = kafkaAt(local.brokers).consumer({ groupId: `it-truth-${randomUUID()}` });
      await reader.connect();
      await reader.subscribe({ topic: SHOW_TOPICS.shopper, fromBeginning: true });
      await reader.run({
        eachMessage: async ({ message: m }) => {
          const e = JSON.parse(String(m.value)) as ShowEvent;
          if (e.showId !== showId) return;
          ids.add(e.id);
          truth.apply(e);
        },
      });
      await until('ground truth', () => ids.size >= generated, 60_000);
      await reader.disconnect();
      expect(ids.size).toBe(generated); // the simulator lost nothing

      const got = await until(
        'pipeline caught up',
        () => {
          const s = pipeline.snapshot(showId);
          return s && s.events.accepted === generated && s;
        },
        60_000,
      );
      const want = truth.snapshot();
      expect({ ...got, events: { ...got.events, duplicates: 0 } }).toEqual({
        ...want,
        events: { ...want.events, duplicates: 0 },
      });
      expect(got.orders.count).toBeGreaterThan(0);
      expect(pipeline.status().behind).toBe(0);
      expect(states.at(-1)).toBe('live');
    } finally {
      await pipeline.stop();
      await stopLocalKafka(name);
      rmSync(kafkaDataDir(name), { recursive: true, force: true });
    }
  }, 180_000);

  it('counts nothing of a batch until its invalid events are dead-lettered, then all of it once', async () => {
    // A broker of its own: the dead-letter topic goes away for a while.
    const name = `showpipe-dlq-${process.pid}`;
    const port = 29_800 + (process.pid % 100) * 2;
    const local = await startLocalKafka({ name, port, controllerPort: port + 1, partitions: 1 });
    const localKafka = kafkaAt(local.brokers);
    const admin = localKafka.admin();
    const localProducer = localKafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    const showId = `it-show-${randomUUID()}`;
    const t0 = Date.now() - 60_000;
    const { pipeline, started } = startPipeline(showId, t0, local.brokers);
    running.pop(); // stopped below, before its broker goes away
    try {
      await started;
      await admin.connect();
      await localProducer.connect();
      await admin.deleteTopics({ topics: [SHOW_TOPICS.deadLetter], timeout: 10_000 });
      for (let tries = 0; (await admin.listTopics()).includes(SHOW_TOPICS.deadLetter); tries++) {
        if (tries > 100) throw new Error('the dead-letter topic was not deleted');
        await new Promise((r) => setTimeout(r, 100));
      }

      const events = scriptedShow(showId, t0).slice(0, 6);
      const bad = invalidMessages(showId, t0)[0]!; // bad-json
      // One send, so one batch: valid events on both sides of the invalid one.
      await localProducer.send({
        topic: SHOW_TOPICS.shopper,
        acks: -1,
        messages: [
          ...events.slice(0, 3).map((e) => message(e)),
          bad.message,
          ...events.slice(3).map((e) => message(e)),
        ],
      });
      await new Promise((r) => setTimeout(r, 3000));
      expect(pipeline.snapshot(showId)).toBeNull();
      expect(pipeline.status()).toMatchObject({ processed: 0, deadLettered: 0 });
      expect(pipeline.status().behind).toBeGreaterThan(0);

      await ensureShowTopics(admin); // the dead-letter topic is back: the retried write succeeds
      const got = await until(
        'the batch counted',
        () => {
          const s = pipeline.snapshot(showId);
          return s && s.events.accepted === events.length && s;
        },
        60_000,
      );
      expect(got).toEqual(expectedSnapshot(events));
      await until('status', () => pipeline.status().processed === events.length + 1);
      expect(pipeline.status()).toMatchObject({ deadLettered: 1, behind: 0 });
      expect(pipeline.status().invalid['bad-json']).toBe(1);
    } finally {
      await pipeline.stop();
      await localProducer.disconnect();
      await admin.disconnect();
      await stopLocalKafka(name);
      rmSync(kafkaDataDir(name), { recursive: true, force: true });
    }
  }, 180_000);
});
