// Findings 3, 4, 5 and the SFU's part of 8 (issue 12), against a real SFU process with its
// limits lowered so each attack is cheap: a viewer-link holder or a stranger cannot crash it,
// use up its media ports or sockets, or make audience churn cost it work per viewer.
// Each test connects from its own 127.0.x.y addresses, since limits count per address.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../support/until';
import { Peer } from './peer';
import { rawRequest, startSfuProcess, type SfuProcess } from './processes';

const LIMITS = {
  maxConnections: 40,
  maxConnectionsPerAddress: 3,
  maxTransportsPerConnection: 2,
  maxConsumersPerConnection: 2,
  maxTransports: 10,
  hostReservedTransports: 2,
  preAuthTimeoutMs: 1500,
  idleTimeoutMs: 2000,
  viewerCountIntervalMs: 250,
};

let sfu: SfuProcess;
const peers: Peer[] = [];

beforeAll(async () => {
  sfu = await startSfuProcess(LIMITS);
});

afterEach(() => {
  for (const peer of peers.splice(0)) peer.close();
});

afterAll(async () => {
  await sfu?.stop();
});

/** Retries an async check until it holds (the SFU frees what a closed connection held a moment later). */
async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function connect(from: string): Promise<Peer> {
  const peer = await Peer.connect(sfu.url, from);
  peers.push(peer);
  return peer;
}

async function openShow(showId: string, from: string) {
  const admin = await connect(from);
  return admin.ok<{ hostToken: string; viewerToken: string }>('openShow', {
    showId,
    adminSecret: sfu.adminSecret,
  });
}

/** The process is up, healthy, and a new client gets answers. */
async function expectServing(): Promise<void> {
  expect(sfu.alive()).toBe(true);
  expect((await fetch(`${sfu.httpUrl}/health`)).status).toBe(200);
  const peer = await connect('127.0.0.250');
  expect(await peer.ok('getRouterRtpCapabilities')).toHaveProperty('rtpCapabilities');
  peer.close();
}

const vp8RtpParameters = {
  mid: '0',
  codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, parameters: {}, rtcpFeedback: [] }],
  headerExtensions: [],
  encodings: [{ ssrc: 22222222 }],
  rtcp: { cname: 'security-camera', reducedSize: true },
};

describe('the SFU under attack', () => {
  it('answers broken requests and frames without going down', async () => {
    const host = `127.0.0.1:${sfu.port}`;
    expect(await rawRequest(sfu.port, `GET //a:99999/ HTTP/1.1\r\nHost: ${host}\r\n\r\n`)).toContain('400');
    expect((await fetch(`${sfu.httpUrl}/viewer/%E0%A4%A`)).status).toBe(404);

    const big = await connect('127.0.1.1');
    big.socket.send('x'.repeat(256 * 1024 + 1));
    expect((await big.closed).code).toBe(1009);
    const notText = await connect('127.0.1.1');
    notText.socket.send(Buffer.from([0xff, 0xfe, 0xfd, 0xfc]), { binary: false });
    expect((await notText.closed).code).toBe(1007);
    const binary = await connect('127.0.1.1');
    binary.socket.send(Buffer.from('{"id":1,"method":"join"}'), { binary: true });
    expect(await binary.ok('getRouterRtpCapabilities')).toHaveProperty('rtpCapabilities');
    await expectServing();
  });

  it('caps transports per connection and per address, says "show full" to viewers, and keeps the host sending (finding 3)', async () => {
    const { hostToken, viewerToken } = await openShow('transports', '127.0.2.1');
    const join = { showId: 'transports', token: viewerToken };
    const recv = { direction: 'recv' };

    // One address: as many connections as allowed, as many transports on each as allowed.
    const attacker: Peer[] = [];
    for (let i = 0; i < LIMITS.maxConnectionsPerAddress; i++) attacker.push(await connect('127.0.2.2'));
    await expect(connect('127.0.2.2')).rejects.toThrow('HTTP 429');
    for (const peer of attacker) {
      await peer.ok('join', join);
      for (let i = 0; i < LIMITS.maxTransportsPerConnection; i++)
        await peer.ok('createWebRtcTransport', recv);
      expect(await peer.refusal('createWebRtcTransport', recv)).toBe('limit-reached');
    }
    // 6 of the 8 viewer transports are taken: another viewer still gets media.
    const viewer = await connect('127.0.2.3');
    await viewer.ok('join', join);
    await viewer.ok('createWebRtcTransport', recv);

    // A second address takes the last viewer transport: the next viewer hears "show full"…
    const second = await connect('127.0.2.4');
    await second.ok('join', join);
    await second.ok('createWebRtcTransport', recv);
    const late = await connect('127.0.2.5');
    await late.ok('join', join);
    expect(await late.refusal('createWebRtcTransport', recv)).toBe('show-full');
    // …while the host still gets its transport from the reserve.
    const host = await connect('127.0.2.6');
    await host.ok('join', { showId: 'transports', token: hostToken });
    await host.ok('createWebRtcTransport', { direction: 'send' });

    // When the attackers leave, their ports come back.
    for (const peer of [...attacker, second]) peer.close();
    const fresh = await connect('127.0.2.7');
    await fresh.ok('join', join);
    await eventually('a transport for a viewer again', async () => {
      const answer = await fresh.request('createWebRtcTransport', recv);
      return answer.ok;
    });
    await expectServing();
  });

  it('caps consumers per connection', async () => {
    const { hostToken, viewerToken } = await openShow('consumers', '127.0.3.1');
    const host = await connect('127.0.3.2');
    await host.ok('join', { showId: 'consumers', token: hostToken });
    const send = await host.ok<{ transportId: string }>('createWebRtcTransport', { direction: 'send' });
    const { producerId } = await host.ok<{ producerId: string }>('produce', {
      transportId: send.transportId,
      kind: 'video',
      rtpParameters: vp8RtpParameters,
    });
    const viewer = await connect('127.0.3.3');
    await viewer.ok('join', { showId: 'consumers', token: viewerToken });
    const { rtpCapabilities } = await viewer.ok<{ rtpCapabilities: unknown }>('getRouterRtpCapabilities');
    const recv = await viewer.ok<{ transportId: string }>('createWebRtcTransport', { direction: 'recv' });
    const consume = { transportId: recv.transportId, producerId, rtpCapabilities };
    for (let i = 0; i < LIMITS.maxConsumersPerConnection; i++) await viewer.ok('consume', consume);
    expect(await viewer.refusal('consume', consume)).toBe('limit-reached');
    await expectServing();
  });

  it('refuses idle sockets past the per-address cap and closes them when no token comes (finding 4)', async () => {
    const idle: Peer[] = [];
    for (let i = 0; i < LIMITS.maxConnectionsPerAddress; i++) idle.push(await connect('127.0.4.1'));
    await expect(connect('127.0.4.1')).rejects.toThrow('HTTP 429');
    // The studio, elsewhere, is served meanwhile.
    const { viewerToken } = await openShow('idle', '127.0.4.2');

    const closes = await Promise.all(idle.map((peer) => peer.closed));
    for (const close of closes)
      expect(close).toMatchObject({ code: 1008, reason: expect.stringContaining('no token') });

    // The address is free again for a real viewer, who stays past the idle timeout while in the show.
    const viewer = await connect('127.0.4.1');
    await viewer.ok('join', { showId: 'idle', token: viewerToken });
    // An admin connection that finished its work is closed once idle.
    const admin = await connect('127.0.4.3');
    await admin.ok('reserveShow', { showId: 'later', adminSecret: sfu.adminSecret });
    expect(await admin.closed).toMatchObject({ code: 1008, reason: expect.stringContaining('idle') });
    expect(viewer.open).toBe(true);
    await expectServing();
  });

  it('pushes viewer counts a few times a second however fast viewers come and go (finding 5)', async () => {
    const { hostToken, viewerToken } = await openShow('churn', '127.0.5.1');
    const host = await connect('127.0.5.2');
    await host.ok('join', { showId: 'churn', token: hostToken });

    const started = performance.now();
    const viewers = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const viewer = await connect(`127.0.6.${i + 1}`);
        await viewer.ok('join', { showId: 'churn', token: viewerToken });
        return viewer;
      }),
    );
    for (const viewer of viewers.slice(0, 12)) viewer.close();
    await until('the host to see 8 viewers', () =>
      host.notifications.some((n) => n.method === 'viewerCount' && n.data.count === 8),
    );
    const elapsed = performance.now() - started;
    // 32 joins and leaves; without coalescing that is 32 pushes to every member.
    const pushes = host.notifications.filter((n) => n.method === 'viewerCount').length;
    expect(pushes).toBeLessThanOrEqual(Math.ceil(elapsed / LIMITS.viewerCountIntervalMs) + 1);
    expect(pushes).toBeLessThan(32);
    await expectServing();
  });

  it('gives per-show stats to the studio only, and serves the viewer page unframeable', async () => {
    await openShow('stats', '127.0.7.1');
    expect((await fetch(`${sfu.httpUrl}/rooms/stats/stats`)).status).toBe(401);
    const withSecret = await fetch(`${sfu.httpUrl}/rooms/stats/stats`, {
      headers: { authorization: `Bearer ${sfu.adminSecret}` },
    });
    expect(withSecret.status).toBe(200);

    const page = await fetch(`${sfu.httpUrl}/viewer/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
  });

  it('refuses connections past the total cap with 503 and serves again when they go', async () => {
    let refused = '';
    const opened: Peer[] = [];
    for (let i = 0; i < LIMITS.maxConnections + 1 && !refused; i++) {
      await connect(`127.0.8.${Math.floor(i / LIMITS.maxConnectionsPerAddress) + 1}`).then(
        (peer) => opened.push(peer),
        (error: Error) => (refused = error.message),
      );
    }
    expect(refused).toBe('HTTP 503');
    expect(opened.length).toBeLessThanOrEqual(LIMITS.maxConnections);
    // The studio's status bar reads /health: it must not say the SFU takes connections now.
    expect((await fetch(`${sfu.httpUrl}/health`)).status).toBe(503);
    for (const peer of opened) peer.close();
    // Once the SFU has seen the closes (they arrive one by one), it takes connections again.
    await eventually(
      'the SFU to say it takes connections again',
      async () => (await fetch(`${sfu.httpUrl}/health`)).status === 200,
    );
    await expectServing();
    expect(sfu.output()).toContain('refused: too many connections');
  });
});
