// Going live against the real SFU and broker: the preflight names what is missing,
// goLive opens a room the host and viewers can join, getLiveSession re-opens a lost
// room with the same tokens, endLive ends it for everyone in it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, type SfuConfig } from '../../../main/studio/config';
import { KafkaGateway } from '../../../main/kafka/kafka-gateway';
import { LiveControl, MediaRooms } from '../../../main/going-live/media-rooms';
import { SfuMonitor } from '../../../main/going-live/sfu-monitor';
import { ShowSession } from '../../../main/show/show-session';
import { StudioEventPublisher } from '../../../main/show/studio-events';
import { SignalingClient, type SocketConstructor } from '../../../protocol/signaling-client';
import { until } from '../../support/until';

const Socket = WebSocket as unknown as SocketConstructor;
const config = loadConfig({ ...process.env, SHOPCAST_CONFIG: '/nonexistent' });
const stoppers: Array<() => unknown> = [];

afterAll(async () => {
  for (const stop of stoppers.reverse()) await stop();
});

async function liveControl(sfuConfig: SfuConfig, upcomingFile: string | null = null) {
  const kafkaGateway = new KafkaGateway(config.kafka, () => {});
  const monitor = new SfuMonitor(sfuConfig, () => {});
  kafkaGateway.start();
  monitor.start();
  const publisher = new StudioEventPublisher(
    new Kafka({ clientId: 'media-rooms-test', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING }),
    null,
  );
  stoppers.push(
    () => kafkaGateway.stop(),
    () => monitor.stop(),
    () => publisher.stop(),
  );
  const show = new ShowSession(
    publisher,
    join(mkdtempSync(join(tmpdir(), 'media-rooms-')), 'show.json'),
    () => {},
  );
  const live = new LiveControl({
    config: sfuConfig,
    show,
    rooms: new MediaRooms(sfuConfig),
    kafkaStatus: () => kafkaGateway.status,
    sfuStatus: () => monitor.status,
    upcomingFile,
  });
  await until(
    'Kafka and SFU status',
    () => kafkaGateway.status.state !== 'connecting' && monitor.status.state !== 'connecting',
    10_000,
    50,
  );
  return { live, show };
}

async function joinShow(url: string, showId: string, token: string) {
  const client = await SignalingClient.connect(url, Socket);
  stoppers.push(() => client.close());
  return { client, answer: await client.request('join', { showId, token }) };
}

describe('going live', () => {
  it('opens a room the host and viewers join, and ends it for everyone', async () => {
    const { live, show } = await liveControl(config.sfu);
    const session = await live.goLive({ title: 'Spring drop', currency: 'EUR' });
    expect(session.show.mode).toBe('live');
    expect(show.current?.showId).toBe(session.show.showId);

    const host = await joinShow(session.sfuUrl, session.show.showId, session.hostToken);
    expect(host.answer.role).toBe('host');
    const viewerLink = new URL(session.viewerUrl);
    expect(viewerLink.pathname).toBe('/viewer/');
    expect(viewerLink.searchParams.get('show')).toBe(session.show.showId);
    const viewer = await joinShow(session.sfuUrl, session.show.showId, viewerLink.searchParams.get('token')!);
    expect(viewer.answer.role).toBe('viewer');

    // A second goLive does not start another show.
    expect((await live.goLive({ title: 'again', currency: 'EUR' })).show.showId).toBe(session.show.showId);

    const ended = new Promise((resolve) => viewer.client.on('showEnded', resolve));
    expect((await live.endLive())?.showId).toBe(session.show.showId);
    expect(await ended).toMatchObject({ showId: session.show.showId, reason: 'closed' });
    expect(show.current).toBeNull();
    expect(await live.getLiveSession()).toBeNull();
  });

  it('re-opens a lost room with the same tokens, without starting the show again', async () => {
    const { live } = await liveControl(config.sfu);
    const first = await live.goLive({ title: 'Restart me', currency: 'USD' });
    // What an SFU restart looks like to the studio: the room is gone.
    await new MediaRooms(config.sfu).close(first.show.showId);
    const again = await live.getLiveSession();
    expect(again?.show).toEqual(first.show);
    expect(again?.hostToken).toBe(first.hostToken);
    const host = await joinShow(first.sfuUrl, first.show.showId, first.hostToken);
    expect(host.answer.role).toBe('host');
    await live.endLive();
  });

  it("hands out the next show's link before going live, keeps it across a restart, and goes live on it", async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'media-rooms-upcoming-')), 'upcoming-show.json');
    const { live } = await liveControl(config.sfu, file);
    const upcoming = await live.upcoming();
    expect(await live.upcoming()).toEqual(upcoming);
    // A page on the link waits for the show.
    const waiting = await SignalingClient.connect(upcoming.sfuUrl, Socket);
    stoppers.push(() => waiting.close());
    const token = new URL(upcoming.viewerUrl).searchParams.get('token')!;
    const opened = new Promise((resolve) => waiting.on('showOpened', resolve));
    expect(await waiting.request('watchShow', { showId: upcoming.showId, token })).toEqual({
      state: 'upcoming',
    });

    // The studio restarts before going live: same link.
    const restarted = (await liveControl(config.sfu, file)).live;
    expect(await restarted.upcoming()).toEqual(upcoming);
    const session = await restarted.goLive({ title: 'Shared ahead', currency: 'EUR' });
    expect(session.show.showId).toBe(upcoming.showId);
    expect(session.viewerUrl).toBe(upcoming.viewerUrl);
    expect(await opened).toEqual({ showId: upcoming.showId });
    // The next show gets a link of its own.
    expect((await restarted.upcoming()).showId).not.toBe(upcoming.showId);
    await restarted.endLive();
  });

  it('refuses to go live when the SFU is unreachable, and says why', async () => {
    const { live, show } = await liveControl({ url: 'ws://127.0.0.1:24499/signaling', adminSecret: 'x' });
    await expect(live.goLive({ title: 'Nope', currency: 'EUR' })).rejects.toThrow(/SFU reachable: .*refused/);
    expect(show.current).toBeNull();
  });
});
