// The viewer page's shop against the real SFU process and broker: a buy becomes an
// order.placed event priced by the SFU (never by the page), and bad tokens, unknown
// products and malformed bodies are refused.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../main/studio/config';
import { MediaRooms, sfuHttpBase } from '../../../main/going-live/media-rooms';
import { SHOW_TOPICS, type ShowEvent } from '../../../protocol/events';
import { ViewerActionAnswer, type ViewerActionRequest } from '../../../protocol/viewer-actions';

const config = loadConfig({ ...process.env, SHOPCAST_CONFIG: '/nonexistent' });
const rooms = new MediaRooms(config.sfu);
const base = sfuHttpBase(config.sfu.url!);
const showId = `viewer-actions-${randomUUID().slice(0, 8)}`;
const kafka = new Kafka({
  clientId: 'viewer-actions-test',
  brokers: config.kafka.brokers,
  logLevel: logLevel.NOTHING,
});
const consumer = kafka.consumer({ groupId: `viewer-actions-test-${randomUUID()}` });
const seen: ShowEvent[] = [];
let viewerToken = '';

const act = (body: Omit<ViewerActionRequest, 'token'> & { token?: string }) =>
  fetch(`${base}/shows/${showId}/actions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: viewerToken, ...body }),
  });

beforeAll(async () => {
  viewerToken = (await rooms.open(showId)).viewerToken;
  await rooms.setPinnedProduct(showId, {
    productId: 'sku-hat-7',
    name: 'Bucket hat',
    priceMinor: 3500,
    currency: 'USD',
  });
  await consumer.connect();
  await consumer.subscribe({ topic: SHOW_TOPICS.shopper, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (String(message.key) === showId) seen.push(JSON.parse(String(message.value)) as ShowEvent);
    },
  });
});

afterAll(async () => {
  await consumer.disconnect();
  await rooms.close(showId);
});

describe('viewer actions', () => {
  it('shows the pinned product to viewers only', async () => {
    const ok = await fetch(`${base}/shows/${showId}/pinned?token=${encodeURIComponent(viewerToken)}`);
    expect(await ok.json()).toEqual({
      product: { productId: 'sku-hat-7', name: 'Bucket hat', priceMinor: 3500, currency: 'USD' },
    });
    expect((await fetch(`${base}/shows/${showId}/pinned?token=nope`)).status).toBe(401);
    const put = await fetch(`${base}/shows/${showId}/pinned`, {
      method: 'PUT',
      headers: { authorization: 'Bearer wrong', 'content-type': 'application/json' },
      body: JSON.stringify({ product: null }),
    });
    expect(put.status).toBe(401);
  });

  it('turns a buy into an order.placed event priced by the SFU', async () => {
    const response = await act({
      viewerId: 'viewer-1',
      action: {
        action: 'buy',
        productId: 'sku-hat-7',
        qty: 3,
        payment: { method: 'wallet', provider: 'apple_pay' },
      },
    });
    expect(response.status).toBe(202);
    const answer = ViewerActionAnswer.parse(await response.json());
    await expect
      .poll(() => seen.find((event) => event.id === answer.eventId), { timeout: 20_000 })
      .toBeDefined();
    expect(seen.find((event) => event.id === answer.eventId)).toMatchObject({
      type: 'order.placed',
      showId,
      viewerId: 'viewer-1',
      orderId: answer.orderId,
      lines: [{ productId: 'sku-hat-7', qty: 3, unitPriceMinor: 3500 }],
      totalMinor: 10500,
      currency: 'USD',
      payment: { method: 'wallet', provider: 'apple_pay' },
    });
  });

  it('refuses wrong tokens, unknown products, BNPL without a provider and junk', async () => {
    const cart = { action: 'add_to_cart' as const, productId: 'sku-hat-7', qty: 1 };
    expect((await act({ viewerId: 'v', action: cart, token: 'nope' })).status).toBe(401);
    expect((await act({ viewerId: 'v', action: { ...cart, productId: 'sku-not-pinned' } })).status).toBe(404);
    const bnpl = {
      action: 'buy' as const,
      productId: 'sku-hat-7',
      qty: 1,
      payment: { method: 'bnpl' as const },
    };
    expect((await act({ viewerId: 'v', action: bnpl })).status).toBe(400);
    const junk = await fetch(`${base}/shows/${showId}/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'not json',
    });
    expect(junk.status).toBe(400);
  });
});
