// The Moderation view's frame time while 1,000 chat messages a second arrive, in headless
// Chromium driven by Playwright against a browser-mode studio and the real broker. A producer
// writes chat.message events straight to Kafka (as rehearsal shoppers do, so the studio's
// auto-moderation checks every one). Measured in the page: requestAnimationFrame deltas and
// long tasks (Performance API), with the same view and an idle chat as the baseline of the
// same run, and how old the newest row on screen is (how far the view lags). Prints JSON.
//
//   SHOPCAST_KAFKA_BROKERS=127.0.0.1:36092 npx tsx bench/moderation-view.ts [--rate 1000] [--seconds 15] [--no-build]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { Kafka, logLevel } from 'kafkajs';
import { SHOW_TOPICS } from '../protocol/events';
import type { ModerationDelta } from '../protocol/moderation';
import type { ShowState } from '../protocol/show';
import { loadConfig } from '../main/studio/config';
import { startBrowserMode } from '../main/web/browser-mode';
import { chromiumArgs } from '../tests/e2e/playwright.config';

const arg = (name: string, fallback: number) =>
  process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback;
const rate = arg('--rate', 1000);
const seconds = arg('--seconds', 15);
const WARM_UP_MS = 3000;
const TICK_MS = 20;
/** Enough shoppers that none sends more than the flood heuristic allows (6 in 10 s). */
const SHOPPERS = 5000;

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
const round = (value: number) => Math.round(value * 10) / 10;
function frames(deltas: number[], longTasks: number[], ms: number) {
  const sorted = [...deltas].sort((a, b) => a - b);
  return {
    frames: deltas.length,
    fps: round((deltas.length * 1000) / ms),
    frameMs: {
      p50: round(quantile(sorted, 0.5)),
      p95: round(quantile(sorted, 0.95)),
      p99: round(quantile(sorted, 0.99)),
      max: round(sorted.at(-1) ?? NaN),
    },
    over50ms: deltas.filter((d) => d > 50).length,
    longTasks: { count: longTasks.length, totalMs: round(longTasks.reduce((a, b) => a + b, 0)) },
  };
}

const brokers = (process.env.SHOPCAST_KAFKA_BROKERS ?? '127.0.0.1:29092').split(',');
if (!process.argv.includes('--no-build') || !existsSync('out/renderer/index.html')) {
  const build = spawnSync(
    'npx',
    ['vite', 'build', '--logLevel', 'error', '--config', 'renderer/vite.config.ts'],
    { stdio: 'inherit' },
  );
  if (build.status !== 0) throw new Error('renderer build failed');
}
const texts = readFileSync('assets/moderation/labelled-chat.tsv', 'utf8')
  .split('\n')
  .filter((line) => line && !line.startsWith('#'))
  .map((line) => line.split('\t')[1]!);

const studio = await startBrowserMode(
  loadConfig({
    ...process.env,
    SHOPCAST_KAFKA_BROKERS: brokers.join(','),
    SHOPCAST_DATA_DIR: mkdtempSync(join(tmpdir(), 'shopcast-bench-modview-')),
  }),
);
const kafka = new Kafka({ clientId: 'bench-moderation-view', brokers, logLevel: logLevel.NOTHING });
const producer = kafka.producer();
await producer.connect();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: chromiumArgs,
});

/**
 * In the page: frame deltas and long tasks while recording, and when each marked row showed
 * up. Plain JavaScript in a string: tsx's transform would add helpers the page does not have.
 */
const INSTRUMENT = `
  const bench = { recording: false, deltas: [], longTasks: [], newest: [] };
  window.__bench = bench;
  let last = performance.now();
  const loop = (now) => {
    if (bench.recording) bench.deltas.push(now - last);
    last = now;
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
  new PerformanceObserver((list) => {
    if (bench.recording) for (const entry of list.getEntries()) bench.longTasks.push(entry.duration);
  }).observe({ type: 'longtask' });
  // The newest row on screen, four times a second: how far behind the view is.
  setInterval(() => {
    if (!bench.recording) return;
    const rows = document.querySelectorAll('[data-testid="moderation-row"]');
    const newest = rows[rows.length - 1];
    if (newest) bench.newest.push([performance.timeOrigin + performance.now(), newest.dataset.messageId]);
  }, 250);
`;

interface Recording {
  ms: number;
  deltas: number[];
  longTasks: number[];
  /** [epoch ms, id of the newest row] samples. */
  newest: Array<[number, string]>;
}

async function record(page: Page, ms: number): Promise<Recording> {
  const started = Date.now();
  await page.evaluate(() => {
    const bench = (window as unknown as { __bench: Omit<Recording, 'ms'> & { recording: boolean } }).__bench;
    Object.assign(bench, { deltas: [], longTasks: [], newest: [], recording: true });
  });
  await page.waitForTimeout(ms);
  const recorded = await page.evaluate(() => {
    const bench = (window as unknown as { __bench: Omit<Recording, 'ms'> & { recording: boolean } }).__bench;
    bench.recording = false;
    return { deltas: bench.deltas, longTasks: bench.longTasks, newest: bench.newest };
  });
  return { ...recorded, ms: Date.now() - started };
}

/** The page's own profile over the loaded window (--profile): where its main thread spends time. */
function topFunctions(profile: { nodes: ProfileNode[]; samples?: number[]; timeDeltas?: number[] }) {
  const selfMs = new Map<number, number>();
  (profile.samples ?? []).forEach((id, i) =>
    selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas?.[i] ?? 0) / 1000),
  );
  const byName = new Map<string, number>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const name = `${functionName || '(anonymous)'} ${url.split('/').pop()}:${lineNumber + 1}`;
    byName.set(name, (byName.get(name) ?? 0) + (selfMs.get(node.id) ?? 0));
  }
  return [...byName]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([name, ms]) => `${round(ms)} ms ${name}`);
}
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

try {
  const started = await studio.services.host.call('startShow', {
    title: 'Moderation view bench',
    mode: 'rehearsal',
    currency: 'EUR',
  });
  if (!started.ok) throw new Error(started.error.message);
  const show = started.response as ShowState;
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  await page.addInitScript({ content: INSTRUMENT });
  await page.goto(studio.web.url);
  await page.getByRole('button', { name: 'Moderation', exact: true }).click();
  await page.waitForSelector('[data-testid="moderation-following"][data-state="live"]', { timeout: 60_000 });
  await page.waitForTimeout(1000);

  const loadBefore = loadavg().map(round);
  const idle = await record(page, seconds * 1000);

  // `rate` messages a second, as many as are due at each tick; message n was written at producedAt[n].
  const producedAt: number[] = [];
  let sending = Promise.resolve();
  const startedAt = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    const due = Math.floor(((now - startedAt) * rate) / 1000) - producedAt.length;
    if (due <= 0) return;
    const messages = Array.from({ length: due }, () => {
      const n = producedAt.push(now) - 1;
      const event = {
        id: `bench-${show.showId}-${n}`,
        type: 'chat.message',
        v: 1,
        showId: show.showId,
        ts: now,
        viewerId: `bench-shopper-${n % SHOPPERS}`,
        displayName: `Shopper ${n % SHOPPERS}`,
        text: texts[n % texts.length]!,
      };
      return { key: show.showId, value: JSON.stringify(event), timestamp: String(now) };
    });
    sending = sending.then(() =>
      producer.send({ topic: SHOW_TOPICS.shopper, messages }).then(
        () => {},
        (error: Error) => console.error(`produce failed: ${error.message}`),
      ),
    );
  }, TICK_MS);
  await page.waitForTimeout(WARM_UP_MS);
  const sentBefore = producedAt.length;
  const cdp = process.argv.includes('--profile') ? await page.context().newCDPSession(page) : null;
  await cdp?.send('Profiler.enable');
  await cdp?.send('Profiler.start');
  // How old each new message is when the studio pushes it to its windows.
  const pushAges: number[] = [];
  const stopWatching = studio.services.host.subscribe((event, payload) => {
    if (event !== 'moderation') return;
    const now = Date.now();
    for (const m of (payload as ModerationDelta).messages ?? []) {
      const at = producedAt[Number(m.id.slice(m.id.lastIndexOf('-') + 1))];
      if (at !== undefined && m.decidedBy?.kind !== 'automod') pushAges.push(now - at);
    }
  });
  const cpuBefore = process.cpuUsage();
  const loaded = await record(page, seconds * 1000);
  const cpu = process.cpuUsage(cpuBefore);
  stopWatching();
  pushAges.sort((a, b) => a - b);
  const profile = await cdp?.send('Profiler.stop');
  const sentDuring = producedAt.length - sentBefore;
  clearInterval(timer);
  await sending;

  // How old the newest row on screen was, each time it was looked at.
  const lag = loaded.newest
    .map(([at, id]) => at - (producedAt[Number(id.slice(id.lastIndexOf('-') + 1))] ?? NaN))
    .filter((ms) => Number.isFinite(ms))
    .sort((a, b) => a - b);
  const snapshot = await studio.services.host.call('getModeration', {});

  console.log(
    JSON.stringify(
      {
        bench: 'moderation-view',
        date: new Date().toISOString(),
        machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
        loadAverage: { before: loadBefore, after: loadavg().map(round) },
        view: 'Moderation view, 1600×900, following the newest message; the program compositor runs too',
        seconds,
        targetRate: rate,
        producedPerSecond: round((sentDuring * 1000) / loaded.ms),
        idleChat: frames(idle.deltas, idle.longTasks, idle.ms),
        atRate: frames(loaded.deltas, loaded.longTasks, loaded.ms),
        kafkaToStudioPushMs: {
          p50: round(quantile(pushAges, 0.5)),
          p99: round(quantile(pushAges, 0.99)),
        },
        newestRowAgeMs: {
          samples: lag.length,
          p50: round(quantile(lag, 0.5)),
          p99: round(quantile(lag, 0.99)),
          max: round(lag.at(-1) ?? NaN),
        },
        // The studio services and this producer share this process.
        studioProcessCpuShare: round((cpu.user + cpu.system) / 1000 / loaded.ms),
        studioDecisions: snapshot.ok ? (snapshot.response as { decisions: number }).decisions : null,
        ...(profile ? { pageTopSelfTime: topFunctions(profile.profile) } : {}),
      },
      null,
      2,
    ),
  );
} finally {
  await browser.close();
  await producer.disconnect();
  await studio.stop();
}
process.exit(0);
