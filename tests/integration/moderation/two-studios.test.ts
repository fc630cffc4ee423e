// Two studio instances (different data dirs) against the same real broker moderate one show:
// decisions from either converge in both; acting on a message the other producer just
// decided shows their decision; chat that reached Kafka without a gate is held by automod
// in both (one hold, one id); a review marker from one shows in the other; and a studio
// restarted mid-show rebuilds exactly the same moderation state.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOW_TOPICS } from '../../../protocol/events';
import type { ModerateResult, ModerationDelta, ModerationSnapshot } from '../../../protocol/moderation';
import type { ShowState } from '../../../protocol/show';
import { loadConfig } from '../../../main/studio/config';
import { startStudioServices, type StudioServices } from '../../../main/studio/studio';
import { ensureToxicityModel } from '../../../scripts/toxicity-model';
import { until, untilResolved } from '../../support/until';

const brokers = process.env.SHOPCAST_KAFKA_BROKERS!;
const kafka = new Kafka({
  clientId: 'two-studios-test',
  brokers: brokers.split(','),
  logLevel: logLevel.NOTHING,
});
const running: StudioServices[] = [];
let producer: Producer;

function studio(dataDir: string, name: string): StudioServices {
  const services = startStudioServices(
    loadConfig({ ...process.env, SHOPCAST_DATA_DIR: dataDir, SHOPCAST_MODERATOR_NAME: name }),
  );
  running.push(services);
  return services;
}

async function call<T>(services: StudioServices, op: string, request: unknown): Promise<T> {
  const result = await services.host.call(op, request);
  if (!result.ok) throw new Error(`${op}: ${result.error.message}`);
  return result.response as T;
}

const snapshot = (services: StudioServices) => call<ModerationSnapshot>(services, 'getModeration', {});
const statusOf = async (services: StudioServices, messageId: string) =>
  (await snapshot(services)).messages.find((m) => m.id === messageId)?.status;

/** What two studios must agree on (their own identity and follow state aside). */
function shared(s: ModerationSnapshot) {
  return {
    messages: s.messages.map((m) => [m.id, m.status, m.reason, m.decidedBy?.id ?? null]),
    shoppers: s.shoppers
      .map((p) => [p.viewerId, p.banned, p.mutedForShow, p.mutedUntil, p.messages])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    rules: s.rules,
    slowModeSeconds: s.slowModeSeconds,
    pinned: s.pinned,
    decisions: s.decisions,
  };
}

async function chat(showId: string, viewerId: string, text: string): Promise<string> {
  const id = randomUUID();
  const ts = Date.now();
  await producer.send({
    topic: SHOW_TOPICS.shopper,
    messages: [
      {
        key: showId,
        value: JSON.stringify({
          id,
          type: 'chat.message',
          v: 1,
          showId,
          ts,
          viewerId,
          displayName: viewerId,
          text,
        }),
        timestamp: String(ts),
      },
    ],
  });
  return id;
}

beforeAll(async () => {
  await ensureToxicityModel();
  producer = kafka.producer();
  await producer.connect();
});

afterAll(async () => {
  for (const services of running) await services.stop();
  await producer?.disconnect();
});

describe('two studios moderating one show', () => {
  it('converge on every decision, show the other producer’s decision, and rebuild after a restart', async () => {
    const ana = studio(mkdtempSync(join(tmpdir(), 'shopcast-mod-a-')), 'Ana');
    const benDir = mkdtempSync(join(tmpdir(), 'shopcast-mod-b-'));
    let ben = studio(benDir, 'Ben');
    const show = await call<ShowState>(ana, 'startShow', {
      title: 'Two producers',
      mode: 'rehearsal',
      currency: 'EUR',
    });
    await call(ben, 'followShow', { showId: show.showId });
    for (const s of [ana, ben])
      await untilResolved('both follow the log', async () => (await snapshot(s)).following.state === 'live');

    const silk = await chat(show.showId, 'shopper-1', 'is this real silk?');
    const spam = await chat(show.showId, 'shopper-2', 'free followers at www.boost.example');
    const rude = await chat(show.showId, 'shopper-3', 'you are a stupid idiot');
    for (const s of [ana, ben]) {
      await untilResolved('the chat arrives', async () => (await statusOf(s, rude)) !== undefined);
      // Automod held the ungated spam and insult, in both studios alike.
      await untilResolved(
        'automod holds',
        async () => (await statusOf(s, spam)) === 'held' && (await statusOf(s, rude)) === 'held',
      );
      expect(await statusOf(s, silk)).toBe('visible');
    }
    const held = (await snapshot(ana)).messages.find((m) => m.id === spam)!;
    expect(held.reason).toContain('link');
    expect(held.reason).toContain("'free followers'");
    expect(held.decidedBy?.kind).toBe('automod');

    // Ana hides, Ben sees it; Ben releases, Ana sees it; Ben mutes, Ana sees the mute.
    await call(ana, 'moderate', { action: 'hide', messageEventId: silk, reason: 'off topic' });
    await untilResolved('Ben sees Ana’s hide', async () => (await statusOf(ben, silk)) === 'hidden');
    const already = await call<ModerateResult>(ben, 'moderate', { action: 'hide', messageEventId: silk });
    expect(already).toMatchObject({ outcome: 'already', note: 'Already hidden by Ana', eventId: null });

    await call(ben, 'moderate', { action: 'release', messageEventId: spam });
    await untilResolved('Ana sees Ben’s release', async () => (await statusOf(ana, spam)) === 'visible');
    await call(ben, 'moderate', {
      action: 'mute',
      viewerId: 'shopper-3',
      durationMs: 300_000,
      reason: 'insults',
    });
    await call(ana, 'moderate', { action: 'slowMode', seconds: 5 });
    await call(ana, 'moderate', { action: 'pin', messageEventId: spam });
    await untilResolved('Ana sees the mute', async () =>
      (await snapshot(ana)).shoppers.some((p) => p.viewerId === 'shopper-3' && p.mutedUntil !== null),
    );

    // Both act on the same held message at once: both end in the same state.
    await Promise.all([
      call(ana, 'moderate', { action: 'confirm', messageEventId: rude }),
      call(ben, 'moderate', { action: 'release', messageEventId: rude }),
    ]);
    await untilResolved('both studios agree', async () => {
      const [a, b] = [await snapshot(ana), await snapshot(ben)];
      return (
        a.decisions === b.decisions &&
        a.decisions >= 7 &&
        JSON.stringify(shared(a)) === JSON.stringify(shared(b))
      );
    });

    // Ben has the held insult open: Ana sees who is reviewing it.
    const insult = await chat(show.showId, 'shopper-4', 'shut up you moron');
    await untilResolved('the insult is held', async () => (await statusOf(ben, insult)) === 'held');
    await call(ben, 'reviewMessage', { messageEventId: insult });
    await untilResolved('Ana sees Ben reviewing', async () =>
      (await snapshot(ana)).reviewing.some((r) => r.messageEventId === insult && r.producer.name === 'Ben'),
    );

    // Ben's studio restarts mid-show and rebuilds the same state from the log.
    const before = shared(await snapshot(ana));
    await ben.stop();
    running.splice(running.indexOf(ben), 1);
    ben = studio(benDir, 'Ben');
    await call(ben, 'followShow', { showId: show.showId });
    await untilResolved(
      'the restarted studio is live',
      async () => (await snapshot(ben)).following.state === 'live',
    );
    await untilResolved('the restarted studio rebuilt the same state', async () => {
      const rebuilt = shared(await snapshot(ben));
      return JSON.stringify(rebuilt) === JSON.stringify(before) ? rebuilt : null;
    });
    expect((await snapshot(ben)).me.name).toBe('Ben');

    // The audit lists who did what, and its CSV guards formula-like cells.
    const audit = await call<{ csv: string }>(ana, 'exportModerationAudit', {});
    expect(audit.csv.split('\r\n')[0]).toContain('decided by');
    expect(audit.csv).toContain('Ana');
    expect(audit.csv).toContain('Ben');

    const deltas: ModerationDelta[] = [];
    const stop = ana.host.subscribe((event, payload) => {
      if (event === 'moderation') deltas.push(payload as ModerationDelta);
    });
    const late = await chat(show.showId, 'shopper-5', 'does it come in black?');
    await until('a push carries the new message', () =>
      deltas.some((d) => d.messages?.some((m) => m.id === late)),
    );
    stop();
  });
});
