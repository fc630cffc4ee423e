// Pinning through the studio contract reaches Kafka: a plain kafkajs consumer sees
// product.pinned (with its display snapshot), product.sold_out, product.back_in_stock and
// product.unpinned, keyed by the show, with the right product and show id.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import type { ShowState } from '../../../protocol/show';
import { ProductPinned, SHOW_TOPICS, type ShowEvent } from '../../../protocol/events';
import { loadConfig } from '../../../main/studio/config';
import { startStudioServices, type StudioServices } from '../../../main/studio/studio';

const brokers = process.env.SHOPCAST_KAFKA_BROKERS!;
const kafka = new Kafka({
  clientId: 'pinning-test',
  brokers: brokers.split(','),
  logLevel: logLevel.NOTHING,
});
let studio: StudioServices | null = null;

afterAll(async () => {
  await studio?.stop();
});

async function call<T>(op: string, request: unknown): Promise<T> {
  const result = await studio!.host.call(op, request);
  if (!result.ok) throw new Error(`${op}: ${result.error.message}`);
  return result.response as T;
}

describe('pinning', () => {
  it('publishes pin, sold-out and unpin events a kafkajs consumer reads back', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'shopcast-pinning-'));
    studio = startStudioServices(loadConfig({ ...process.env, SHOPCAST_DATA_DIR: dataDir }));

    const consumer = kafka.consumer({ groupId: `pinning-test-${randomUUID()}` });
    await consumer.connect();
    const seen: ShowEvent[] = [];
    let showId = '';

    const show = await call<ShowState>('startShow', {
      title: 'Pin test',
      mode: 'rehearsal',
      currency: 'USD',
    });
    showId = show.showId;
    expect((await call<ShowState>('pinProduct', { productId: 'sunglasses-midnight' })).pinnedProductId).toBe(
      'sunglasses-midnight',
    );
    await call('markSoldOut', { productId: 'sunglasses-midnight' });
    const restocked = await call<ShowState>('markBackInStock', { productId: 'sunglasses-midnight' });
    expect(restocked.soldOutProductIds).toEqual([]);
    expect((await call<ShowState>('unpinProduct', {})).pinnedProductId).toBeNull();
    await call('endShow', {});

    await consumer.subscribe({ topic: SHOW_TOPICS.studio, fromBeginning: true });
    const keys: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`saw ${seen.length} events of the show`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          const event = JSON.parse(String(message.value)) as ShowEvent;
          if (event.showId !== showId) return;
          keys.push(String(message.key));
          seen.push(event);
          if (event.type === 'show.ended') {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();

    const products = seen.filter((e) => e.type.startsWith('product.'));
    expect(products.map((e) => [e.type, 'productId' in e ? e.productId : null])).toEqual([
      ['product.pinned', 'sunglasses-midnight'],
      ['product.sold_out', 'sunglasses-midnight'],
      ['product.back_in_stock', 'sunglasses-midnight'],
      ['product.unpinned', 'sunglasses-midnight'],
    ]);
    expect(keys.every((key) => key === showId)).toBe(true);
    const pinned = ProductPinned.parse(products[0]);
    expect(pinned.product).toEqual({
      name: 'Midnight Sunglasses',
      priceMinor: 8900,
      currency: 'USD',
      thumbnail: 'assets/catalog/thumbnails/sunglasses.svg',
    });
  }, 60_000);

  it('refuses a pin with no running show or an unknown product', async () => {
    const result = await studio!.host.call('pinProduct', { productId: 'sunglasses-midnight' });
    expect(result).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/No show/) as string },
    });
    await call('startShow', { title: 'Pin test 2', mode: 'rehearsal', currency: 'USD' });
    const unknown = await studio!.host.call('pinProduct', { productId: 'no-such-thing' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    await call('endShow', {});
  });
});
