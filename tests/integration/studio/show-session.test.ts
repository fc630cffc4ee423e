// The show session publishes studio events to the real broker; events queued while
// the broker is down are delivered once it is back, and survive a restart of the studio.
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { SHOW_TOPICS, type ShowEvent } from '../../../protocol/events';
import { ensureShowTopics } from '../../../main/kafka/topics';
import { ShowSession } from '../../../main/show/show-session';
import { StudioEventPublisher } from '../../../main/show/studio-events';
import { defaultKafkaOptions, startLocalKafka, stopLocalKafka } from '../../../scripts/kafka';

const brokers = process.env.SHOPCAST_KAFKA_BROKERS!.split(',');
const kafka = new Kafka({
  clientId: 'show-session-test',
  brokers,
  logLevel: logLevel.NOTHING,
  retry: { retries: 2 },
});
const publishers: StudioEventPublisher[] = [];

afterAll(async () => {
  for (const publisher of publishers) await publisher.stop();
});

/** Reads every studio event of one show from the beginning of the topic. */
async function studioEventsOf(showId: string, expected: number): Promise<ShowEvent[]> {
  const consumer = kafka.consumer({ groupId: `show-session-test-${randomUUID()}` });
  const events: ShowEvent[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: SHOW_TOPICS.studio, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`saw ${events.length} of ${expected} events`)), 20_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        if (String(message.key) !== showId) return;
        events.push(JSON.parse(String(message.value)) as ShowEvent);
        if (events.length >= expected) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return events;
}

function session(dataDir: string) {
  const publisher = new StudioEventPublisher(kafka, join(dataDir, 'outbox.jsonl'));
  publishers.push(publisher);
  return { publisher, show: new ShowSession(publisher, join(dataDir, 'show.json'), () => {}) };
}

describe('show session', () => {
  it('marks the show in Kafka: started, marker, ended, keyed by show id', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await ensureShowTopics(admin);
    await admin.disconnect();

    const { publisher, show } = session(mkdtempSync(join(tmpdir(), 'show-')));
    const started = show.start({ title: 'Spring <b>drop</b>', mode: 'rehearsal', currency: 'EUR' });
    show.emit({ type: 'marker', label: 'Intro done' });
    show.end();
    await publisher.drain();

    const events = await studioEventsOf(started.showId, 3);
    expect(events.map((event) => event.type)).toEqual(['show.started', 'marker', 'show.ended']);
    expect(events[0]).toMatchObject({
      showId: started.showId,
      title: 'Spring <b>drop</b>',
      currency: 'EUR',
      v: 1,
    });
    expect(new Set(events.map((event) => event.id)).size).toBe(3);
  });

  it('refuses to start a second show while one runs', () => {
    const { show } = session(mkdtempSync(join(tmpdir(), 'show-')));
    show.start({ title: 'One', mode: 'live', currency: 'USD' });
    expect(() => show.start({ title: 'Two', mode: 'live', currency: 'USD' })).toThrow(/still running/);
  });

  it('keeps events while the broker is down, across a studio restart, and delivers them after', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'show-'));
    const first = session(dataDir);
    const started = first.show.start({ title: 'Blip', mode: 'live', currency: 'USD' });
    await first.publisher.drain();

    await stopLocalKafka('test');
    try {
      first.show.emit({ type: 'product.pinned', productId: 'sku-1' });
      expect(first.publisher.pending).toBe(1);
      await first.publisher.stop();
      // Killed while appending: a half-written last line must not cost the events before it.
      appendFileSync(join(dataDir, 'outbox.jsonl'), '{"id":"half-writ');

      // A new studio process over the same data folder picks up the show and its outbox.
      const second = session(dataDir);
      expect(second.show.current?.showId).toBe(started.showId);
      expect(second.publisher.pending).toBe(1);
      second.show.end();
      expect(second.publisher.pending).toBe(2);
    } finally {
      await startLocalKafka(defaultKafkaOptions('test'));
    }
    await publishers.at(-1)!.drain(30_000);
    const events = await studioEventsOf(started.showId, 3);
    expect(events.map((event) => event.type)).toEqual(['show.started', 'product.pinned', 'show.ended']);
  }, 150_000);

  it("sells a new show in the last show's currency, else in the catalog's, also after a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'show-currency-'));
    const publisher = new StudioEventPublisher(kafka, join(dir, 'outbox.jsonl'));
    publishers.push(publisher);
    const first = new ShowSession(
      publisher,
      join(dir, 'show.json'),
      () => {},
      () => 'USD',
    );
    expect(first.suggestedCurrency()).toBe('USD'); // no show yet: the catalog's
    expect(first.start({ title: 'a', mode: 'rehearsal' }).currency).toBe('USD');
    first.end();
    first.start({ title: 'b', mode: 'rehearsal', currency: 'GBP' });
    first.end();
    const restarted = new ShowSession(
      publisher,
      join(dir, 'show.json'),
      () => {},
      () => 'USD',
    );
    expect(restarted.start({ title: 'c', mode: 'rehearsal' }).currency).toBe('GBP');
    restarted.end();
  });
});
