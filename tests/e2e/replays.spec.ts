// A brand manager replays a show: the host goes live for about 30 s with simulated
// shoppers, pins two products and sets a marker, then ends. The show is in the library;
// its replay plays the recording with the right duration; seeking to the second pin puts
// the cursor in that pin's band with the video in step; and the figures at the cursor equal
// the live dashboard's last figures and an independent consumer's.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../main/studio/config';
import { startBrowserMode } from '../../main/web/browser-mode';
import type { Page } from '@playwright/test';
import { startAudience } from '../../server/audience/audience';
import type { ReplayMoment } from '../../protocol/replays';
import type { RecordingSummary } from '../../protocol/recording';
import { expectedTiles, readShowEvents } from '../support/show-figures';
import { expect, test } from './fixtures';

const catalog = (
  JSON.parse(readFileSync('assets/catalog/demo-products.json', 'utf8')) as {
    products: { id: string; priceMinor: number; currency: string }[];
  }
).products.filter((p) => p.currency === 'EUR');

async function tiles(page: Page, scope: string): Promise<Record<string, number>> {
  return page.evaluate(
    (scope) =>
      Object.fromEntries(
        [...document.querySelectorAll<HTMLElement>(`[data-testid="${scope}"] [data-testid^="kpi-"]`)].map(
          (el) => [el.dataset.testid!.slice('kpi-'.length), Number(el.dataset.value)],
        ),
      ),
    scope,
  );
}

test('a live show is recorded and replays in step with its events', async ({
  page,
  studio,
  stack,
  browser,
}) => {
  test.setTimeout(240_000);
  const call = async <T>(op: string, request: object = {}) => {
    const result = await studio.services.host.call(op, request);
    if (!result.ok) throw new Error(result.error.message);
    return result.response as T;
  };
  await page.goto(studio.web.url);
  await expect(page.getByTestId('program-canvas')).toBeVisible();
  await page.getByTestId('show-title').fill('Replay e2e');
  // The pinned products and the shoppers' catalog are in euros (the default follows the last show).
  await page.getByLabel('Currency').selectOption('EUR');
  await page.getByTestId('go-live-button').click();
  await expect(page.getByTestId('live-badge')).toHaveAttribute('data-phase', 'live', { timeout: 20_000 });
  const liveAt = Date.now();
  const showId = new URL((await page.getByTestId('viewer-link').getAttribute('href'))!).searchParams.get(
    'show',
  )!;
  await expect(page.getByTestId('recording-indicator')).toHaveAttribute('data-state', 'recording');

  const audience = await startAudience({ brokers: stack.kafkaBrokers, showId, rate: 40, seed: 5, catalog });
  const at = (seconds: number) => page.waitForTimeout(Math.max(0, liveAt + seconds * 1000 - Date.now()));
  await at(3);
  await call('pinProduct', { productId: 'hat-bucket-canvas' });
  await at(9);
  await call('addMarker', { label: 'giveaway' });
  await at(15);
  await call('pinProduct', { productId: 'scarf-silk-sunset' });
  await at(28);
  await audience.stop();

  // The live dashboard's last figures, once every event is counted.
  await page.getByRole('button', { name: 'Dashboard', exact: true }).click();
  let live: Record<string, number> = {};
  await expect
    .poll(
      async () => {
        const before = await tiles(page, 'dashboard');
        await page.waitForTimeout(1500);
        live = await tiles(page, 'dashboard');
        return JSON.stringify(before) === JSON.stringify(live) && live.orders! > 0;
      },
      { timeout: 30_000 },
    )
    .toBe(true);
  const liveAsOf = Number(await page.getByTestId('show-clock').getAttribute('data-asof'));

  await page.getByRole('button', { name: 'Studio', exact: true }).click();
  await page.getByTestId('end-show-button').click();
  await page.getByTestId('confirm-end-button').click();
  await expect(page.getByTestId('live-badge')).toHaveAttribute('data-phase', 'ended');
  const endedAt = Date.now();
  await expect
    .poll(
      async () => (await call<RecordingSummary[]>('listRecordings')).find((r) => r.showId === showId)?.state,
      {
        timeout: 20_000,
      },
    )
    .toBe('complete');
  const recording = (await call<RecordingSummary[]>('listRecordings')).find((r) => r.showId === showId)!;
  console.log(
    `[replays] recording ${recording.durationMs} ms, live ${endedAt - liveAt} ms, parts ${recording.parts}`,
  );
  // The recording runs from going live to the end. It comes out a few seconds short of the wall
  // clock here: the recorder starts after LIVE, and its software encoder lags on a busy machine.
  expect(recording.durationMs!).toBeGreaterThan(endedAt - liveAt - 6000);
  expect(recording.durationMs!).toBeLessThan(endedAt - liveAt + 1000);

  // The library lists it, with its recording here.
  await page.getByRole('button', { name: 'Replays', exact: true }).click();
  const row = page.locator(`[data-testid="library-row"][data-show-id="${showId}"]`);
  await expect
    .poll(
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return row.getAttribute('data-recording', { timeout: 2000 }).catch(() => null);
      },
      { timeout: 30_000 },
    )
    .toBe('here');
  await expect(row).toContainText('Replay e2e');
  await expect(row).toContainText('live');
  await row.getByTestId('open-replay').click();

  // The recording plays with the right duration.
  const video = page.getByTestId('replay-video');
  await expect(video).toBeVisible({ timeout: 30_000 });
  await expect
    .poll(() => video.evaluate((v: HTMLVideoElement) => v.duration), { timeout: 20_000 })
    .toBeCloseTo(recording.durationMs! / 1000, 0);
  await video.evaluate((v: HTMLVideoElement) => {
    v.muted = true;
    return v.play();
  });
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeGreaterThan(1);
  await video.evaluate((v: HTMLVideoElement) => v.pause());

  // Timeline: two pin bands with product names, the marker, orders.
  const bands = page.getByTestId('timeline-pin');
  await expect(bands).toHaveCount(2);
  await expect(bands.nth(1)).toContainText('Silk Scarf');
  await expect(page.getByTestId('timeline-marker')).toHaveCount(1);

  // Seek to the second pin: its band is under the cursor, and video and cursor agree.
  await page.getByTestId('pin-row').nth(1).click();
  const second = bands.nth(1);
  const pinnedAt = Number(await second.getAttribute('data-pinned-at'));
  const unpinnedAt = Number(await second.getAttribute('data-unpinned-at'));
  await expect
    .poll(async () => Number(await page.getByTestId('timeline-cursor').getAttribute('data-ts')))
    .toBe(pinnedAt);
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.seeking)).toBe(false);
  const startedAt = Number(await video.getAttribute('data-started-at'));
  const videoMs = await video.evaluate((v: HTMLVideoElement) => v.currentTime * 1000);
  expect(Math.abs(startedAt + videoMs - pinnedAt)).toBeLessThan(500);
  expect(pinnedAt).toBeLessThan(unpinnedAt);
  await expect(page.getByTestId('replay-figures')).toHaveAttribute('data-at', String(pinnedAt));

  // The figures where the live dashboard last stood are exactly its figures.
  const atLive = await call<ReplayMoment>('getReplayMoment', { showId, at: liveAsOf });
  expect(atLive.figures.asOf).toBe(liveAsOf);
  const tile = (f: ReplayMoment['figures']) => ({
    'viewers-now': f.viewers.current,
    'viewers-peak': f.viewers.peak,
    'viewers-unique': f.viewers.unique,
    'chat-per-minute': f.chat.perMinute,
    'cart-adds-per-minute': f.cart.addsPerMinute,
    orders: f.orders.count,
    'orders-per-minute': f.orders.perMinute,
    revenue: f.orders.grossRevenueMinor,
    'revenue-per-minute': f.orders.revenuePerMinuteMinor,
    units: f.orders.units,
    aov: f.orders.aovMinor,
    conversion: f.orders.conversion,
    'bnpl-orders': f.orders.bnplOrderShare,
    'bnpl-revenue': f.orders.bnplRevenueShare,
    refunds: f.orders.refunds.amountMinor,
  });
  expect(tile(atLive.figures)).toEqual(live);

  // At the end of the timeline the screen shows what an independent consumer computes.
  const timeline = page.getByTestId('replay-timeline');
  await timeline.focus();
  await page.keyboard.press('End');
  await expect(page.getByTestId('timeline-cursor')).toHaveAttribute(
    'data-ts',
    (await timeline.getAttribute('data-end'))!,
  );
  const events = await readShowEvents(stack.kafkaBrokers, showId, liveAt - 120_000);
  const expected = expectedTiles(events);
  expect(expected.orders).toBeGreaterThan(0);
  await expect.poll(() => tiles(page, 'replay-figures'), { timeout: 10_000 }).toEqual(expected);
  await expect(page.getByTestId('replay-chat').locator('li').first()).toBeVisible();

  // A brand manager's own studio (its own data dir, same Kafka and platform) opens the replay,
  // recording included: the host's studio uploaded it to the platform in the background.
  await expect
    .poll(
      async () =>
        (await call<RecordingSummary[]>('listRecordings')).find((r) => r.showId === showId)?.upload.state,
      {
        timeout: 30_000,
      },
    )
    .toBe('done');
  const brandManager = await startBrowserMode(
    loadConfig({
      ...process.env,
      ...stack.env,
      SHOPCAST_DATA_DIR: mkdtempSync(join(tmpdir(), 'shopcast-bm-')),
    }),
  );
  const context = await browser.newContext();
  try {
    const other = await context.newPage();
    await other.goto(brandManager.web.url);
    await other.getByRole('button', { name: 'Replays', exact: true }).click();
    const otherRow = other.locator(`[data-testid="library-row"][data-show-id="${showId}"]`);
    await expect(otherRow).toHaveAttribute('data-recording', 'platform', { timeout: 30_000 });
    await otherRow.getByTestId('open-replay').click();
    const otherVideo = other.getByTestId('replay-video');
    await expect(otherVideo).toBeVisible({ timeout: 30_000 });
    await expect
      .poll(() => otherVideo.evaluate((v: HTMLVideoElement) => v.duration), { timeout: 20_000 })
      .toBeCloseTo(recording.durationMs! / 1000, 0);
    await other.getByTestId('pin-row').nth(1).click();
    await expect
      .poll(() => otherVideo.evaluate((v: HTMLVideoElement) => !v.seeking && v.readyState >= 2))
      .toBe(true);
    const otherMs = await otherVideo.evaluate((v: HTMLVideoElement) => v.currentTime * 1000);
    expect(
      Math.abs(Number(await otherVideo.getAttribute('data-started-at')) + otherMs - pinnedAt),
    ).toBeLessThan(500);
    // Its figures at the second pin are the host studio's at the same moment.
    const hostAtPin = await call<ReplayMoment>('getReplayMoment', { showId, at: pinnedAt });
    await expect(other.getByTestId('replay-figures')).toHaveAttribute('data-at', String(pinnedAt));
    expect(await tiles(other, 'replay-figures')).toEqual(tile(hostAtPin.figures));
  } finally {
    await context.close();
    await brandManager.stop();
  }
});
