// Latency at 10k events/s: event timestamp → snapshot pushed by the studio services (Node),
// and → the number painted in the dashboard (browser mode, Debian Chromium), with a bare
// kafkajs produce → consume as the baseline, all in the same run on a dedicated broker.
//
// The load (reactions at --rate) comes from a child process, bench/latency-load.ts, with several
// sends in flight, so it keeps 50k events/s while the studio is busy in this process.
//
// Every snapshot and headline push carries asOf (the newest event ts it includes) and the
// dashboard renders the newer one's as data-asof on the show clock; a MutationObserver stamps the next animation frame after it
// changes. An event's latency is the first push (or paint) whose asOf covers its ts, minus ts.
//
//   npx tsx bench/latency.ts [--seconds 20] [--rate 10000]
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../main/studio/config';
import { startBrowserMode } from '../main/web/browser-mode';
import { SHOW_TOPICS, type ShowEvent } from '../protocol/events';
import type { ShowHeadline, ShowMetricsSnapshot } from '../protocol/metrics';
import type { ShowState } from '../protocol/show';
import { kafkaDataDir, startLocalKafka, stopLocalKafka } from '../scripts/kafka';
import { chromiumArgs } from '../tests/e2e/playwright.config';
import type { LoadReport } from './latency-load';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '20' }, rate: { type: 'string', default: '10000' } },
});
const SECONDS = Number(values.seconds);
const RATE = Number(values.rate);
const WARMUP_MS = 3000;
// Beside this machine's own broker when SHOPCAST_KAFKA_PORT is set (several engineers share it).
const BROKER_PORT = process.env.SHOPCAST_KAFKA_PORT ? Number(process.env.SHOPCAST_KAFKA_PORT) + 400 : 39292;
const BROKER = { name: 'bench-latency', port: BROKER_PORT, controllerPort: BROKER_PORT + 1, partitions: 6 };
const log = (line: string) => console.error(`[latency] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  return { samples: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.at(-1) ?? NaN };
}

/** Per event: first stamp whose asOf ≥ ts, minus ts. Both lists sorted by time. */
function coverLatency(eventTs: number[], stamps: { asOf: number; at: number }[]): number[] {
  const out: number[] = [];
  let j = 0;
  let maxAsOf = -Infinity;
  const covered: { asOf: number; at: number }[] = [];
  for (const s of stamps) {
    if (s.asOf > maxAsOf) covered.push(s);
    maxAsOf = Math.max(maxAsOf, s.asOf);
  }
  for (const ts of eventTs) {
    while (j < covered.length && covered[j]!.asOf < ts) j++;
    if (j < covered.length) out.push(covered[j]!.at - ts);
  }
  return out;
}

async function main(): Promise<void> {
  await stopLocalKafka(BROKER.name);
  rmSync(kafkaDataDir(BROKER.name), { recursive: true, force: true });
  const broker = await startLocalKafka(BROKER, log);
  const dataDir = mkdtempSync(join(os.tmpdir(), 'shopcast-latency-'));
  const studio = await startBrowserMode(
    loadConfig({
      ...process.env,
      SHOPCAST_KAFKA_BROKERS: broker.brokers.join(','),
      SHOPCAST_DATA_DIR: dataDir,
    }),
  );
  const node: { asOf: number; at: number }[] = [];
  const headlines: { asOf: number; at: number }[] = [];
  studio.services.host.subscribe((event, payload) => {
    const asOf = (payload as ShowMetricsSnapshot | ShowHeadline | null)?.asOf;
    if (event === 'metrics' && asOf) node.push({ asOf, at: Date.now() });
    if (event === 'headline' && asOf) headlines.push({ asOf, at: Date.now() });
  });
  const started = (await studio.services.host.call('startShow', {
    title: 'Latency bench',
    mode: 'rehearsal',
    currency: 'USD',
  })) as { ok: true; response: ShowState };
  const showId = started.response.showId;

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: chromiumArgs,
  });
  const page = await browser.newPage();
  await page.goto(studio.web.url);
  await page.getByRole('button', { name: 'Dashboard', exact: true }).click();
  await page.getByTestId('show-clock').waitFor();
  await page.evaluate(() => {
    const stamps: { asOf: number; at: number }[] = [];
    (window as unknown as { stamps: typeof stamps }).stamps = stamps;
    const clock = document.querySelector<HTMLElement>('[data-testid="show-clock"]')!;
    new MutationObserver(() => {
      const asOf = Number(clock.dataset.asof);
      requestAnimationFrame(() => stamps.push({ asOf, at: performance.timeOrigin + performance.now() }));
    }).observe(clock, { attributes: true, attributeFilter: ['data-asof'] });
  });

  // The baseline: a plain consumer of the same topic, stamping each message on arrival.
  const kafka = new Kafka({ clientId: 'bench-latency', brokers: broker.brokers, logLevel: logLevel.NOTHING });
  const bare: number[] = [];
  const consumer = kafka.consumer({ groupId: `bench-latency-bare-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: SHOW_TOPICS.shopper, fromBeginning: false });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      for (const m of batch.messages) if (m.key?.toString() === showId) bare.push(now - Number(m.timestamp));
    },
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  // Measure the steady state, not start-up: wait until one probe event has gone all the way
  // through the pipeline (its consumer group can take several seconds to join).
  const probeTs = Date.now();
  const probe: ShowEvent = {
    id: 'probe',
    type: 'reaction',
    v: 1,
    showId,
    ts: probeTs,
    viewerId: 'probe',
    reaction: 'ok',
  };
  await producer.send({
    topic: SHOW_TOPICS.shopper,
    acks: 1,
    messages: [{ key: showId, value: JSON.stringify(probe), timestamp: String(probeTs) }],
  });
  while (!node.some((stamp) => stamp.asOf >= probeTs)) {
    if (Date.now() - probeTs > 60_000) throw new Error('the pipeline never delivered the probe event');
    await sleep(50);
  }
  log(`pipeline live after ${Date.now() - probeTs} ms; producing ${RATE} events/s for ${SECONDS} s…`);
  const loadAtStart = os.loadavg()[0];
  // The load runs in a process of its own (bench/latency-load.ts), beside the studio's.
  const load = await new Promise<LoadReport>((resolve, reject) => {
    const child = fork(
      new URL('./latency-load.ts', import.meta.url).pathname,
      [broker.brokers.join(','), showId, String(RATE), String(SECONDS), String(WARMUP_MS)],
      { execArgv: ['--import', 'tsx'] },
    );
    child.on('message', (report: LoadReport) => resolve(report));
    child.on('exit', (code) => reject(new Error(`the load generator exited (${code})`)));
  });
  if (load.failedSends.length) throw new Error(`sends failed: ${load.failedSends.slice(0, 3).join('; ')}`);
  const eventTs = load.eventTs;
  const n = load.produced;
  await sleep(2000);
  const dom = await page.evaluate(
    () => (window as unknown as { stamps: { asOf: number; at: number }[] }).stamps,
  );
  const result = {
    bench: 'latency',
    date: new Date().toISOString(),
    loadAverage: { start: loadAtStart, end: os.loadavg()[0] },
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
    rate: RATE,
    seconds: SECONDS,
    produced: n,
    producedPerSecond: load.eventsPerSecond,
    loadStalledTicks: load.stalledTicks,
    bareProduceToConsumeMs: percentiles(bare.slice(Math.floor((bare.length * WARMUP_MS) / (SECONDS * 1000)))),
    eventToSnapshotPushMs: percentiles(coverLatency(eventTs, node)),
    eventToHeadlinePushMs: percentiles(coverLatency(eventTs, headlines)),
    eventToPaintedMs: percentiles(coverLatency(eventTs, dom)),
    snapshotsPushed: node.length,
    headlinesPushed: headlines.length,
    framesPainted: dom.length,
  };
  console.log(
    JSON.stringify(
      {
        ...result,
        goal: {
          p99PaintedUnder100ms: result.eventToPaintedMs.p99 < 100,
          p99PaintedAtMost2xBare: result.eventToPaintedMs.p99 <= 2 * result.bareProduceToConsumeMs.p99,
        },
      },
      null,
      2,
    ),
  );

  await producer.disconnect();
  await consumer.disconnect();
  await browser.close();
  await studio.stop();
  await stopLocalKafka(BROKER.name);
  rmSync(dataDir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
