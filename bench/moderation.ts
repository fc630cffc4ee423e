// Moderation benchmarks (JSON out):
//  1. auto-moderation cost per message, against the zod parse every follower does anyway;
//  2. precision and recall of auto-hold on assets/moderation/labelled-chat.tsv;
//  3. decision → message gone, p50/p99, over the real broker and SFU: on a shopper's viewer
//     page and in the other studio instance's Moderation view (both in headless Chromium, from
//     the DOM), and where those two get it from (a viewer's signaling connection, the other
//     studio services' push).
//   SHOPCAST_KAFKA_BROKERS=127.0.0.1:34092 npx tsx bench/moderation.ts [--decisions 60] [--no-build]
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import WebSocket from 'ws';
import { Automod } from '../protocol/automod';
import { ShowEvent } from '../protocol/events';
import { DEFAULT_RULES, type ModerationDelta } from '../protocol/moderation';
import { SignalingClient, type SocketConstructor } from '../protocol/signaling-client';
import { ToxicityClassifier } from '../protocol/toxicity';
import { loadConfig } from '../main/studio/config';
import { startStudioServices } from '../main/studio/studio';
import { startBrowserMode } from '../main/web/browser-mode';
import { chromiumArgs } from '../tests/e2e/playwright.config';
import { ensureMediasoupWorker } from '../scripts/build-mediasoup-worker';
import { ensureToxicityModel } from '../scripts/toxicity-model';
import { startSfu } from '../server/media/sfu';

const decisions = Number(process.argv[process.argv.indexOf('--decisions') + 1]) || 60;
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
const round = (n: number) => Math.round(n * 1000) / 1000;

const classifier = ToxicityClassifier.fromJson(readFileSync(await ensureToxicityModel(), 'utf8'));
const labelled = readFileSync('assets/moderation/labelled-chat.tsv', 'utf8')
  .split('\n')
  .filter((line) => line && !line.startsWith('#'))
  .map((line) => line.split('\t') as ['hold' | 'allow', string]);

// 1. Cost per message.
const texts = labelled.map(([, text]) => text);
const events = texts.map((text, i) =>
  JSON.stringify({
    id: `c${i}`,
    type: 'chat.message',
    v: 1,
    showId: 's',
    ts: 1.75e12 + i,
    viewerId: `v${i}`,
    text,
  }),
);
const automod = new Automod(classifier);
const rounds = 20;
for (let i = 0; i < texts.length; i++)
  automod.check({ viewerId: `w${i}`, text: texts[i]!, ts: 1.75e12 + i * 60_000 });
let t = performance.now();
for (let r = 0; r < rounds; r++)
  for (let i = 0; i < texts.length; i++)
    automod.check({ viewerId: `v${i}`, text: texts[i]!, ts: 1.75e12 + (r * texts.length + i) * 60_000 });
const automodUs = ((performance.now() - t) * 1000) / (rounds * texts.length);
t = performance.now();
for (let r = 0; r < rounds; r++) for (const json of events) ShowEvent.safeParse(JSON.parse(json));
const baselineUs = ((performance.now() - t) * 1000) / (rounds * events.length);

// 2. Precision and recall at the default threshold and a few others.
const quality = [0.7, 0.8, 0.9, 0.95, 1].map((toxicityHoldAt) => {
  const judge = new Automod(classifier);
  judge.setRules({ ...DEFAULT_RULES, toxicityHoldAt });
  let tp = 0;
  let fp = 0;
  let fn = 0;
  labelled.forEach(([label, text], i) => {
    const held = judge.check({ viewerId: `q${i}`, text, ts: 1.75e12 + i * 60_000 }).held;
    if (held && label === 'hold') tp++;
    else if (held) fp++;
    else if (label === 'hold') fn++;
  });
  return {
    toxicityHoldAt,
    precision: round(tp / (tp + fp)),
    recall: round(tp / (tp + fn)),
    heldHarmless: fp,
  };
});

console.log(
  JSON.stringify({
    part: 'automod',
    loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
    automodPerMessageUs: round(automodUs),
    baselineZodParsePerMessageUs: round(baselineUs),
    quality,
  }),
);
if (process.argv.includes('--automod-only')) process.exit(0);

// 3. Decision → gone.
const brokers = process.env.SHOPCAST_KAFKA_BROKERS ?? '127.0.0.1:34092';
for (const [config, built] of [
  ['renderer/vite.config.ts', 'out/renderer/index.html'],
  ['server/viewer/vite.config.ts', 'out/viewer/index.html'],
]) {
  if (process.argv.includes('--no-build') && existsSync(built!)) continue;
  const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'error', '--config', config!], {
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error(`${config} build failed`);
}
// The last 100 of this checkout's RTC ports (SHOPCAST_SFU_RTC_PORTS), apart from its stack's SFU.
const rtcMax = Number(process.env.SHOPCAST_SFU_RTC_PORTS?.split('-')[1]) || 53999;
const sfu = await startSfu({
  port: 0,
  adminSecret: 'bench-secret',
  workerBin: await ensureMediasoupWorker(),
  rtcMinPort: rtcMax - 99,
  rtcMaxPort: rtcMax,
  kafka: { brokers: brokers.split(','), ssl: false },
  classifier,
  staticRoutes: { '/viewer': 'out/viewer' },
  log: () => {},
});
const env = {
  ...process.env,
  SHOPCAST_KAFKA_BROKERS: brokers,
  SHOPCAST_SFU_URL: sfu.url,
  SHOPCAST_SFU_ADMIN_SECRET: 'bench-secret',
};
const ana = startStudioServices(
  loadConfig({ ...env, SHOPCAST_DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-mod-a-')) }),
);
const benStudio = await startBrowserMode(
  loadConfig({ ...env, SHOPCAST_DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-mod-b-')) }),
);
const ben = benStudio.services;
const call = async <T>(studio: Pick<typeof ana, 'host'>, op: string, request: unknown) => {
  const result = await studio.host.call(op, request);
  if (!result.ok) throw new Error(`${op}: ${result.error.message}`);
  return result.response as T;
};
const wait = async (check: () => boolean | Promise<boolean>, what: string | (() => string)) => {
  for (const deadline = Date.now() + 30_000; !(await check()); await new Promise((r) => setTimeout(r, 20)))
    if (Date.now() > deadline) throw new Error(`timed out: ${typeof what === 'string' ? what : what()}`);
};
const show = await call<{ showId: string; startedAt: number }>(ana, 'startShow', {
  title: 'bench',
  mode: 'rehearsal',
  currency: 'EUR',
});
const admin = await SignalingClient.connect(sfu.url, WebSocket as unknown as SocketConstructor);
const { viewerToken } = await admin.request('openShow', {
  showId: show.showId,
  adminSecret: 'bench-secret',
  startedAt: show.startedAt,
});
await call(ben, 'followShow', { showId: show.showId });
for (const studio of [ana, ben])
  await wait(
    async () =>
      (await call<{ following: { state: string } }>(studio, 'getModeration', {})).following.state === 'live',
    'live',
  );
const joinShow = async (viewerId: string) => {
  const client = await SignalingClient.connect(sfu.url, WebSocket as unknown as SocketConstructor);
  await client.request('join', { showId: show.showId, token: viewerToken, viewerId });
  return client;
};

/**
 * In a page: when each message's row appeared and when it went (removed, or marked hidden),
 * in epoch ms. Plain JavaScript: tsx's transform would add helpers the page does not have.
 */
const WATCH_ROWS = `
  const rows = { shown: {}, gone: {} };
  window.__rows = rows;
  const now = () => performance.timeOrigin + performance.now();
  const look = (node, removed) => {
    const id = node.dataset && node.dataset.messageId;
    if (!id) return;
    if (removed || node.dataset.status === 'hidden') rows.gone[id] = rows.gone[id] || now();
    else rows.shown[id] = rows.shown[id] || now();
  };
  new MutationObserver((mutations) => {
    for (const m of mutations) {
      if (m.type === 'attributes') look(m.target, false);
      for (const node of m.addedNodes) look(node, false);
      for (const node of m.removedNodes) look(node, true);
    }
  }).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-status'] });
`;
type Rows = { shown: Record<string, number>; gone: Record<string, number> };
const rowsOf = (page: Page) => page.evaluate(() => (window as unknown as { __rows: Rows }).__rows);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: chromiumArgs,
});
const shopperPage = await browser.newPage();
await shopperPage.addInitScript({ content: WATCH_ROWS });
await shopperPage.goto(
  `${sfu.url.replace(/^ws/, 'http').replace(/\/signaling$/, '')}/viewer/?show=${encodeURIComponent(show.showId)}&token=${encodeURIComponent(viewerToken)}`,
);
await shopperPage.waitForSelector('[data-testid="viewer-chat-panel"]:not([hidden])', { timeout: 30_000 });
const benPage = await browser.newPage({ viewport: { width: 1600, height: 900 } });
await benPage.addInitScript({ content: WATCH_ROWS });
await benPage.goto(benStudio.web.url);
await benPage.getByRole('button', { name: 'Moderation', exact: true }).click();
await benPage.waitForSelector('[data-testid="moderation-following"][data-state="live"]', { timeout: 30_000 });

// A viewer's signaling connection and the other studio services' pushes: what the pages get.
const connection = await joinShow('bench-watcher');
const goneConnection = new Map<string, number>();
const onConnection = new Set<string>();
connection.on('chatMessages', ({ messages }) => messages.forEach((m) => onConnection.add(m.id)));
connection.on('chatRemoved', ({ messageIds }) =>
  messageIds.forEach((id) => goneConnection.set(id, Date.now())),
);
const goneStudio = new Map<string, number>();
ben.host.subscribe((event, payload) => {
  if (event !== 'moderation') return;
  for (const m of (payload as ModerationDelta).messages ?? [])
    if (m.status === 'hidden') goneStudio.set(m.id, Date.now());
});
const seenByAna = new Set<string>();
ana.host.subscribe((event, payload) => {
  if (event === 'moderation')
    for (const m of (payload as ModerationDelta).messages ?? []) seenByAna.add(m.id);
});
await connection.request('getChat', {});
const loadBefore = loadavg().map((n) => Math.round(n * 100) / 100);
const toPage: number[] = [];
const toView: number[] = [];
const toConnection: number[] = [];
const toStudio: number[] = [];
for (let i = 0; i < decisions; i++) {
  // One shopper per message: six from one shopper within 10 s are held as a flood, and a
  // held message reaches no page (not even its sender's, which has it from the answer).
  const shopper = await joinShow(`bench-shopper-${i}`);
  const sent = await shopper.request('sendChat', { text: `is this real silk? ${i}`, displayName: 'Bench' });
  shopper.close();
  if (sent.held)
    throw new Error(`message ${i} was held by auto-moderation; the benchmark needs visible ones`);
  const id = sent.message.id;
  // Gone from where it was shown: every watcher has it first.
  await wait(async () => {
    const [page, view] = await Promise.all([rowsOf(shopperPage), rowsOf(benPage)]);
    return seenByAna.has(id) && onConnection.has(id) && id in page.shown && id in view.shown;
  }, 'shown everywhere');
  const t0 = Date.now();
  await call(ana, 'moderate', { action: 'hide', messageEventId: id });
  let page: Rows | null = null;
  let view: Rows | null = null;
  await wait(
    async () => {
      [page, view] = await Promise.all([rowsOf(shopperPage), rowsOf(benPage)]);
      return goneConnection.has(id) && goneStudio.has(id) && id in page.gone && id in view.gone;
    },
    () => `gone (page: ${!!page && id in page.gone}, other studio: ${!!view && id in view.gone})`,
  );
  toPage.push(page!.gone[id]! - t0);
  toView.push(view!.gone[id]! - t0);
  toConnection.push(goneConnection.get(id)! - t0);
  toStudio.push(goneStudio.get(id)! - t0);
}
for (const list of [toPage, toView, toConnection, toStudio]) list.sort((a, b) => a - b);
const stats = (sorted: number[]) => ({
  p50: round(pct(sorted, 0.5)),
  p99: round(pct(sorted, 0.99)),
  max: round(sorted.at(-1)!),
});
connection.close();
admin.close();
await browser.close();
await ana.stop();
await benStudio.stop();
await sfu.close();

console.log(
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
      loadAverage: { before: loadBefore, after: loadavg().map((n) => Math.round(n * 100) / 100) },
      automodPerMessageUs: round(automodUs),
      baselineZodParsePerMessageUs: round(baselineUs),
      labelled: { lines: labelled.length, hold: labelled.filter(([l]) => l === 'hold').length },
      quality,
      decisionToGoneMs: {
        decisions,
        goal: 'p99 < 300 on the viewer page and in the other studio',
        viewerPage: stats(toPage),
        otherStudioView: stats(toView),
        viewerConnection: stats(toConnection),
        otherStudioServices: stats(toStudio),
      },
      run: `${randomUUID().slice(0, 8)}`,
    },
    null,
    2,
  ),
);
process.exit(0);
