// Foundation figures: browser-mode cold start (process start → first contentful paint
// in Chromium), local broker start time, and renderer bundle size. Prints JSON.
//
//   npx tsx bench/cold-start.ts [--runs 5]
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { defaultKafkaOptions, startLocalKafka, stopLocalKafka } from '../scripts/kafka';
import { chromiumArgs } from '../tests/e2e/playwright.config';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 5);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

function bundleSize() {
  const dir = join('out', 'renderer', 'assets');
  const files = readdirSync(dir).filter((file) => file.endsWith('.js') || file.endsWith('.css'));
  let raw = 0;
  let gzip = 0;
  for (const file of files) {
    raw += statSync(join(dir, file)).size;
    gzip += gzipSync(readFileSync(join(dir, file))).length;
  }
  return { files: files.length, rawBytes: raw, gzipBytes: gzip };
}

async function brokerStartMs(): Promise<number[]> {
  const options = { ...defaultKafkaOptions('bench'), port: 39092, controllerPort: 39093 };
  await startLocalKafka(options); // formats storage on first use; not counted
  const times: number[] = [];
  for (let i = 0; i < Math.min(runs, 3); i++) {
    await stopLocalKafka('bench');
    const started = performance.now();
    await startLocalKafka(options);
    times.push(performance.now() - started);
  }
  return times;
}

async function coldStart(brokers: string) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs });
  const samples: Array<{ serverReadyMs: number; firstContentfulPaintMs: number }> = [];
  for (let i = 0; i < runs; i++) {
    const t0 = Date.now();
    const child = spawn('node_modules/.bin/tsx', ['scripts/start.ts', '--web', '--skip-build'], {
      env: { ...process.env, SHOPCAST_KAFKA_BROKERS: brokers },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /Open: (http\S+)/.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`studio exited (${code}) before it was ready:\n${out}`)));
    });
    const serverReadyMs = Date.now() - t0;
    const page = await browser.newPage();
    await page.goto(url);
    await page.getByTestId('status-kafka').waitFor();
    const fcpEpoch = await page.evaluate(() => {
      const entry = performance.getEntriesByName('first-contentful-paint')[0];
      return entry ? performance.timeOrigin + entry.startTime : NaN;
    });
    samples.push({ serverReadyMs, firstContentfulPaintMs: fcpEpoch - t0 });
    await page.close();
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  await browser.close();
  return samples;
}

const build = spawnSync(
  'npx',
  ['vite', 'build', '--logLevel', 'warn', '--config', 'renderer/vite.config.ts'],
  {
    stdio: 'inherit',
  },
);
if (build.status !== 0) throw new Error('renderer build failed');
const kafka = await startLocalKafka(defaultKafkaOptions('test'));
const brokerTimes = await brokerStartMs();
await stopLocalKafka('bench');
const samples = await coldStart(kafka.brokers.join(','));
console.log(
  JSON.stringify(
    {
      benchmark: 'foundation',
      date: new Date().toISOString(),
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
      browserModeColdStart: {
        runs,
        serverReadyMsMedian: median(samples.map((s) => s.serverReadyMs)),
        firstContentfulPaintMsMedian: median(samples.map((s) => s.firstContentfulPaintMs)),
        samples,
      },
      brokerStart: { runsMs: brokerTimes.map(Math.round), medianMs: Math.round(median(brokerTimes)) },
      rendererBundle: bundleSize(),
    },
    null,
    2,
  ),
);
process.exit(0);
