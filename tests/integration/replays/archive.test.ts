// A show's events read back from the real broker by timestamp, archived, and replayed from
// the archive after the Kafka topics are gone; figures at any moment come from the same
// aggregator the live dashboard uses. The topics are deleted, so this runs on a broker of its
// own: the other suites keep theirs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recordings } from '../../../main/recording';
import { Replays } from '../../../main/replays';
import { ShowAggregator } from '../../../main/live-metrics';
import { SHOW_TOPICS, type ShowEvent } from '../../../protocol/events';
import type { ReplayStatus } from '../../../protocol/replays';
import { AudienceGenerator } from '../../../server/audience/generator';
import { ensureShowTopics } from '../../../protocol/show-topics';
import {
  kafkaDataDir,
  startLocalKafka,
  stopLocalKafka,
  type LocalKafkaOptions,
} from '../../../scripts/kafka';

const port = Number(process.env.SHOPCAST_KAFKA_PORT ?? 29092) + 120;
const BROKER: LocalKafkaOptions = { name: 'replays-archive', port, controllerPort: port + 1 };
const brokers = () => [`127.0.0.1:${port}`];
const showId = `show-archive-${Date.now().toString(36)}`;
// The show just ended. (Kafka finds offsets by timestamp in log order: a show back-dated behind
// newer records of other tests would have its end looked up before its own records.)
const T0 = Date.now() - 241_000;

function showEvents(): ShowEvent[] {
  const generator = new AudienceGenerator({ showId, seed: 3, runId: 'archive', targetAudience: 80 });
  const studio = (type: string, s: number, extra: object): ShowEvent =>
    ({ id: `${showId}-${type}-${s}`, v: 1, showId, ts: T0 + s * 1000, type, ...extra }) as ShowEvent;
  const shopper: ShowEvent[] = [];
  const studioEvents: ShowEvent[] = [
    studio('show.started', 0, { currency: 'USD', title: 'Archived show', mode: 'live' }),
  ];
  for (let s = 0; s < 240; s += 10) {
    if (s % 60 === 0) {
      const productId = ['sunglasses-aviator', 'scarf-silk'][(s / 60) % 2]!;
      generator.setPinned(productId);
      studioEvents.push(
        studio('product.pinned', s, {
          productId,
          product: { name: `Name of ${productId}`, priceMinor: 100, currency: 'USD' },
        }),
      );
    }
    shopper.push(...generator.generate(150, T0 + s * 1000, T0 + (s + 10) * 1000));
  }
  const chat = shopper.find((e) => e.type === 'chat.message')!;
  studioEvents.push(
    studio('moderation.decision', 100, {
      action: 'message_hidden',
      targetViewerId: (chat as { viewerId: string }).viewerId,
      messageEventId: chat.id,
      decidedBy: { kind: 'moderator', id: 'producer-ana' },
      reason: 'spam link',
    }),
    studio('show.ended', 240, {}),
  );
  return [...studioEvents, ...shopper];
}

describe('replays from Kafka and from the archive', () => {
  const kafka = new Kafka({ clientId: 'replays-it', brokers: brokers(), logLevel: logLevel.NOTHING });
  const events = showEvents();
  const statuses: ReplayStatus[] = [];
  let replays: Replays;

  beforeAll(async () => {
    await stopLocalKafka(BROKER.name);
    rmSync(kafkaDataDir(BROKER.name), { recursive: true, force: true });
    await startLocalKafka(BROKER);
    const admin = kafka.admin();
    await admin.connect();
    await ensureShowTopics(admin);
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    for (const topic of [SHOW_TOPICS.studio, SHOW_TOPICS.shopper]) {
      const mine = events.filter(
        (e) => (topic === SHOW_TOPICS.studio) === !e.type.match(/^(viewer|chat|reaction|cart|order)/),
      );
      for (let i = 0; i < mine.length; i += 500)
        await producer.send({
          topic,
          acks: -1,
          messages: mine
            .slice(i, i + 500)
            .map((e) => ({ key: showId, value: JSON.stringify(e), timestamp: String(e.ts) })),
        });
    }
    await producer.disconnect();
    const dataDir = mkdtempSync(join(tmpdir(), 'shopcast-replays-it-'));
    replays = new Replays({
      kafka,
      dataDir,
      recordings: new Recordings({
        dataDir,
        disk: { warnBelowBytes: 0, stopBelowBytes: 0 },
        currentShow: () => null,
        onStatus: () => {},
      }),
      onStatus: (status) => statuses.push(status),
    });
  });

  afterAll(async () => {
    await replays?.stop();
    await stopLocalKafka(BROKER.name);
  }, 60_000);

  const ready = async () => {
    await expect
      .poll(
        () =>
          replays.getStatus().state === 'failed' ? replays.getStatus().error : replays.getStatus().state,
        { timeout: 30_000 },
      )
      .toBe('ready');
    await expect.poll(() => replays.getStatus().checkpointsReady, { timeout: 30_000 }).toBe(true);
  };

  it('lists the show, reads it back by timestamp with progress, and gives the live figures at any moment', async () => {
    const library = await replays.library();
    const entry = library.shows.find((s) => s.showId === showId);
    expect(entry).toMatchObject({
      title: 'Archived show',
      mode: 'live',
      startedAt: T0,
      endedAt: T0 + 240_000,
      inKafka: true,
    });
    replays.open(showId);
    await ready();
    expect(statuses.some((s) => s.state === 'reading' && s.total > 0)).toBe(true);
    expect(replays.getStatus().source).toBe('kafka');
    const timeline = replays.timeline(showId);
    expect(timeline.pins.map((p) => p.name)).toEqual([
      'Name of sunglasses-aviator',
      'Name of scarf-silk',
      'Name of sunglasses-aviator',
      'Name of scarf-silk',
    ]);
    expect(timeline.decisions).toMatchObject([
      { action: 'message_hidden', by: 'moderator producer-ana', reason: 'spam link' },
    ]);
    // The figures at a moment are the aggregator's, fed every event up to it.
    for (const at of [T0 + 95_500, T0 + 30_000, T0 + 239_000, T0 + 240_000]) {
      const reference = new ShowAggregator(showId);
      const sorted = [...events].sort((a, b) => a.ts - b.ts);
      for (const e of sorted) if (e.ts <= at) reference.apply(e);
      expect(replays.moment(showId, at).figures).toEqual(reference.snapshot());
    }
    const moment = replays.moment(showId, T0 + 240_000);
    const hidden = moment.chat.concat(replays.searchChat(showId, ' ')).find((m) => m.moderation.length > 0);
    expect(hidden?.moderation[0]).toMatchObject({ action: 'message_hidden', reason: 'spam link' });
    expect(replays.exportCsv(showId, 'pins').content.split('\r\n')[1]).toContain(
      'Name of sunglasses-aviator',
    );
  });

  it('replays from the archive once the topics are gone', async () => {
    const before = replays.moment(showId, T0 + 200_000).figures;
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [SHOW_TOPICS.shopper, SHOW_TOPICS.studio] });
    await expect
      .poll(async () =>
        (await admin.listTopics()).filter((t) => t === SHOW_TOPICS.shopper || t === SHOW_TOPICS.studio),
      )
      .toEqual([]);
    await admin.disconnect();
    const library = await replays.library();
    expect(library.shows.find((s) => s.showId === showId)).toMatchObject({
      inKafka: false,
      archived: true,
      title: 'Archived show',
    });
    replays.open(showId);
    await ready();
    expect(replays.getStatus().source).toBe('archive');
    expect(replays.moment(showId, T0 + 200_000).figures).toEqual(before);
  });
});
