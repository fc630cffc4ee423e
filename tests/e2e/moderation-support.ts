// What the moderation specs share: a second studio instance (its own data dir, the same
// broker and SFU), viewer pages that chat, and the studio's Moderation view.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import type { LiveSession } from '../../protocol/contract';
import type { ModerateRequest, ModerationSnapshot } from '../../protocol/moderation';
import { loadConfig } from '../../main/studio/config';
import { startBrowserMode, type BrowserMode } from '../../main/web/browser-mode';
import type { LocalStack } from '../../scripts/stack';
import { expect } from './fixtures';

export async function startOtherStudio(stack: LocalStack, moderatorName: string): Promise<BrowserMode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'shopcast-e2e-other-'));
  return startBrowserMode(
    loadConfig({
      ...process.env,
      ...stack.env,
      SHOPCAST_DATA_DIR: dataDir,
      SHOPCAST_MODERATOR_NAME: moderatorName,
    }),
  );
}

export async function call<T>(studio: BrowserMode, op: string, request: unknown = {}): Promise<T> {
  const result = await studio.services.host.call(op, request);
  if (!result.ok) throw new Error(`${op}: ${result.error.message}`);
  return result.response as T;
}

export const moderate = (studio: BrowserMode, request: ModerateRequest) =>
  call<{ outcome: string }>(studio, 'moderate', request);

/** Ends whatever show the studio runs and goes live with a fresh one (its room opens on the SFU). */
export async function goLive(studio: BrowserMode, title: string): Promise<LiveSession> {
  await call(studio, 'endShow');
  let session: LiveSession | null = null;
  // Right after start-up the preflight may not have seen Kafka and the SFU yet.
  await expect
    .poll(async () => {
      const result = await studio.services.host.call('goLive', { title, currency: 'EUR' });
      if (result.ok) session = result.response as LiveSession;
      return result.ok ? 'live' : result.error.message;
    })
    .toBe('live');
  return session!;
}

/** Both studios follow the show's log to its end (the moderation view says "live"). */
export async function untilFollowing(studio: BrowserMode, showId: string): Promise<void> {
  await expect
    .poll(async () => {
      const s = await call<ModerationSnapshot>(studio, 'getModeration');
      return `${s.showId} ${s.following.state}`;
    })
    .toBe(`${showId} live`);
}

/** Fails a test when a page opens a dialog or a payload's flag is set (checked by noScriptRan). */
export async function watchForScripts(page: Page, dialogs: string[]): Promise<void> {
  await page.addInitScript(() => {
    (window as unknown as { __pwned: number }).__pwned = 0;
  });
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
}

export interface Shopper {
  context: BrowserContext;
  page: Page;
  dialogs: string[];
}

/** A shopper on the viewer link, in a browser context of their own, with a display name set. */
export async function openShopper(browser: Browser, viewerUrl: string, name: string): Promise<Shopper> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const dialogs: string[] = [];
  await watchForScripts(page, dialogs);
  await page.goto(viewerUrl);
  await expect(page.getByTestId('viewer-chat-panel')).toBeVisible({ timeout: 20_000 });
  await page.getByTestId('viewer-chat-name').fill(name);
  return { context, page, dialogs };
}

export const viewerIdOf = (page: Page) => page.evaluate(() => sessionStorage.getItem('shopcast.viewerId')!);

export type SendOutcome = { id: string; refused?: undefined } | { refused: string; notice: string };

/** Sends one message from the page's chat form and waits for its answer. */
export async function say(page: Page, text: string): Promise<SendOutcome> {
  const notice = page.getByTestId('viewer-chat-notice');
  await page.getByTestId('viewer-chat-text').fill(text);
  await page.getByTestId('viewer-chat-send').click();
  await expect
    .poll(
      async () => (await notice.getAttribute('data-event-id')) ?? (await notice.getAttribute('data-refused')),
    )
    .not.toBeNull();
  const refused = await notice.getAttribute('data-refused');
  if (refused) return { refused, notice: (await notice.textContent()) ?? '' };
  return { id: (await notice.getAttribute('data-event-id'))! };
}

/** Like say, waiting out the per-shopper rate limit (3 at once, then 1 a second). */
export async function sayAccepted(page: Page, text: string): Promise<string> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const outcome = await say(page, text);
    if (outcome.refused === undefined) return outcome.id;
    if (outcome.refused !== 'rate-limited')
      throw new Error(`refused (${outcome.refused}): ${outcome.notice}`);
    await page.waitForTimeout(1000);
  }
  throw new Error(`still rate-limited: ${text.slice(0, 40)}`);
}

export const viewerRow = (page: Page, id: string) =>
  page.locator(`[data-testid="viewer-chat"] li[data-message-id="${id}"]`);

export const moderationRow = (page: Page, id: string) =>
  page.locator(`[data-testid="moderation-row"][data-message-id="${id}"]`);

/**
 * A studio window, open before the show goes live through the contract: it does not publish
 * that show (nothing here needs the picture, and encoding it costs the machine a core).
 */
export async function openStudio(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await expect(page.getByTestId('status-kafka')).toBeVisible();
}

/** The studio's Moderation view, following the show's log (`url`: load the studio first). */
export async function openModeration(page: Page, url?: string): Promise<void> {
  if (url) await page.goto(url);
  await page.getByRole('button', { name: 'Moderation', exact: true }).click();
  await expect(page.getByTestId('moderation-following')).toHaveAttribute('data-state', 'live', {
    timeout: 20_000,
  });
}

/** Message ids a viewer page shows, in order. */
export const shownIds = (page: Page) =>
  page
    .locator('[data-testid="viewer-chat"] li')
    .evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.messageId));
