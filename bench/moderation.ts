// Moderation benchmarks (JSON out):
//  1. auto-moderation cost per message, against the zod parse every follower does anyway;
//  2. precision and recall of auto-hold on assets/moderation/labelled-chat.tsv;
//  3. decision → message gone on a viewer connection (through the real SFU) and on another
//     studio instance, p50/p99, over the real broker.
//   SHOPCAST_KAFKA_BROKERS=127.0.0.1:34092 npx tsx bench/moderation.ts [--decisions 60]
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Automod } from '../protocol/automod';
import { ShowEvent } from '../protocol/events';
import { DEFAULT_RULES, type ModerationDelta } from '../protocol/moderation';
import { SignalingClient, type SocketConstructor } from '../protocol/signaling-client';
import { ToxicityClassifier } from '../protocol/toxicity';
import { loadConfig } from '../main/studio/config';
import { startStudioServices } from '../main/studio/studio';
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
const ben = startStudioServices(
  loadConfig({ ...env, SHOPCAST_DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-mod-b-')) }),
);
const call = async <T>(studio: typeof ana, op: string, request: unknown) => {
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
// The page that watches messages come and go.
const page = await joinShow('bench-watcher');
const gonePage = new Map<string, number>();
const onPage = new Set<string>();
page.on('chatMessages', ({ messages }) => messages.forEach((m) => onPage.add(m.id)));
page.on('chatRemoved', ({ messageIds }) => messageIds.forEach((id) => gonePage.set(id, performance.now())));
const goneStudio = new Map<string, number>();
ben.host.subscribe((event, payload) => {
  if (event !== 'moderation') return;
  for (const m of (payload as ModerationDelta).messages ?? [])
    if (m.status === 'hidden') goneStudio.set(m.id, performance.now());
});
const seenByAna = new Set<string>();
ana.host.subscribe((event, payload) => {
  if (event === 'moderation')
    for (const m of (payload as ModerationDelta).messages ?? []) seenByAna.add(m.id);
});
await page.request('getChat', {});
const toPage: number[] = [];
const toStudio: number[] = [];
for (let i = 0; i < decisions; i++) {
  // One shopper per message: six from one shopper within 10 s are held as a flood, and a
  // held message reaches no page (not even its sender's, which has it from the answer).
  const shopper = await joinShow(`bench-shopper-${i}`);
  const sent = await shopper.request('sendChat', { text: `is this real silk? ${i}`, displayName: 'Bench' });
  shopper.close();
  if (sent.held)
    throw new Error(`message ${i} was held by auto-moderation; the benchmark needs visible ones`);
  // Gone from where it was shown: the page has it and the deciding studio has it.
  await wait(
    () => seenByAna.has(sent.message.id) && onPage.has(sent.message.id),
    () => `shown (studio: ${seenByAna.has(sent.message.id)}, page: ${onPage.has(sent.message.id)})`,
  );
  const t0 = performance.now();
  await call(ana, 'moderate', { action: 'hide', messageEventId: sent.message.id });
  await wait(
    () => gonePage.has(sent.message.id) && goneStudio.has(sent.message.id),
    () => `gone (page: ${gonePage.has(sent.message.id)}, other studio: ${goneStudio.has(sent.message.id)})`,
  );
  toPage.push(gonePage.get(sent.message.id)! - t0);
  toStudio.push(goneStudio.get(sent.message.id)! - t0);
}
toPage.sort((a, b) => a - b);
toStudio.sort((a, b) => a - b);
page.close();
admin.close();
await ana.stop();
await ben.stop();
await sfu.close();

console.log(
  JSON.stringify(
    {
      date: new Date().toISOString(),
      loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
      automodPerMessageUs: round(automodUs),
      baselineZodParsePerMessageUs: round(baselineUs),
      labelled: { lines: labelled.length, hold: labelled.filter(([l]) => l === 'hold').length },
      quality,
      decisionToGoneMs: {
        decisions,
        viewerPage: {
          p50: round(pct(toPage, 0.5)),
          p99: round(pct(toPage, 0.99)),
          max: round(toPage.at(-1)!),
        },
        otherStudio: {
          p50: round(pct(toStudio, 0.5)),
          p99: round(pct(toStudio, 0.99)),
          max: round(toStudio.at(-1)!),
        },
      },
      run: `${randomUUID().slice(0, 8)}`,
    },
    null,
    2,
  ),
);
process.exit(0);
