// The shopper's viewer page against the real SFU, Kafka and Chromium: a shopper who opens
// the shared link before the show waits and then plays without reloading, one who opens it
// after the show sees it has ended, joins and leaves become viewer.joined / viewer.left
// events on Kafka, and a sold-out pinned product cannot be bought.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import type { Page } from '@playwright/test';
import { SHOW_TOPICS, type ShowEvent } from '../../protocol/events';
import { expect, test } from './fixtures';
import { framesDecoded } from '../support/viewer-stats';

async function openStudio(page: Page, studioUrl: string): Promise<string> {
  await page.goto(studioUrl);
  await expect(page.getByTestId('program-canvas')).toBeVisible();
  const link = page.getByTestId('upcoming-viewer-link');
  await expect(link).toHaveAttribute('href', /\/viewer\/\?show=.+&token=.+/);
  return (await link.getAttribute('href'))!;
}

async function goLive(page: Page): Promise<string> {
  await page.getByTestId('go-live-button').click();
  await expect(page.getByTestId('live-badge')).toHaveAttribute('data-phase', 'live', { timeout: 20_000 });
  return (await page.getByTestId('viewer-link').getAttribute('href'))!;
}

async function endShow(page: Page): Promise<void> {
  await page.getByTestId('end-show-button').click();
  await page.getByTestId('confirm-end-button').click();
  await expect(page.getByTestId('live-badge')).toHaveAttribute('data-phase', 'ended');
}

/** Collects the show's shopper events from Kafka (a fresh group, from the start). */
async function shopperEvents(
  brokers: string[],
  showId: string,
): Promise<{ seen: ShowEvent[]; consumer: Consumer }> {
  const kafka = new Kafka({ clientId: 'viewer-page-e2e', brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `viewer-page-e2e-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: SHOW_TOPICS.shopper, fromBeginning: true });
  const seen: ShowEvent[] = [];
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (String(message.key) === showId) seen.push(JSON.parse(String(message.value)) as ShowEvent);
    },
  });
  return { seen, consumer };
}

test('a shopper on the shared link waits, plays when the host goes live, and a late one is told it ended', async ({
  page,
  studio,
  browser,
}) => {
  test.setTimeout(90_000);
  const sharedUrl = await openStudio(page, studio.web.url);
  const early = await browser.newContext();
  const viewer = await early.newPage();
  await viewer.goto(sharedUrl);
  await expect(viewer.getByTestId('viewer-status')).toHaveAttribute('data-state', 'waiting');
  await expect(viewer.getByTestId('viewer-status')).toContainText('Waiting for the host');

  const viewerUrl = await goLive(page);
  // The link shared ahead is the live show's link.
  expect(viewerUrl).toBe(sharedUrl);
  // No reload: the SFU's push starts the page.
  await expect(viewer.getByTestId('viewer-status')).toHaveAttribute('data-state', 'live', {
    timeout: 10_000,
  });
  await expect.poll(() => framesDecoded(viewer), { timeout: 10_000 }).toBeGreaterThan(10);
  await expect(page.getByTestId('viewer-count')).toHaveAttribute('data-count', '1');

  await endShow(page);
  await expect(viewer.getByTestId('viewer-status')).toHaveAttribute('data-state', 'ended');
  await early.close();

  const late = await browser.newContext();
  const lateViewer = await late.newPage();
  await lateViewer.goto(viewerUrl);
  await expect(lateViewer.getByTestId('viewer-status')).toHaveAttribute('data-state', 'ended');
  await expect(lateViewer.getByTestId('viewer-status')).toContainText('This show has ended');
  await late.close();

  // The studio offers the next show's link, a different one.
  await expect(page.getByTestId('upcoming-viewer-link')).not.toHaveAttribute('href', sharedUrl);
});

test('viewers joining and leaving become viewer.joined and viewer.left on Kafka, once each', async ({
  page,
  studio,
  browser,
  stack,
}) => {
  await openStudio(page, studio.web.url);
  const viewerUrl = await goLive(page);
  const showId = new URL(viewerUrl).searchParams.get('show')!;
  const { seen, consumer } = await shopperEvents(stack.kafkaBrokers, showId);
  const presence = () =>
    seen
      .filter((event) => event.type === 'viewer.joined' || event.type === 'viewer.left')
      .map((event) => `${event.type} ${(event as { viewerId: string }).viewerId}`);
  try {
    const shopper = await browser.newContext();
    const viewer = await shopper.newPage();
    await viewer.goto(viewerUrl);
    await expect(viewer.getByTestId('viewer-status')).toHaveAttribute('data-state', 'live');
    const viewerId = await viewer.evaluate(() => sessionStorage.getItem('shopcast.viewerId'));
    expect(viewerId).toMatch(/^viewer-/);
    await expect.poll(presence, { timeout: 20_000 }).toEqual([`viewer.joined ${viewerId}`]);

    // A reload is a leave and a join of the same shopper (the old socket may close a moment
    // after the new one joined, so the order of those two is not fixed).
    await viewer.reload();
    await expect(viewer.getByTestId('viewer-status')).toHaveAttribute('data-state', 'live');
    await expect
      .poll(() => [...presence()].sort(), { timeout: 20_000 })
      .toEqual([`viewer.joined ${viewerId}`, `viewer.joined ${viewerId}`, `viewer.left ${viewerId}`]);

    // Closing the tab: one viewer.left, and nothing more once the show ends.
    await shopper.close();
    await expect(page.getByTestId('viewer-count')).toHaveAttribute('data-count', '0');
    await endShow(page);
    await expect.poll(() => presence().at(-1), { timeout: 20_000 }).toBe(`viewer.left ${viewerId}`);
    await page.waitForTimeout(1500);
    expect([...presence()].sort()).toEqual([
      `viewer.joined ${viewerId}`,
      `viewer.joined ${viewerId}`,
      `viewer.left ${viewerId}`,
      `viewer.left ${viewerId}`,
    ]);
    for (const event of seen) expect(event.showId).toBe(showId);
  } finally {
    await consumer.disconnect();
  }
});

test('pins reach a watching shopper at once; a sold-out pin shows "Sold out" and cannot be bought', async ({
  page,
  studio,
  browser,
}) => {
  await openStudio(page, studio.web.url);
  const viewerUrl = await goLive(page);
  const url = new URL(viewerUrl);
  const showId = url.searchParams.get('show')!;
  const token = url.searchParams.get('token')!;
  const shopper = await browser.newContext();
  try {
    const viewer = await shopper.newPage();
    await viewer.goto(viewerUrl);
    await expect(viewer.getByTestId('viewer-status')).toHaveAttribute('data-state', 'live');
    await expect(viewer.getByTestId('viewer-product')).toBeHidden();
    // Pinned while the shopper watches: the SFU pushes it to the page.
    expect((await studio.services.host.call('pinProduct', { productId: 'glasses-round-tortoise' })).ok).toBe(
      true,
    );
    await expect(viewer.getByTestId('viewer-product')).toContainText('Round Reading Glasses');
    await expect(viewer.getByTestId('sold-out')).toBeHidden();
    await expect(viewer.getByTestId('buy')).toBeEnabled();

    expect((await studio.services.host.call('markSoldOut', { productId: 'glasses-round-tortoise' })).ok).toBe(
      true,
    );
    await expect(viewer.getByTestId('sold-out')).toBeVisible({ timeout: 10_000 });
    await expect(viewer.getByTestId('sold-out')).toHaveText('Sold out');
    await expect(viewer.getByTestId('buy')).toBeDisabled();
    await expect(viewer.getByTestId('add-to-cart')).toBeDisabled();

    // A click that gets past the page (an old tab, a script) is refused by the SFU too.
    const response = await viewer.request.post(`${url.origin}/shows/${showId}/actions`, {
      data: {
        token,
        viewerId: 'viewer-e2e',
        action: { action: 'buy', productId: 'glasses-round-tortoise', qty: 1, payment: { method: 'card' } },
      },
    });
    expect(response.status()).toBe(409);

    // Unpinned: the card goes away.
    expect((await studio.services.host.call('unpinProduct', {})).ok).toBe(true);
    await expect(viewer.getByTestId('viewer-product')).toBeHidden();
  } finally {
    await shopper.close();
    await endShow(page);
  }
});
