// Shopper chat through the real SFU and the real broker: a message sent on signaling
// becomes a chat.message on Kafka and reaches the other page; a message that auto-
// moderation holds never reaches another page; a hidden message leaves every page; a
// muted shopper is refused until the mute ends; a banned one for good; a fast one is
// rate-limited; slow mode spaces a shopper's messages.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SHOW_TOPICS, type ShowEvent } from '../../../protocol/events';
import type { ModerationDecisionEvent } from '../../../protocol/moderation';
import {
  SignalingClient,
  SignalingRequestError,
  type SocketConstructor,
} from '../../../protocol/signaling-client';
import { ToxicityClassifier } from '../../../protocol/toxicity';
import type { ViewerChatMessage } from '../../../protocol/viewer-chat';
import { ensureMediasoupWorker } from '../../../scripts/build-mediasoup-worker';
import { ensureToxicityModel } from '../../../scripts/toxicity-model';
import { startSfu, type RunningSfu } from '../../../server/media/sfu';
import { until, untilResolved } from '../../support/until';

const ADMIN_SECRET = 'chat-admin-secret';
const brokers = (process.env.SHOPCAST_KAFKA_BROKERS ?? '').split(',').filter(Boolean);
const showId = `chat-${randomUUID().slice(0, 8)}`;
const WsSocket = WebSocket as unknown as SocketConstructor;
const kafka = new Kafka({ clientId: 'shopper-chat-test', brokers, logLevel: logLevel.NOTHING });
let producer: Producer;
let sfu: RunningSfu;
let viewerToken = '';

interface Page {
  client: SignalingClient;
  seen: ViewerChatMessage[];
  removed: string[];
}

async function openPage(viewerId: string): Promise<Page> {
  const client = await SignalingClient.connect(sfu.url, WsSocket);
  await client.request('join', { showId, token: viewerToken, viewerId });
  const page: Page = { client, seen: [], removed: [] };
  client.on('chatMessages', ({ messages }) => page.seen.push(...messages));
  client.on('chatRemoved', ({ messageIds }) => page.removed.push(...messageIds));
  const chat = await client.request('getChat', {});
  page.seen.push(...chat.messages);
  return page;
}

async function decide(decision: Partial<ModerationDecisionEvent>) {
  const event = {
    id: randomUUID(),
    type: 'moderation.decision',
    v: 2,
    showId,
    ts: Date.now(),
    ...decision,
    decidedBy: { kind: 'moderator', id: 'test-producer' },
  } as ShowEvent;
  await producer.send({
    topic: SHOW_TOPICS.studio,
    messages: [{ key: showId, value: JSON.stringify(event), timestamp: String(event.ts) }],
  });
}

async function refusal(promise: Promise<unknown>): Promise<SignalingRequestError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SignalingRequestError);
  return error as SignalingRequestError;
}

beforeAll(async () => {
  const modelFile = await ensureToxicityModel();
  producer = kafka.producer();
  await producer.connect();
  sfu = await startSfu({
    port: 0,
    adminSecret: ADMIN_SECRET,
    workerBin: await ensureMediasoupWorker(),
    rtcMinPort: 47000,
    rtcMaxPort: 47099,
    kafka: { brokers, ssl: false },
    classifier: ToxicityClassifier.fromJson(readFileSync(modelFile, 'utf8')),
    log: (line) => console.log(`[sfu] ${line}`),
  });
  const admin = await SignalingClient.connect(sfu.url, WsSocket);
  viewerToken = (
    await admin.request('openShow', { showId, adminSecret: ADMIN_SECRET, startedAt: Date.now() })
  ).viewerToken;
  admin.close();
});

afterAll(async () => {
  await sfu?.close();
  await producer?.disconnect();
});

describe('shopper chat through the SFU', () => {
  it('delivers, holds, hides, mutes, bans, rate-limits and slows down', async () => {
    const ann = await openPage('viewer-ann');
    const bob = await openPage('viewer-bob');

    const sent = await ann.client.request('sendChat', { text: 'is this real silk?', displayName: 'Ann' });
    expect(sent.held).toBe(false);
    await until('Bob sees Ann’s message', () => bob.seen.some((m) => m.id === sent.message.id));
    // The sender's page gets its own message from the same push (the answer only confirms it).
    await until('Ann sees her own message', () => ann.seen.some((m) => m.id === sent.message.id));
    expect(bob.seen.find((m) => m.id === sent.message.id)).toMatchObject({
      text: 'is this real silk?',
      displayName: 'Ann',
    });

    // Held by the gate: only the sender's answer has it; no page is pushed it.
    const spam = await bob.client.request('sendChat', {
      text: 'FREE FOLLOWERS at www.follow-boost.example',
      displayName: 'Bob',
    });
    expect(spam.held).toBe(true);
    const after = await bob.client.request('sendChat', {
      text: 'does it come in black?',
      displayName: 'Bob',
    });
    await until('Ann sees Bob’s later message', () => ann.seen.some((m) => m.id === after.message.id));
    expect(ann.seen.some((m) => m.id === spam.message.id)).toBe(false);
    expect(bob.seen.some((m) => m.id === spam.message.id)).toBe(false);

    // Released by a producer: now everyone sees it.
    await decide({
      action: 'message_released',
      targetViewerId: 'viewer-bob',
      messageEventId: spam.message.id,
    });
    await until('the released message reaches Ann', () => ann.seen.some((m) => m.id === spam.message.id));

    // Hidden: it leaves both pages.
    await decide({ action: 'message_hidden', targetViewerId: 'viewer-ann', messageEventId: sent.message.id });
    await until('both pages drop the hidden message', () =>
      [ann, bob].every((page) => page.removed.includes(sent.message.id)),
    );
    const fresh = await openPage('viewer-cy');
    expect(fresh.seen.some((m) => m.id === sent.message.id)).toBe(false);
    expect(fresh.seen.some((m) => m.id === spam.message.id)).toBe(true);

    // Muted for 3 s: refused with the time left, then accepted.
    await decide({
      action: 'user_muted',
      targetViewerId: 'viewer-cy',
      durationMs: 3000,
      reason: 'cool down',
    });
    const muted = await untilResolved('Cy’s send is refused while muted', async () => {
      const error = await fresh.client.request('sendChat', { text: 'hello?', displayName: 'Cy' }).then(
        () => null,
        (e: unknown) => e as SignalingRequestError,
      );
      return error;
    });
    expect(muted.code).toBe('chat-refused');
    expect(muted.message).toMatch(/muted/);
    expect(muted.retryAfterMs).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, (muted.retryAfterMs ?? 0) + 50));
    const back = await fresh.client.request('sendChat', { text: 'back again', displayName: 'Cy' });
    expect(back.held).toBe(false);

    // Banned: refused with no retry.
    await decide({ action: 'user_banned', targetViewerId: 'viewer-cy', reason: 'abuse' });
    const banned = await untilResolved('Cy is refused once banned', async () => {
      const error = await fresh.client.request('sendChat', { text: 'let me in', displayName: 'Cy' }).then(
        () => null,
        (e: unknown) => e as SignalingRequestError,
      );
      return error?.message.includes('cannot chat') ? error : null;
    });
    expect(banned.retryAfterMs).toBeUndefined();

    // Rate limit: three at once, then one a second.
    const dee = await openPage('viewer-dee');
    for (const text of ['one', 'two', 'three'])
      await dee.client.request('sendChat', { text, displayName: 'Dee' });
    const tooFast = await refusal(dee.client.request('sendChat', { text: 'four', displayName: 'Dee' }));
    expect(tooFast.code).toBe('rate-limited');
    expect(tooFast.retryAfterMs).toBeGreaterThan(0);

    // Slow mode: one message every 2 s.
    await decide({ action: 'slow_mode_changed', slowModeSeconds: 2 });
    const eve = await openPage('viewer-eve');
    await untilResolved('slow mode reaches the gate', async () => {
      await eve.client.request('sendChat', { text: 'first', displayName: 'Eve' }).catch(() => null);
      const error = await eve.client.request('sendChat', { text: 'second', displayName: 'Eve' }).then(
        () => null,
        (e: unknown) => e as SignalingRequestError,
      );
      return error?.message.includes('Slow mode') ? error : null;
    });
    for (const page of [ann, bob, fresh, dee, eve]) page.client.close();
  });
});
