// Fault drills: the studio's live metrics (LiveMetrics with its KafkaGateway, as the studio
// runs them) against a broker of their own that is killed (once, and ten times in a row), frozen
// or robbed of its dead-letter topic. Each drill ends with the show's exact figures (checked
// against a plain consumer's reading of the topics), every refused message dead-lettered
// exactly once (or counted as not kept), and exactly one consumer group member for the studio.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, Partitioners, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaGateway } from '../../../main/kafka/kafka-gateway';
import { useKafkaCodecs } from '../../../main/kafka/codecs';
import { ensureShowTopics } from '../../../main/kafka/topics';
import { LiveMetrics } from '../../../main/live-metrics/live-metrics';
import { SHOW_TOPICS } from '../../../protocol/events';
import type { ShowMetricsSnapshot, ShowPipelineStatus } from '../../../protocol/metrics';
import type { ShowState } from '../../../protocol/show';
import {
  kafkaDataDir,
  killLocalKafka,
  pauseLocalKafka,
  resumeLocalKafka,
  startLocalKafka,
  stopLocalKafka,
  type LocalKafkaOptions,
} from '../../../scripts/kafka';
import {
  groupMembers,
  newDrillShow,
  readDeadLetters,
  readTruth,
  shopperStream,
  type StreamMessage,
} from '../../support/show-stream';
import { until, untilResolved } from '../../support/until';

// A broker of the drills' own, beside this run's test broker.
const port = Number(process.env.SHOPCAST_KAFKA_PORT ?? 29092) + 110;
const BROKER: LocalKafkaOptions = { name: 'drills', port, controllerPort: port + 1, partitions: 1 };
const brokers = [`127.0.0.1:${port}`];
const INSTANCE = 'drill-studio';
const GROUP_PREFIX = `shopcast-studio.${INSTANCE}.`;

useKafkaCodecs();
const kafka = new Kafka({ clientId: 'drills', brokers, logLevel: logLevel.NOTHING });
let producer: Producer;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  await stopLocalKafka(BROKER.name);
  rmSync(kafkaDataDir(BROKER.name), { recursive: true, force: true });
  await startLocalKafka(BROKER);
  const admin = kafka.admin();
  await admin.connect();
  await ensureShowTopics(admin, { partitions: 1 });
  await admin.disconnect();
  producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
}, 120_000);

afterAll(async () => {
  await producer?.disconnect().catch(() => {});
  await stopLocalKafka(BROKER.name);
  rmSync(kafkaDataDir(BROKER.name), { recursive: true, force: true });
});

/** Sends in requests of at most ~900 kB, retrying through outages (as a platform's producer would). */
async function produce(messages: StreamMessage[]): Promise<void> {
  let chunk: StreamMessage[] = [];
  let bytes = 0;
  const flush = async () => {
    for (;;) {
      try {
        for (const topic of new Set(chunk.map((m) => m.topic))) {
          const list = chunk.filter((m) => m.topic === topic).map((m) => m.message);
          await producer.send({ topic, acks: -1, messages: list });
        }
        break;
      } catch {
        await sleep(500);
      }
    }
    chunk = [];
    bytes = 0;
  };
  for (const m of messages) {
    const size = String(m.message.value).length + 100;
    if (bytes + size > 900_000) await flush();
    chunk.push(m);
    bytes += size;
  }
  if (chunk.length) await flush();
}

/** A studio's live metrics, as startStudioServices wires them: the gateway's health drives restarts. */
function startStudio(dataDir: string) {
  const seen = { snapshot: null as ShowMetricsSnapshot | null, pipeline: [] as ShowPipelineStatus[] };
  let metrics: LiveMetrics | null = null;
  const gateway = new KafkaGateway(
    { clientId: 'drill-studio', brokers, ssl: false, topics: { partitions: 1, retentionHours: 24 } },
    (status) => metrics?.onKafkaStatus(status),
  );
  metrics = new LiveMetrics({
    kafka: gateway.kafka,
    instanceId: INSTANCE,
    dataDir,
    kafkaStatus: () => gateway.status,
    onSnapshot: (s) => {
      if (s) seen.snapshot = s;
    },
    onPipeline: (s) => seen.pipeline.push(s),
    onChat: () => {},
  });
  gateway.start();
  return {
    metrics,
    seen,
    status: () => metrics.state().pipeline,
    async stop() {
      await metrics.stop();
      await gateway.stop();
    },
  };
}

type Studio = ReturnType<typeof startStudio>;

/**
 * The drill's verdict: the studio's figures equal the plain consumer's, each refused message
 * is dead-lettered once (those not kept counted instead), and the studio has one group member.
 */
async function expectExact(
  studio: Studio,
  show: ShowState,
  produced: number,
  { lost = 0, writtenBefore = 0 } = {},
): Promise<void> {
  const truth = await readTruth(kafka, show.showId, produced);
  expect(truth.messages).toBeGreaterThanOrEqual(produced);
  const got = await until(
    'exact figures',
    () => {
      const s = studio.seen.snapshot;
      return s && s.events.accepted === truth.snapshot.events.accepted && s;
    },
    90_000,
  );
  expect(got).toEqual(truth.snapshot);
  await until('every refused message handled', () => {
    const st = studio.status();
    return st.deadLettered + st.deadLetterLost >= truth.refused.size - writtenBefore && st.behind === 0;
  });
  const letters = await readDeadLetters(kafka, show.showId, truth.refused.size - lost);
  expect([...letters.values()].every((copies) => copies === 1)).toBe(true);
  expect(letters.size).toBe(truth.refused.size - lost);
  for (const source of letters.keys()) expect(truth.refused.has(source)).toBe(true);
  // A consumer replaced while its coordinator was away could not leave its group; the broker
  // drops that member when its session times out (30 s). One that still heartbeats stays.
  await untilResolved(
    'one consumer group member (the replaced ones expired)',
    async () => (await groupMembers(kafka, GROUP_PREFIX)) === 1,
    45_000,
    1000,
  );
}

/** Restarts the drills' broker after a SIGKILL and says when it serves again. */
async function restartBroker(): Promise<number> {
  await startLocalKafka(BROKER);
  return Date.now();
}

describe('Live metrics fault drills (real broker)', () => {
  it('broker SIGKILL during the catch-up of a show with more than 1 MB of refused messages', async () => {
    const { show, started } = newDrillShow();
    const t0 = show.startedAt + 1000;
    // 1 600 messages, 80 of them refused: 40 values of 100 kB (4 MB) and 40 of bad JSON.
    const before = [started, ...shopperStream(show.showId, 0, 1600, t0)];
    await produce(before);
    const dataDir = mkdtempSync(join(tmpdir(), 'drill-'));
    const studio = startStudio(dataDir);
    try {
      studio.metrics.setShow(show);
      // Killed while the first fetch (the whole show, 4 MB of it refused) is being counted.
      await until('catching up', () => studio.status().state === 'catching-up', 30_000, 5);
      await sleep(500);
      const counted = studio.metrics.state().snapshot?.events.accepted ?? 0;
      console.log(`[drill] catch-up SIGKILL with ${counted} events counted of ${before.length} messages`);
      killLocalKafka(BROKER.name);
      await sleep(2000);
      const back = await restartBroker();
      const after = shopperStream(show.showId, 1600, 400, t0);
      await produce(after);
      await expectExact(studio, show, before.length + after.length);
      console.log(
        `[drill] catch-up SIGKILL: exact ${((Date.now() - back) / 1000).toFixed(1)} s after the broker was back`,
      );
      // Resumed, not replayed: one pipeline start for the whole drill.
      expect(studio.seen.pipeline.filter((p) => p.state === 'starting')).toHaveLength(1);
    } finally {
      await studio.stop();
    }
    expect(await groupMembers(kafka, GROUP_PREFIX)).toBe(0);
  }, 240_000);

  it('broker SIGKILL during a live burst', async () => {
    const { show, started } = newDrillShow();
    const t0 = show.startedAt + 1000;
    const first = [started, ...shopperStream(show.showId, 0, 200, t0)];
    await produce(first);
    const dataDir = mkdtempSync(join(tmpdir(), 'drill-'));
    const studio = startStudio(dataDir);
    try {
      studio.metrics.setShow(show);
      await until('live', () => studio.status().state === 'live' && studio.seen.snapshot?.events.accepted);
      const burst = shopperStream(show.showId, 200, 6000, t0);
      const sending = (async () => {
        for (let i = 0; i < burst.length; i += 300) {
          await produce(burst.slice(i, i + 300));
          await sleep(20);
        }
      })();
      await until('the burst under way', () => (studio.seen.snapshot?.events.accepted ?? 0) > 1500);
      killLocalKafka(BROKER.name);
      await sleep(2000);
      const back = await restartBroker();
      await sending;
      await expectExact(studio, show, first.length + burst.length);
      console.log(
        `[drill] live SIGKILL: exact ${((Date.now() - back) / 1000).toFixed(1)} s after the broker was back`,
      );
      expect(studio.seen.pipeline.filter((p) => p.state === 'starting')).toHaveLength(1);
    } finally {
      await studio.stop();
    }
    expect(await groupMembers(kafka, GROUP_PREFIX)).toBe(0);
  }, 240_000);

  it('studio restart mid-show with the same stream', async () => {
    const { show, started } = newDrillShow();
    const t0 = show.startedAt + 1000;
    const before = [started, ...shopperStream(show.showId, 0, 1000, t0)];
    await produce(before);
    const dataDir = mkdtempSync(join(tmpdir(), 'drill-'));
    const first = startStudio(dataDir);
    let firstTruth: Awaited<ReturnType<typeof readTruth>>;
    try {
      first.metrics.setShow(show);
      firstTruth = await readTruth(kafka, show.showId, before.length);
      const truth = firstTruth;
      await until(
        'first studio counted',
        () => first.seen.snapshot?.events.accepted === truth.snapshot.events.accepted,
      );
      await readDeadLetters(kafka, show.showId, truth.refused.size);
    } finally {
      await first.stop();
    }

    const after = shopperStream(show.showId, 1000, 500, t0);
    await produce(after);
    const second = startStudio(dataDir);
    try {
      second.metrics.setShow(show);
      // What the first run dead-lettered is not written again.
      await expectExact(second, show, before.length + after.length, {
        writtenBefore: firstTruth.refused.size,
      });
      expect(second.status().invalid.oversized + second.status().invalid['bad-json']).toBeGreaterThan(
        second.status().deadLettered,
      );
    } finally {
      await second.stop();
    }
  }, 240_000);

  it('broker paused (SIGSTOP) for 20 s, then resumed', async () => {
    const { show, started } = newDrillShow();
    const t0 = show.startedAt + 1000;
    const before = [started, ...shopperStream(show.showId, 0, 600, t0)];
    await produce(before);
    const dataDir = mkdtempSync(join(tmpdir(), 'drill-'));
    const studio = startStudio(dataDir);
    try {
      studio.metrics.setShow(show);
      await until('live', () => studio.status().state === 'live' && studio.status().behind === 0);
      pauseLocalKafka(BROKER.name);
      await sleep(20_000);
      resumeLocalKafka(BROKER.name);
      const back = Date.now();
      const after = shopperStream(show.showId, 600, 600, t0);
      await produce(after);
      await expectExact(studio, show, before.length + after.length);
      console.log(
        `[drill] SIGSTOP 20 s: exact ${((Date.now() - back) / 1000).toFixed(1)} s after the broker resumed`,
      );
      expect(studio.seen.pipeline.filter((p) => p.state === 'starting')).toHaveLength(1);
    } finally {
      resumeLocalKafka(BROKER.name);
      await studio.stop();
    }
  }, 240_000);

  it('ten broker outages in a row: still one pipeline and one group member, figures exact', async () => {
    const { show, started } = newDrillShow();
    const t0 = show.startedAt + 1000;
    let produced = [started, ...shopperStream(show.showId, 0, 100, t0)];
    await produce(produced);
    const dataDir = mkdtempSync(join(tmpdir(), 'drill-'));
    const studio = startStudio(dataDir);
    try {
      studio.metrics.setShow(show);
      await until('live', () => studio.status().state === 'live' && studio.status().behind === 0);
      for (let outage = 1; outage <= 10; outage++) {
        killLocalKafka(BROKER.name);
        await sleep(500);
        await restartBroker();
        const more = shopperStream(show.showId, outage * 100, 100, t0);
        await produce(more);
        produced = [...produced, ...more];
      }
      await expectExact(studio, show, produced.length);
      expect(studio.seen.pipeline.filter((p) => p.state === 'starting')).toHaveLength(1);
    } finally {
      await studio.stop();
    }
    expect(await groupMembers(kafka, GROUP_PREFIX)).toBe(0);
  }, 400_000);

  it('dead-letter topic recreated smaller than one refused message: those are counted as not kept, the rest goes on', async () => {
    const admin = kafka.admin();
    await admin.connect();
    const dataDir = mkdtempSync(join(tmpdir(), 'drill-'));
    const studio = startStudio(dataDir);
    // A show that starts after every earlier drill's messages, so the counts are this show's alone.
    const { show, started } = newDrillShow(Date.now() + 61_000);
    const t0 = show.startedAt + 1000;
    try {
      await admin.deleteTopics({ topics: [SHOW_TOPICS.deadLetter], timeout: 10_000 });
      await untilResolved(
        'the dead-letter topic gone',
        async () => !(await admin.listTopics()).includes(SHOW_TOPICS.deadLetter),
      );
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: SHOW_TOPICS.deadLetter,
            numPartitions: 1,
            configEntries: [{ name: 'max.message.bytes', value: '50000' }],
          },
        ],
      });
      // 20 refused: 10 values of 100 kB (larger than the topic takes) and 10 of bad JSON.
      const stream = [started, ...shopperStream(show.showId, 0, 400, t0)];
      await produce(stream);
      studio.metrics.setShow(show);
      await expectExact(studio, show, stream.length, { lost: 10 });
      expect(studio.status().deadLetterLost).toBe(10);
      expect(studio.status().deadLettered).toBe(10);
    } finally {
      await studio.stop();
      // The next drills (and runs) get the topic as the studio makes it.
      await admin.deleteTopics({ topics: [SHOW_TOPICS.deadLetter], timeout: 10_000 }).catch(() => {});
      await untilResolved(
        'the dead-letter topic gone',
        async () => !(await admin.listTopics()).includes(SHOW_TOPICS.deadLetter),
      );
      await ensureShowTopics(admin, { partitions: 1 });
      await admin.disconnect();
    }
  }, 240_000);
});
