// Finding 6 and the shop's part of finding 8 (issue 12), against a real SFU process and the
// real broker: only the product pinned now, in stock, can be bought; the actions endpoint
// takes JSON from the viewer page's own site only. A refused click puts nothing on Kafka.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOW_TOPICS, type ShowEvent } from '../../../protocol/events';
import { ViewerActionAnswer, type PinnedProduct } from '../../../protocol/viewer-actions';
import { until } from '../../support/until';
import { Peer } from './peer';
import { startSfuProcess, type SfuProcess } from './processes';

const showId = `security-shop-${randomUUID().slice(0, 8)}`;
const kafka = new Kafka({
  clientId: 'security-shop-test',
  brokers: (process.env.SHOPCAST_KAFKA_BROKERS ?? '').split(','),
  logLevel: logLevel.NOTHING,
});
const consumer = kafka.consumer({ groupId: `security-shop-${randomUUID()}` });
const seen: ShowEvent[] = [];
let sfu: SfuProcess;
let admin: Peer;
let viewerToken = '';

const product = (productId: string, soldOut = false): PinnedProduct => ({
  productId,
  name: `Product ${productId}`,
  priceMinor: 1000,
  currency: 'USD',
  ...(soldOut ? { soldOut } : {}),
});

/** What the studio sends when the host pins, unpins or marks the pinned product sold out. */
async function pin(pinned: PinnedProduct | null): Promise<void> {
  const response = await fetch(`${sfu.httpUrl}/shows/${showId}/pinned`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${sfu.adminSecret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ product: pinned }),
  });
  expect(response.status).toBe(200);
}

function buy(productId: string, headers: Record<string, string> = {}, body?: string) {
  return fetch(`${sfu.httpUrl}/shows/${showId}/actions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body:
      body ??
      JSON.stringify({
        token: viewerToken,
        viewerId: 'shopper-1',
        action: { action: 'buy', productId, qty: 1, payment: { method: 'card' } },
      }),
  });
}

beforeAll(async () => {
  sfu = await startSfuProcess({});
  admin = await Peer.connect(sfu.url);
  ({ viewerToken } = await admin.ok<{ viewerToken: string }>('openShow', {
    showId,
    adminSecret: sfu.adminSecret,
  }));
  await consumer.connect();
  await consumer.subscribe({ topic: SHOW_TOPICS.shopper, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (String(message.key) === showId) seen.push(JSON.parse(String(message.value)) as ShowEvent);
    },
  });
});

afterAll(async () => {
  admin?.close();
  await consumer.disconnect();
  await sfu?.stop();
});

describe('the shop on the viewer page', () => {
  it('sells only the product pinned now, and only while it is in stock (finding 6)', async () => {
    // Pin A, pin B, mark A sold out (the studio tells the SFU nothing: A is not pinned).
    await pin(product('A'));
    await pin(product('B'));
    const earlier = await buy('A');
    expect(earlier.status).toBe(404);
    expect(await earlier.json()).toMatchObject({ reason: 'not-pinned' });

    // B sold out while pinned, then unpinned: refused both times.
    await pin(product('B', true));
    const soldOut = await buy('B');
    expect(soldOut.status).toBe(409);
    expect(await soldOut.json()).toMatchObject({ reason: 'sold-out' });
    await pin(null);
    expect((await buy('B')).status).toBe(404);

    // The one that may be bought is.
    await pin(product('C'));
    const sold = await buy('C');
    expect(sold.status).toBe(202);
    const answer = ViewerActionAnswer.parse(await sold.json());
    await until('the order on Kafka', () => seen.some((event) => event.id === answer.eventId), 20_000);
    // Keyed by show, so refused clicks would have landed before it: none did.
    expect(seen.filter((event) => event.type === 'order.placed')).toHaveLength(1);
    expect(seen.find((event) => event.id === answer.eventId)).toMatchObject({
      lines: [{ productId: 'C', qty: 1, unitPriceMinor: 1000 }],
    });
  });

  it('takes application/json only, and not from another site (finding 8)', async () => {
    await pin(product('D'));
    const formBody = `token=${viewerToken}&viewerId=x&action=buy`;
    expect((await buy('D', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await buy('D', { 'content-type': 'application/x-www-form-urlencoded' }, formBody)).status).toBe(
      415,
    );
    expect((await buy('D', { origin: 'https://evil.example' })).status).toBe(403);
    expect((await buy('D', { origin: sfu.httpUrl })).status).toBe(202);
    expect(sfu.alive()).toBe(true);
  });
});
