// Compressed shopper streams on the real broker: batches from Kafka's own Java client (gzip,
// snappy, LZ4, ZSTD) and from kafkajs (gzip, snappy, LZ4) are counted exactly, and a batch the
// studio cannot decompress is refused as one dead letter while counting goes on.
import { randomUUID } from 'node:crypto';
import { CompressionTypes, Kafka, Partitioners, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { useKafkaCodecs } from '../../../main/kafka/codecs';
import { ShowPipeline } from '../../../main/live-metrics/show-pipeline';
import { DEAD_LETTER_HEADERS, SHOW_TOPICS, type ShowEvent } from '../../../protocol/events';
import { produceWithJavaClient } from '../../../scripts/kafka';
import { ShowAggregator } from '../../../main/live-metrics/show-aggregator';
import { readTruth, shopperStream, toMessage } from '../../support/show-stream';
import { until } from '../../support/until';

const brokers = process.env.SHOPCAST_KAFKA_BROKERS!.split(',');
useKafkaCodecs();
const kafka = new Kafka({ clientId: 'compressed-streams-test', brokers, logLevel: logLevel.NOTHING });
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
const running: ShowPipeline[] = [];

afterAll(async () => {
  for (const p of running) await p.stop();
  await producer.disconnect();
});

function startPipeline(showId: string, fromMs: number, codecs = {}) {
  const pipeline = new ShowPipeline(kafka, {
    instanceId: 'it-compressed',
    replayFromMs: fromMs,
    showIds: [showId],
    codecs,
  });
  running.push(pipeline);
  return { pipeline, started: pipeline.start() };
}

const started = (showId: string, ts: number): ShowEvent => ({
  id: `${showId}-start`,
  v: 1,
  type: 'show.started',
  showId,
  ts,
  currency: 'USD',
});

describe('compressed shopper streams', () => {
  it('counts batches compressed by the Java client and by kafkajs exactly, with every codec', async () => {
    const showId = `it-codecs-${randomUUID()}`;
    const t0 = Date.now() - 30_000;
    await producer.connect();
    await producer.send({ topic: SHOW_TOPICS.studio, acks: -1, messages: [toMessage(started(showId, t0))] });
    // 7 slices of one stream, each through another producer and codec (no refused messages).
    const stream = shopperStream(showId, 0, 1400, t0, { every: 1_000_000, oversizedBytes: 0 });
    const slices = [0, 1, 2, 3, 4, 5, 6].map((k) =>
      stream.slice(k * 200, k === 6 ? undefined : (k + 1) * 200),
    );
    for (const [k, codec] of (['gzip', 'snappy', 'lz4', 'zstd'] as const).entries()) {
      produceWithJavaClient({
        brokers,
        topic: SHOW_TOPICS.shopper,
        compression: codec,
        records: slices[k]!.map((m) => ({ key: String(m.message.key), value: String(m.message.value) })),
      });
    }
    for (const [k, compression] of [
      CompressionTypes.GZIP,
      CompressionTypes.Snappy,
      CompressionTypes.LZ4,
    ].entries()) {
      await producer.send({
        topic: SHOW_TOPICS.shopper,
        acks: -1,
        compression,
        messages: slices[4 + k]!.map((m) => m.message),
      });
    }

    const truth = await readTruth(kafka, showId, stream.length + 1);
    expect(truth.refused.size).toBe(0);
    const { pipeline, started: ready } = startPipeline(showId, t0);
    await ready;
    const got = await until('every event', () => {
      const s = pipeline.snapshot(showId);
      return s && s.events.accepted === truth.snapshot.events.accepted && s;
    });
    expect(got).toEqual(truth.snapshot);
    expect(got.orders.count).toBeGreaterThan(300);
    expect(pipeline.status().invalid.undecodable).toBe(0);
    // Each pipeline dead-letters what it refuses: this one must not see the next test's stream.
    await pipeline.stop();
  }, 120_000);

  it('refuses a batch it cannot decompress as one dead letter and counts the rest', async () => {
    const showId = `it-undecodable-${randomUUID()}`;
    // Starts after every earlier test's messages, so what is refused is this show's alone.
    const t0 = Date.now() + 61_000;
    await producer.connect();
    await producer.send({ topic: SHOW_TOPICS.studio, acks: -1, messages: [toMessage(started(showId, t0))] });
    const stream = shopperStream(showId, 0, 210, t0, { every: 1_000_000, oversizedBytes: 0 });
    const [before, bomb, after] = [stream.slice(0, 100), stream.slice(100, 110), stream.slice(110)];
    await producer.send({ topic: SHOW_TOPICS.shopper, acks: -1, messages: before.map((m) => m.message) });
    // LZ4 batches of records of 55 kB each: more than this pipeline allows once decompressed,
    // however the Java client splits them into batches.
    produceWithJavaClient({
      brokers,
      topic: SHOW_TOPICS.shopper,
      compression: 'lz4',
      records: bomb.map((m) => ({
        key: String(m.message.key),
        value: String(m.message.value).padEnd(55_000, ' '),
      })),
    });
    await producer.send({ topic: SHOW_TOPICS.shopper, acks: -1, messages: after.map((m) => m.message) });

    const { pipeline, started: ready } = startPipeline(showId, t0, { maxBatchBytes: 50_000 });
    await ready;
    // Everything but the refused batches: the show without those 10 events.
    const expected = new ShowAggregator(showId);
    expected.apply(started(showId, t0));
    for (const m of [...before, ...after]) expected.apply(JSON.parse(String(m.message.value)) as ShowEvent);
    const want = expected.snapshot();
    const got = await until('the batches around them counted', () => {
      const snap = pipeline.snapshot(showId);
      return snap && snap.events.accepted === want.events.accepted && pipeline.status().behind === 0 && snap;
    });
    expect(got).toEqual(want);
    const status = await until('dead-lettered', () => {
      const st = pipeline.status();
      return st.invalid.undecodable > 0 && st.deadLettered === st.invalid.undecodable && st;
    });
    expect(status.deadLetterLost).toBe(0);
    // Together this show's letters cover exactly the 10 records that could not be read.
    const letters = await readUndecodableLetters(showId, bomb.length);
    expect(letters.length).toBeLessThanOrEqual(status.invalid.undecodable);
    for (const letter of letters) {
      expect(letter.reason).toBe('undecodable');
      expect(letter.codec).toBe('lz4');
    }
    expect(covered(letters)).toBe(bomb.length);
  }, 120_000);
});

type UndecodableLetter = { reason: string; codec: string; offsets: string };

/** How many source records the letters stand for ("first-last" offsets each). */
const covered = (letters: UndecodableLetter[]) =>
  letters.reduce((sum, l) => {
    const [first, last] = l.offsets.split('-').map(Number);
    return sum + last! - first! + 1;
  }, 0);

/** The show's dead letters of undecodable batches (no key: found by the show id in their bytes), until they cover `records`. */
async function readUndecodableLetters(
  showId: string,
  records: number,
): Promise<{ reason: string; codec: string; offsets: string }[]> {
  const consumer = kafka.consumer({ groupId: `it-undecodable-dlq-${randomUUID()}` });
  const found: { reason: string; codec: string; offsets: string }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: SHOW_TOPICS.deadLetter, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const h = message.headers ?? {};
      // LZ4 keeps a batch's first occurrence of the show id as a literal.
      if (String(h[DEAD_LETTER_HEADERS.reason]) !== 'undecodable' || !message.value?.includes(showId)) return;
      found.push({
        reason: String(h[DEAD_LETTER_HEADERS.reason]),
        codec: String(h[DEAD_LETTER_HEADERS.codec]),
        offsets: String(h[DEAD_LETTER_HEADERS.sourceOffsets]),
      });
    },
  });
  await until('the undecodable batches in the dead-letter topic', () => covered(found) >= records);
  await consumer.disconnect();
  return found;
}
