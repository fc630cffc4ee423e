// Viewer joins and leaves on the real SFU become viewer.joined / viewer.left on the real
// broker, once each: a page that closes its socket, a viewer whose connection silently
// drops (found by the heartbeat), and viewers sent away when the show ends.
import { randomUUID } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SHOW_TOPICS, type ShowEvent } from '../../../protocol/events';
import { SignalingClient, type SocketConstructor } from '../../../protocol/signaling-client';
import { ensureMediasoupWorker } from '../../../scripts/build-mediasoup-worker';
import { startSfu, type RunningSfu } from '../../../server/media/sfu';

const ADMIN_SECRET = 'presence-admin-secret';
const brokers = (process.env.SHOPCAST_KAFKA_BROKERS ?? '').split(',').filter(Boolean);
const showId = `presence-${randomUUID().slice(0, 8)}`;
const WsSocket = WebSocket as unknown as SocketConstructor;
const seen: ShowEvent[] = [];
const kafka = new Kafka({ clientId: 'viewer-presence-test', brokers, logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId: `viewer-presence-test-${randomUUID()}` });
let sfu: RunningSfu;
let viewerToken = '';

/** A TCP relay to the SFU that can go silent without closing, like a dead network path. */
async function relay(port: number): Promise<{ url: string; silence(): void; close(): void }> {
  const pairs: Array<[Socket, Socket]> = [];
  const server: Server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    client.pipe(upstream);
    upstream.pipe(client);
    pairs.push([client, upstream]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: relayPort } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${relayPort}/signaling`,
    silence() {
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    close() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      server.close();
    },
  };
}

const presence = () =>
  seen
    .filter((event) => event.type === 'viewer.joined' || event.type === 'viewer.left')
    .map((event) => `${event.type} ${(event as { viewerId: string }).viewerId}`);

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out; seen: ${presence().join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function joinAs(url: string, viewerId: string): Promise<SignalingClient> {
  const client = await SignalingClient.connect(url, WsSocket);
  await client.request('join', { showId, token: viewerToken, viewerId });
  return client;
}

beforeAll(async () => {
  sfu = await startSfu({
    port: 0,
    adminSecret: ADMIN_SECRET,
    workerBin: process.env.MEDIASOUP_WORKER_BIN || (await ensureMediasoupWorker()),
    kafka: { brokers, ssl: false },
    heartbeatMs: 300,
    log: () => {},
  });
  const admin = await SignalingClient.connect(sfu.url, WsSocket);
  viewerToken = (await admin.request('openShow', { showId, adminSecret: ADMIN_SECRET })).viewerToken;
  admin.close();
  await consumer.connect();
  await consumer.subscribe({ topic: SHOW_TOPICS.shopper, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (String(message.key) === showId) seen.push(JSON.parse(String(message.value)) as ShowEvent);
    },
  });
}, 600_000);

afterAll(async () => {
  await consumer.disconnect();
  await sfu?.close();
});

describe('viewer presence', () => {
  it('a closed connection is one viewer.joined and one viewer.left', async () => {
    const viewer = await joinAs(sfu.url, 'viewer-closes');
    await until(() => presence().includes('viewer.joined viewer-closes'));
    viewer.close();
    await until(() => presence().includes('viewer.left viewer-closes'));
  });

  it('a silently dropped connection leaves once, when the heartbeat finds it', async () => {
    const path = await relay(sfu.port);
    try {
      await joinAs(path.url, 'viewer-drops');
      await until(() => presence().includes('viewer.joined viewer-drops'));
      path.silence();
      await until(() => presence().includes('viewer.left viewer-drops'));
    } finally {
      path.close();
    }
  });

  it('viewers sent away by the end of the show leave once, and the host is no viewer', async () => {
    const host = await SignalingClient.connect(sfu.url, WsSocket);
    const admin = await SignalingClient.connect(sfu.url, WsSocket);
    const { hostToken } = await admin.request('openShow', { showId, adminSecret: ADMIN_SECRET });
    await host.request('join', { showId, token: hostToken });
    const viewer = await joinAs(sfu.url, 'viewer-stays');
    await until(() => presence().includes('viewer.joined viewer-stays'));
    await admin.request('closeShow', { showId, adminSecret: ADMIN_SECRET });
    await until(() => presence().includes('viewer.left viewer-stays'));
    // The connection closing afterwards adds nothing.
    viewer.close();
    host.close();
    admin.close();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect([...presence()].sort()).toEqual(
      [
        'viewer.joined viewer-closes',
        'viewer.left viewer-closes',
        'viewer.joined viewer-drops',
        'viewer.left viewer-drops',
        'viewer.joined viewer-stays',
        'viewer.left viewer-stays',
      ].sort(),
    );
    for (const event of seen) expect(event.showId).toBe(showId);
  });
});
