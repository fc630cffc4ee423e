// Going live end to end: the studio (fake camera and mic) publishes to the real SFU, a
// shopper's viewer page in another browser context receives picture and sound, both
// come back by themselves after the SFU is killed and restarted, a buy click becomes
// an order.placed event on Kafka, and ending the show reaches the viewer.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { Page } from '@playwright/test';
import { loadConfig } from '../../main/studio/config';
import { startBrowserMode } from '../../main/web/browser-mode';
import { SHOW_TOPICS, type ShowEvent } from '../../protocol/events';
import { defaultSfuOptions, killLocalSfu, startLocalSfu } from '../../scripts/sfu';
import { viewerReceiveStats } from '../support/viewer-stats';
import { expect, test } from './fixtures';

/** Picture and sound arrive: decoded frames and audio packets keep increasing, at 720p. */
async function expectMediaFlowing(viewer: Page): Promise<void> {
  await expect
    .poll(async () => (await viewerReceiveStats(viewer)).framesDecoded, { timeout: 20_000 })
    .toBeGreaterThan(10);
  const before = await viewerReceiveStats(viewer);
  await expect
    .poll(async () => {
      const now = await viewerReceiveStats(viewer);
      return (
        now.framesDecoded - before.framesDecoded >= 15 &&
        now.audioPacketsReceived > before.audioPacketsReceived
      );
    })
    .toBe(true);
  const now = await viewerReceiveStats(viewer);
  expect({ width: now.frameWidth, height: now.frameHeight }).toEqual({ width: 1280, height: 720 });
}

async function goLive(page: Page, studioUrl: string): Promise<string> {
  await page.goto(studioUrl);
  await expect(page.getByTestId('program-canvas')).toBeVisible();
  await page.getByTestId('go-live-button').click();
  await expect(page.getByTestId('live-badge')).toHaveAttribute('data-phase', 'live', { timeout: 20_000 });
  await expect(page.getByTestId('live-badge')).toHaveText('LIVE');
  const viewerUrl = await page.getByTestId('viewer-link').getAttribute('href');
  expect(viewerUrl).toMatch(/\/viewer\/\?show=.+&token=.+/);
  return viewerUrl!;
}

test('a viewer watches the show, through an SFU restart, until it ends', async ({
  page,
  studio,
  browser,
}) => {
  test.setTimeout(150_000);
  const viewerUrl = await goLive(page, studio.web.url);
  const shopper = await browser.newContext();
  const viewer = await shopper.newPage();
  await viewer.goto(viewerUrl);
  await expectMediaFlowing(viewer);
  await expect(viewer.getByTestId('viewer-status')).toHaveAttribute('data-state', 'live');
  await expect(page.getByTestId('viewer-count')).toHaveAttribute('data-count', '1');
  await expect(page.getByTestId('stream-health')).toBeVisible();
  await expect(page.getByTestId('health-video')).toContainText('1280×720');

  // The SFU dies mid-show and comes back: nobody clicks anything.
  expect(killLocalSfu('test')).toBe(true);
  await expect(page.getByTestId('live-badge')).toHaveAttribute('data-phase', 'reconnecting');
  await expect(viewer.getByTestId('viewer-status')).toHaveAttribute('data-state', 'reconnecting');
  const restarted = Date.now();
  await startLocalSfu(defaultSfuOptions('test'));
  const sfuBack = Date.now();
  await expect(page.getByTestId('live-badge')).toHaveAttribute('data-phase', 'live', { timeout: 20_000 });
  await expectMediaFlowing(viewer);
  console.log(
    `[go-live] SFU restart took ${sfuBack - restarted} ms; viewer had frames again ${Date.now() - sfuBack} ms after the SFU was healthy`,
  );

  // End the show from the keyboard, with the confirmation.
  await page.locator('body').click();
  await page.keyboard.press('Control+Shift+L');
  await page.getByTestId('confirm-end-button').click();
  await expect(page.getByTestId('live-badge')).toHaveAttribute('data-phase', 'ended');
  await expect(viewer.getByTestId('viewer-status')).toHaveAttribute('data-state', 'ended');
  await expect(viewer.getByTestId('viewer-status')).toContainText('ended');
  await shopper.close();
});

test('the preflight says what stops the show from going live', async ({ page, stack }) => {
  // A studio whose SFU is not running: going live must refuse and say why.
  const studio = await startBrowserMode(
    loadConfig({
      ...process.env,
      ...stack.env,
      SHOPCAST_SFU_URL: 'ws://127.0.0.1:24499/signaling',
      SHOPCAST_DATA_DIR: mkdtempSync(join(tmpdir(), 'shopcast-e2e-')),
    }),
  );
  try {
    await page.goto(studio.web.url);
    await expect(page.getByTestId('status-sfu')).toHaveAttribute('data-state', 'disconnected');
    await expect(page.getByTestId('camera-select')).not.toHaveValue('');
    await page.getByTestId('go-live-button').click();
    await expect(page.getByTestId('live-badge')).toHaveAttribute('data-phase', 'failed');
    await expect(page.getByTestId('live-reason')).toContainText('SFU reachable');
    await expect(page.getByTestId('preflight').locator('li[data-ok="false"]')).toContainText([
      /SFU reachable: .*refused/,
    ]);
    await expect(
      page.getByTestId('preflight').locator('li[data-ok="true"]', { hasText: 'Camera' }),
    ).toHaveCount(1);
  } finally {
    // The studio's web server waits for its open connections, so leave the page first.
    await page.close();
    await studio.stop();
  }
});

test('a reloaded studio picks the live show up again by itself', async ({ page, studio, browser }) => {
  const viewerUrl = await goLive(page, studio.web.url);
  const shopper = await browser.newContext();
  const viewer = await shopper.newPage();
  await viewer.goto(viewerUrl);
  await expectMediaFlowing(viewer);
  await page.reload();
  await expect(page.getByTestId('live-badge')).toHaveAttribute('data-phase', 'live', { timeout: 20_000 });
  await expect(page.getByTestId('viewer-link')).toHaveAttribute('href', viewerUrl);
  await expectMediaFlowing(viewer);
  await page.getByTestId('end-show-button').click();
  await page.getByTestId('confirm-end-button').click();
  await expect(viewer.getByTestId('viewer-status')).toHaveAttribute('data-state', 'ended');
  await shopper.close();
});

test("a shopper's buy click becomes an order.placed event on Kafka", async ({
  page,
  studio,
  browser,
  stack,
}) => {
  const viewerUrl = await goLive(page, studio.web.url);
  const showId = new URL(viewerUrl).searchParams.get('show')!;
  // The host pins a catalog product; the studio tells the SFU, which prices the clicks with it.
  const pinned = await studio.services.host.call('pinProduct', { productId: 'glasses-round-tortoise' });
  expect(pinned.ok).toBe(true);

  const kafka = new Kafka({
    clientId: 'go-live-e2e',
    brokers: stack.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `go-live-e2e-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: SHOW_TOPICS.shopper, fromBeginning: true });
  const seen: ShowEvent[] = [];
  await consumer.run({
    eachMessage: async ({ message }) => {
      // Other shows' messages are not ours to parse (some tests write malformed ones on purpose).
      if (String(message.key) !== showId) return;
      const event = JSON.parse(String(message.value)) as ShowEvent;
      // The viewer's own joins and leaves go to the same topic (viewer-page.spec.ts).
      if (!event.type.startsWith('viewer.')) seen.push(event);
    },
  });

  try {
    const shopper = await browser.newContext();
    const viewer = await shopper.newPage();
    await viewer.goto(viewerUrl);
    await expect(viewer.getByTestId('viewer-product')).toContainText('Round Reading Glasses');
    await expect(viewer.getByTestId('viewer-product')).toContainText('$49.00');
    await viewer.getByTestId('add-to-cart').click();
    await expect(viewer.getByTestId('shop-message')).toHaveText('Added to your cart');
    await viewer.locator('#qty').fill('2');
    await viewer.locator('#payment').selectOption('bnpl');
    await viewer.getByTestId('buy').click();
    await expect(viewer.getByTestId('shop-message')).toContainText('Order placed');

    await expect
      .poll(() => seen.map((event) => event.type), { timeout: 20_000 })
      .toEqual(['cart.item_added', 'order.placed']);
    const order = seen[1] as Extract<ShowEvent, { type: 'order.placed' }>;
    expect(order).toMatchObject({
      showId,
      lines: [{ productId: 'glasses-round-tortoise', qty: 2, unitPriceMinor: 4900 }],
      totalMinor: 9800,
      currency: 'USD',
      payment: { method: 'bnpl', provider: 'klarna' },
    });
    await shopper.close();
  } finally {
    await consumer.disconnect();
    await page.getByTestId('end-show-button').click();
    await page.getByTestId('confirm-end-button').click();
    await expect(page.getByTestId('live-badge')).toHaveAttribute('data-phase', 'ended');
  }
});
