// Replays of a long show: a 2-hour show with 1M events written to Kafka with back-dated
// timestamps, then (1) read back by timestamp into the archive (the first open), against a
// bare kafkajs consumer reading the same offsets in the same run; (2) opened again from the
// archive: time to an interactive timeline, and until every checkpoint is built; (3) seeks:
// the figures (the dashboard's aggregator fed up to the moment) and the chat at random
// moments, and moving forward as playback does; (4) memory. Needs a broker (SHOPCAST_KAFKA_BROKERS,
// or the local test stack's).
//
//   node --expose-gc --import tsx bench/replays.ts [--events 1000000] [--hours 2] [--seeks 200]
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { ensureShowTopics, SHOW_EVENT_TOPICS } from '../main/kafka';
import { Recordings } from '../main/recording';
import { Replays } from '../main/replays';
import { rangesByTimestamp, readRanges } from '../main/replays/kafka-ranges';
import { CLOCK_SLACK_MS } from '../main/replays/read-show';
import { writeBackdatedShow } from '../server/audience/backdated';
import { startLocalStack } from '../scripts/stack';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    hours: { type: 'string', default: '2' },
    seeks: { type: 'string', default: '200' },
  },
});
const log = (line: string) => console.error(`[bench:replays] ${line}`);
const gc = (globalThis as { gc?: () => void }).gc;
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
const memory = () => {
  gc?.();
  const m = process.memoryUsage();
  return { heapMB: mb(m.heapUsed), rssMB: mb(m.rss) };
};
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const round = (n: number) => Math.round(n * 100) / 100;

async function main(): Promise<void> {
  const load = [os.loadavg()[0]];
  const stack = process.env.SHOPCAST_KAFKA_BROKERS ? null : await startLocalStack('test', log);
  const brokers = (process.env.SHOPCAST_KAFKA_BROKERS ?? stack!.env.SHOPCAST_KAFKA_BROKERS!).split(',');
  const kafka = new Kafka({ clientId: 'bench-replays', brokers, logLevel: logLevel.NOTHING });
  try {
    const admin = kafka.admin();
    await admin.connect();
    await ensureShowTopics(admin);
    await admin.disconnect();
    const events = Number(values.events);
    const durationMs = Number(values.hours) * 3600_000;
    const showId = `bench-replay-${Date.now().toString(36)}`;
    const catalog = (
      JSON.parse(readFileSync('assets/catalog/demo-products.json', 'utf8')) as {
        products: { id: string; priceMinor: number; currency: string }[];
      }
    ).products.filter((p) => p.currency === 'USD');

    log(`writing ${events} events of a ${values.hours}-hour show, back-dated…`);
    let t = performance.now();
    const range = await writeBackdatedShow({
      connection: { brokers, ssl: false },
      showId,
      events,
      durationMs,
      seed: 9,
      catalog,
      onProgress: (sent) => {
        if (sent % 200_000 < events / 720) log(`  ${sent} sent`);
      },
    });
    const writeSeconds = (performance.now() - t) / 1000;

    // Baseline: a bare kafkajs consumer reading the same offsets, counting the show's messages.
    log('baseline: bare kafkajs read of the same ranges…');
    t = performance.now();
    const ranges = await rangesByTimestamp(
      kafka,
      SHOW_EVENT_TOPICS,
      range.startedAt - CLOCK_SLACK_MS,
      range.endedAt + CLOCK_SLACK_MS,
    );
    let bare = 0;
    await readRanges(kafka, {
      ranges,
      onMessages: (_topic, _partition, messages) => {
        for (const m of messages) if (m.key?.toString() === showId) bare++;
      },
    });
    const bareSeconds = (performance.now() - t) / 1000;

    const dataDir = mkdtempSync(join(os.tmpdir(), 'shopcast-bench-replays-'));
    const recordings = new Recordings({
      dataDir,
      disk: { warnBelowBytes: 0, stopBelowBytes: 0 },
      currentShow: () => null,
      onStatus: () => {},
    });
    let replays = new Replays({ kafka, dataDir, recordings, onStatus: () => {} });
    const until = async (check: () => boolean, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(replays.getStatus())}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };

    log('first open: read back from Kafka by timestamp and archive…');
    const before = memory();
    t = performance.now();
    replays.open(showId);
    await until(
      () => replays.getStatus().state === 'ready' || replays.getStatus().state === 'failed',
      600_000,
    );
    if (replays.getStatus().state === 'failed') throw new Error(replays.getStatus().error ?? 'failed');
    const firstOpenSeconds = (performance.now() - t) / 1000;
    await until(() => replays.getStatus().checkpointsReady, 600_000);
    await replays.stop();

    log('second open: from the archive…');
    replays = new Replays({ kafka, dataDir, recordings, onStatus: () => {} });
    const heapBefore = memory();
    t = performance.now();
    replays.open(showId);
    await until(() => replays.getStatus().state === 'ready', 60_000);
    const timeline = replays.timeline(showId);
    const interactiveMs = performance.now() - t;
    await until(() => replays.getStatus().checkpointsReady, 600_000);
    const checkpointsMs = performance.now() - t;
    const afterOpen = memory();

    log(`${values.seeks} random seeks…`);
    const seeks: number[] = [];
    const span = timeline.endedAt - timeline.startedAt;
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < Number(values.seeks); i++) {
      const at = Math.round(timeline.startedAt + random() * span);
      const s = performance.now();
      replays.moment(showId, at);
      seeks.push(performance.now() - s);
    }
    seeks.sort((a, b) => a - b);
    log('playback: 100 ms steps for a minute of show…');
    const steps: number[] = [];
    const from = timeline.startedAt + span / 2;
    replays.moment(showId, from);
    for (let at = from + 100; at < from + 60_000; at += 100) {
      const s = performance.now();
      replays.moment(showId, at);
      steps.push(performance.now() - s);
    }
    steps.sort((a, b) => a - b);
    const end = replays.moment(showId, timeline.endedAt).figures;
    const afterSeeks = memory();
    await replays.stop();
    load.push(os.loadavg()[0]);

    console.log(
      JSON.stringify(
        {
          date: new Date().toISOString(),
          machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
          loadAverage1m: { start: round(load[0]!), end: round(load[1]!) },
          show: {
            events,
            hours: Number(values.hours),
            counted: end.events.accepted,
            orders: end.orders.count,
            pins: timeline.pins.length,
          },
          write: { seconds: round(writeSeconds), eventsPerSecond: Math.round(events / writeSeconds) },
          firstOpenFromKafka: {
            seconds: round(firstOpenSeconds),
            eventsPerSecond: Math.round(bare / firstOpenSeconds),
            bareKafkajsSeconds: round(bareSeconds),
            bareMessages: bare,
          },
          openFromArchive: {
            interactiveTimelineMs: Math.round(interactiveMs),
            checkpointsBuiltMs: Math.round(checkpointsMs),
          },
          seekMs: {
            p50: round(percentile(seeks, 0.5)),
            p95: round(percentile(seeks, 0.95)),
            max: round(seeks.at(-1)!),
          },
          playbackStepMs: {
            p50: round(percentile(steps, 0.5)),
            p95: round(percentile(steps, 0.95)),
            max: round(steps.at(-1)!),
          },
          memoryMB: {
            beforeFirstOpen: before,
            beforeArchiveOpen: heapBefore,
            afterOpenWithCheckpoints: afterOpen,
            afterSeeks,
          },
        },
        null,
        2,
      ),
    );
  } finally {
    await stack?.stop();
  }
}

await main();
