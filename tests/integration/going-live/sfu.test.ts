// The SFU against the real mediasoup worker: signaling, roles, errors, stats,
// and recovery when the worker dies. Each test starts its own SFU on a free port.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signalingMethods, type SignalingMethod, type SignalingResponse } from '../../../protocol/signaling';
import { ensureMediasoupWorker } from '../../../scripts/build-mediasoup-worker';
import { startSfu, type RunningSfu, type SfuOptions } from '../../../server/media/sfu';

const ADMIN_SECRET = 'integration-admin-secret';

let workerBin = '';
const running: RunningSfu[] = [];
const clients: SignalingClient[] = [];

beforeAll(async () => {
  workerBin = process.env.MEDIASOUP_WORKER_BIN || (await ensureMediasoupWorker());
}, 600_000);

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(running.splice(0).map((sfu) => sfu.close()));
});

async function sfu(extra: Partial<SfuOptions> = {}): Promise<RunningSfu> {
  const started = await startSfu({
    port: 0,
    host: '127.0.0.1',
    adminSecret: ADMIN_SECRET,
    workerBin,
    log: () => {},
    ...extra,
  });
  running.push(started);
  return started;
}

interface Notification {
  method: string;
  data: Record<string, unknown>;
}

/** A bare signaling client: JSON requests with ids, answers matched by id. */
class SignalingClient {
  readonly notifications: Notification[] = [];
  private readonly unmatched: SignalingResponse[] = [];
  private readonly waiters: Array<() => void> = [];
  private nextId = 1;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (raw) => {
      const message = JSON.parse(raw.toString());
      if (message.type === 'notification') this.notifications.push(message);
      else this.unmatched.push(message);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async connect(url: string): Promise<SignalingClient> {
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const client = new SignalingClient(socket);
    clients.push(client);
    return client;
  }

  async request(method: string, data?: unknown): Promise<SignalingResponse> {
    const id = this.nextId++;
    this.socket.send(JSON.stringify({ id, method, data }));
    return this.until(() => this.take((response) => response.id === id));
  }

  async ok<T = Record<string, unknown>>(method: string, data?: unknown): Promise<T> {
    const response = await this.request(method, data);
    if (!response.ok) throw new Error(`${method} failed: ${response.error.code} ${response.error.message}`);
    // The server's answers must match what protocol/ promises to clients.
    signalingMethods[method as SignalingMethod].response.parse(response.data);
    return response.data as T;
  }

  /** Sends any text; returns the next answer that carries no request id of ours. */
  async raw(text: string): Promise<SignalingResponse> {
    this.socket.send(text);
    return this.until(() => this.take(() => true));
  }

  notification(
    method: string,
    match: (data: Record<string, unknown>) => boolean = () => true,
  ): Promise<Notification> {
    return this.until(() => this.notifications.find((n) => n.method === method && match(n.data)));
  }

  close(): void {
    this.socket.close();
  }

  private take(match: (response: SignalingResponse) => boolean): SignalingResponse | undefined {
    const index = this.unmatched.findIndex(match);
    return index === -1 ? undefined : this.unmatched.splice(index, 1)[0];
  }

  private async until<T>(find: () => T | undefined, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error('timed out waiting for the SFU');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }
}

async function openShow(client: SignalingClient, showId = 'show-1') {
  return client.ok<{ hostToken: string; viewerToken: string }>('openShow', {
    showId,
    adminSecret: ADMIN_SECRET,
  });
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  // Per-show stats are for the studio: they need the admin secret.
  const response = await fetch(url, { headers: { authorization: `Bearer ${ADMIN_SECRET}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** What a browser would send for a VP8 camera track, close enough for mediasoup to accept. */
const vp8RtpParameters = {
  mid: '0',
  codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, parameters: {}, rtcpFeedback: [] }],
  headerExtensions: [],
  encodings: [{ ssrc: 11111111 }],
  rtcp: { cname: 'studio-camera', reducedSize: true },
};

describe('SFU', () => {
  it('starts and answers /health', async () => {
    const server = await sfu();
    expect(server.url).toBe(`ws://127.0.0.1:${server.port}/signaling`);
    const health = await getJson(`${server.httpUrl}/health`);
    expect(health).toEqual({ status: 200, body: { ok: true, workers: 1, rooms: 0 } });
    expect((await getJson(`${server.httpUrl}/rooms/nope/stats`)).status).toBe(404);
  });

  it('answers invalid JSON, unknown methods and invalid requests with typed errors and keeps serving', async () => {
    const server = await sfu();
    const client = await SignalingClient.connect(server.url);

    expect(await client.raw('{"id": 1, "method": ')).toMatchObject({
      id: null,
      ok: false,
      error: { code: 'invalid-json' },
    });
    expect(await client.raw(JSON.stringify({ hello: 'world' }))).toMatchObject({
      ok: false,
      error: { code: 'invalid-message' },
    });
    expect(await client.request('launchFireworks', {})).toMatchObject({
      ok: false,
      error: { code: 'unknown-method' },
    });
    const invalid = await client.request('createWebRtcTransport', { direction: 'sideways' });
    expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(!invalid.ok && invalid.error.issues?.[0]?.path).toBe('direction');
    expect(await client.request('createWebRtcTransport', { direction: 'recv' })).toMatchObject({
      ok: false,
      error: { code: 'not-joined' },
    });

    // Same connection and the HTTP side still work.
    await openShow(client);
    expect((await getJson(`${server.httpUrl}/health`)).body).toMatchObject({ ok: true, rooms: 1 });
  });

  it('refuses a wrong admin secret', async () => {
    const server = await sfu();
    const client = await SignalingClient.connect(server.url);
    const refused = await client.request('openShow', { showId: 'show-1', adminSecret: 'guess' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect((await getJson(`${server.httpUrl}/health`)).body.rooms).toBe(0);

    await openShow(client);
    expect(await client.request('closeShow', { showId: 'show-1', adminSecret: 'guess' })).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });
    expect((await getJson(`${server.httpUrl}/health`)).body.rooms).toBe(1);
  });

  it('opens a show idempotently and refuses wrong tokens', async () => {
    const server = await sfu();
    const admin = await SignalingClient.connect(server.url);
    const tokens = await openShow(admin);
    expect(await openShow(admin)).toEqual(tokens);
    expect(tokens.hostToken).not.toBe(tokens.viewerToken);

    const stranger = await SignalingClient.connect(server.url);
    expect(await stranger.request('join', { showId: 'show-1', token: 'not-a-token' })).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });
    expect(await stranger.request('join', { showId: 'other', token: tokens.hostToken })).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });
  });

  it('lets a viewer consume but never send', async () => {
    const server = await sfu();
    const admin = await SignalingClient.connect(server.url);
    const { viewerToken } = await openShow(admin);
    const viewer = await SignalingClient.connect(server.url);
    expect(await viewer.ok('join', { showId: 'show-1', token: viewerToken })).toMatchObject({
      role: 'viewer',
      producers: [],
    });

    expect(await viewer.request('createWebRtcTransport', { direction: 'send' })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    const recv = await viewer.ok<{ transportId: string }>('createWebRtcTransport', { direction: 'recv' });
    const produce = await viewer.request('produce', {
      transportId: recv.transportId,
      kind: 'video',
      rtpParameters: vp8RtpParameters,
    });
    expect(produce).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect((await getJson(`${server.httpUrl}/rooms/show-1/stats`)).body).toMatchObject({
      producers: 0,
      viewerCount: 1,
    });
  });

  it('lets the host get router capabilities and create a send transport announced on 127.0.0.1', async () => {
    const server = await sfu();
    const admin = await SignalingClient.connect(server.url);
    const { hostToken } = await openShow(admin);
    const host = await SignalingClient.connect(server.url);
    // Before joining too (a studio loads its Device while the host previews): the same answer.
    const ahead = await host.ok('getRouterRtpCapabilities');
    expect(await host.ok('join', { showId: 'show-1', token: hostToken })).toMatchObject({ role: 'host' });

    const { rtpCapabilities } = await host.ok<{ rtpCapabilities: { codecs: Array<{ mimeType: string }> } }>(
      'getRouterRtpCapabilities',
    );
    expect(ahead).toEqual({ rtpCapabilities });
    const mimeTypes = rtpCapabilities.codecs.map((codec) => codec.mimeType);
    expect(mimeTypes).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8', 'video/H264']));

    const send = await host.ok<{
      transportId: string;
      iceCandidates: Array<{ ip: string; address: string }>;
      dtlsParameters: { fingerprints: unknown[] };
    }>('createWebRtcTransport', { direction: 'send' });
    expect(send.iceCandidates.length).toBeGreaterThan(0);
    for (const candidate of send.iceCandidates)
      expect(candidate).toMatchObject({ ip: '127.0.0.1', address: '127.0.0.1' });
    expect(send.dtlsParameters.fingerprints.length).toBeGreaterThan(0);
  });

  it('carries a host track to a viewer and tells everyone about it', async () => {
    const server = await sfu();
    const admin = await SignalingClient.connect(server.url);
    const { hostToken, viewerToken } = await openShow(admin);
    const host = await SignalingClient.connect(server.url);
    await host.ok('join', { showId: 'show-1', token: hostToken });
    const viewer = await SignalingClient.connect(server.url);
    await viewer.ok('join', { showId: 'show-1', token: viewerToken });
    await host.notification('viewerCount', (data) => data.count === 1);

    const send = await host.ok<{ transportId: string }>('createWebRtcTransport', { direction: 'send' });
    const { producerId } = await host.ok<{ producerId: string }>('produce', {
      transportId: send.transportId,
      kind: 'video',
      rtpParameters: vp8RtpParameters,
      source: 'camera',
    });
    expect(await viewer.notification('producerAdded')).toMatchObject({
      data: { producerId, kind: 'video', source: 'camera' },
    });

    const { rtpCapabilities } = await viewer.ok<{ rtpCapabilities: unknown }>('getRouterRtpCapabilities');
    const recv = await viewer.ok<{ transportId: string }>('createWebRtcTransport', { direction: 'recv' });
    expect(
      await viewer.request('consume', { transportId: send.transportId, producerId, rtpCapabilities }),
    ).toMatchObject({
      ok: false,
      error: { code: 'not-found' },
    });
    const consumer = await viewer.ok<{ consumerId: string; kind: string }>('consume', {
      transportId: recv.transportId,
      producerId,
      rtpCapabilities,
    });
    expect(consumer.kind).toBe('video');
    await viewer.ok('resumeConsumer', { consumerId: consumer.consumerId });
    expect((await getJson(`${server.httpUrl}/rooms/show-1/stats`)).body).toMatchObject({
      producers: 1,
      consumers: 1,
      viewerCount: 1,
    });

    // The host leaving takes its tracks down and viewers hear of it.
    host.close();
    await viewer.notification('producerClosed', (data) => data.producerId === producerId);
    expect((await getJson(`${server.httpUrl}/rooms/show-1/stats`)).body).toMatchObject({
      producers: 0,
      consumers: 0,
    });
  });

  it('ends the show for everyone on closeShow', async () => {
    const server = await sfu();
    const admin = await SignalingClient.connect(server.url);
    const { viewerToken } = await openShow(admin);
    const viewer = await SignalingClient.connect(server.url);
    await viewer.ok('join', { showId: 'show-1', token: viewerToken });

    expect(await admin.ok('closeShow', { showId: 'show-1', adminSecret: ADMIN_SECRET })).toEqual({
      closed: true,
    });
    expect(await viewer.notification('showEnded')).toMatchObject({
      data: { showId: 'show-1', reason: 'closed' },
    });
    expect(await viewer.request('createWebRtcTransport', { direction: 'recv' })).toMatchObject({
      ok: false,
      error: { code: 'not-joined' },
    });
    expect((await getJson(`${server.httpUrl}/health`)).body.rooms).toBe(0);
  });

  it('restarts a worker that dies; its shows end and new shows open', async () => {
    const server = await sfu();
    const admin = await SignalingClient.connect(server.url);
    const { viewerToken } = await openShow(admin);
    const viewer = await SignalingClient.connect(server.url);
    await viewer.ok('join', { showId: 'show-1', token: viewerToken });

    const [pid] = server.workerPids();
    process.kill(pid as number, 'SIGKILL');
    expect(await viewer.notification('showEnded')).toMatchObject({
      data: { reason: 'media-worker-restarted' },
    });

    const deadline = Date.now() + 15_000;
    while (server.workerPids().length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(server.workerPids()).toHaveLength(1);
    expect(server.workerPids()[0]).not.toBe(pid);
    expect((await getJson(`${server.httpUrl}/health`)).body).toEqual({ ok: true, workers: 1, rooms: 0 });
    await openShow(admin, 'show-2');
  });

  it('tells a viewer link whether its show is upcoming, open or ended, and pushes the opening', async () => {
    const server = await sfu();
    const admin = await SignalingClient.connect(server.url);
    // The studio hands out the link before going live; nothing opens.
    const { viewerToken } = await admin.ok<{ viewerToken: string }>('reserveShow', {
      showId: 'show-9',
      adminSecret: ADMIN_SECRET,
    });
    expect((await getJson(`${server.httpUrl}/health`)).body).toMatchObject({ rooms: 0 });
    expect(await admin.request('reserveShow', { showId: 'show-9', adminSecret: 'guess' })).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });

    const early = await SignalingClient.connect(server.url);
    expect(await early.request('watchShow', { showId: 'show-9', token: 'wrong' })).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });
    expect(await early.ok('watchShow', { showId: 'show-9', token: viewerToken })).toEqual({
      state: 'upcoming',
    });
    expect(early.notifications).toEqual([]);

    const opened = await openShow(admin, 'show-9');
    expect(opened.viewerToken).toBe(viewerToken);
    expect(await early.notification('showOpened')).toMatchObject({ data: { showId: 'show-9' } });
    expect(await early.ok('join', { showId: 'show-9', token: viewerToken })).toMatchObject({
      role: 'viewer',
    });

    const late = await SignalingClient.connect(server.url);
    expect(await late.ok('watchShow', { showId: 'show-9', token: viewerToken })).toEqual({ state: 'open' });
    await admin.ok('closeShow', { showId: 'show-9', adminSecret: ADMIN_SECRET });
    const after = await SignalingClient.connect(server.url);
    expect(await after.ok('watchShow', { showId: 'show-9', token: viewerToken })).toEqual({ state: 'ended' });
    // Only once: the opening is not pushed twice to the early viewer.
    expect(early.notifications.filter((n) => n.method === 'showOpened')).toHaveLength(1);
  });

  it('limits the requests of one connection with a typed error, and serves it again later', async () => {
    const server = await sfu({ requestRate: { perSecond: 2, burst: 5 } });
    const flooder = await SignalingClient.connect(server.url);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => flooder.request('getRouterRtpCapabilities', {})),
    );
    expect(answers.filter((answer) => answer.ok)).toHaveLength(5);
    const refused = answers.filter((answer) => !answer.ok);
    expect(refused).toHaveLength(3);
    for (const answer of refused) {
      // Each refusal still answers its own request id.
      expect(answer).toMatchObject({ ok: false, error: { code: 'rate-limited' } });
      const retryAfterMs = !answer.ok ? (answer.error.retryAfterMs ?? 0) : 0;
      expect(retryAfterMs).toBeGreaterThan(0);
      expect(retryAfterMs).toBeLessThanOrEqual(500);
    }
    // Another connection is not affected.
    const other = await SignalingClient.connect(server.url);
    await other.ok('getRouterRtpCapabilities');
    // After the wait the flooder is served again.
    await new Promise((resolve) => setTimeout(resolve, 600));
    await flooder.ok('getRouterRtpCapabilities');
  });

  it('serves static routes without escaping their directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfu-static-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>viewer</title>');
    const server = await sfu({ staticRoutes: { '/viewer': dir } });

    const page = await fetch(`${server.httpUrl}/viewer/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('viewer');
    expect((await fetch(`${server.httpUrl}/viewer/%2e%2e%2f%2e%2e%2fetc%2fpasswd`)).status).toBe(404);
    expect((await fetch(`${server.httpUrl}/viewer/missing.js`)).status).toBe(404);
  });
});
