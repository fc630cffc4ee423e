// Chat moderation end to end: two studio instances (own data dirs, one broker, one SFU) and
// two shoppers' viewer pages in real Chromium. Decisions from either studio converge in both
// studios and on both pages; a held message never reaches the other shopper; a hidden one
// leaves both pages; a muted shopper is refused with the reason shown, then accepted once
// the mute is over; a pinned message is a caption in the program until it is unpinned; a
// paused chat holds still under a flood of messages.
import { Kafka, logLevel } from 'kafkajs';
import type { BrowserMode } from '../../main/web/browser-mode';
import { SHOW_TOPICS } from '../../protocol/events';
import type { ModerationSnapshot } from '../../protocol/moderation';
import type { ShowState } from '../../protocol/show';
import { expect, test as base } from './fixtures';
import {
  call,
  goLive,
  moderate,
  moderationRow,
  openModeration,
  openShopper,
  openStudio,
  say,
  sayAccepted,
  shownIds,
  startOtherStudio,
  untilFollowing,
  viewerIdOf,
  viewerRow,
} from './moderation-support';

const test = base.extend<object, { otherStudio: BrowserMode }>({
  otherStudio: [
    async ({ stack }, use) => {
      const studio = await startOtherStudio(stack, 'Ben');
      await use(studio);
      await studio.stop();
    },
    { scope: 'worker' },
  ],
});

/** What both studios must agree on (their own identity and follow state aside). */
function shared(s: ModerationSnapshot) {
  return {
    messages: s.messages.map((m) => [m.id, m.status, m.decidedBy?.id ?? null]),
    shoppers: s.shoppers
      .map((p) => [p.viewerId, p.banned, p.mutedForShow, p.mutedUntil, p.messages])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    pinned: s.pinned,
    decisions: s.decisions,
  };
}

test('two studios and two shoppers: decisions from either converge everywhere', async ({
  browser,
  studio,
  otherStudio,
}) => {
  test.setTimeout(120_000);
  await call(studio, 'setModerator', { name: 'Ana', kind: 'moderator' });
  const ana = await browser.newPage();
  const ben = await browser.newPage();
  await Promise.all([openStudio(ana, studio.web.url), openStudio(ben, otherStudio.web.url)]);
  const { show, viewerUrl } = await goLive(studio, 'Moderation e2e');
  await call(otherStudio, 'followShow', { showId: show.showId });
  const ann = await openShopper(browser, viewerUrl, 'Ann');
  const bob = await openShopper(browser, viewerUrl, 'Bob');
  try {
    await Promise.all([openModeration(ana), openModeration(ben), untilFollowing(otherStudio, show.showId)]);

    // A message reaches both pages, its sender's too, and both studios.
    const silk = await sayAccepted(ann.page, 'is this real silk?');
    for (const shopper of [ann, bob])
      await expect(viewerRow(shopper.page, silk)).toContainText('is this real silk?');
    for (const page of [ana, ben])
      await expect(moderationRow(page, silk)).toHaveAttribute('data-status', 'visible');

    // Held by auto-moderation: its sender sees it waiting, both studios have it in the held
    // queue with the reason, and the other shopper never gets it (a later message of the
    // same sender arrives; the held one, sent before it, does not).
    const spam = await say(bob.page, 'FREE FOLLOWERS at www.follow-boost.example');
    if (spam.refused !== undefined) throw new Error(spam.notice);
    await expect(viewerRow(bob.page, spam.id)).toHaveAttribute('data-held', 'true');
    await expect(bob.page.getByTestId('viewer-chat-notice')).toHaveText(
      'Your message is waiting for a moderator.',
    );
    for (const page of [ana, ben]) {
      const held = page.locator(`[data-testid="held-item"][data-message-id="${spam.id}"]`);
      await expect(held).toContainText("link + 'free followers'");
    }
    const later = await sayAccepted(bob.page, 'does it come in black?');
    await expect(viewerRow(ann.page, later)).toBeVisible();
    await expect(viewerRow(ann.page, spam.id)).toHaveCount(0);
    // The host's Dashboard shows the chat as shoppers see it: without the held message.
    await ana.getByRole('button', { name: 'Dashboard', exact: true }).click();
    const feed = ana.getByTestId('chat-feed');
    await expect(feed.locator(`li[data-message-id="${later}"]`)).toBeVisible();
    await expect(feed.locator(`li[data-message-id="${spam.id}"]`)).toHaveCount(0);
    await ana.getByRole('button', { name: 'Moderation', exact: true }).click();

    // Ben (the other studio) hides Ann's message from his view: it leaves both pages, and
    // Ana's view shows it hidden by Ben.
    await moderationRow(ben, silk).click();
    await ben.getByTestId('message-actions').getByTestId('hide').click();
    for (const shopper of [ann, bob]) await expect(viewerRow(shopper.page, silk)).toHaveCount(0);
    await expect(moderationRow(ana, silk)).toHaveAttribute('data-status', 'hidden');
    await moderationRow(ana, silk).click();
    await expect(ana.getByTestId('message-actions')).toContainText('(by Ben)');

    // Ana releases the held message with one key: now Ann sees it too, and Ben's queue is empty.
    await ana.locator(`[data-testid="held-item"][data-message-id="${spam.id}"] button.link`).click();
    await ana.keyboard.press('r');
    await expect(viewerRow(ann.page, spam.id)).toBeVisible();
    await expect(viewerRow(bob.page, spam.id)).toHaveAttribute('data-held', 'false');
    await expect(moderationRow(ben, spam.id)).toHaveAttribute('data-status', 'visible');
    await expect(ben.locator(`[data-testid="held-item"][data-message-id="${spam.id}"]`)).toHaveCount(0);

    // A short mute through the contract: Ann's send is refused with the reason on her page,
    // then accepted once the mute is over.
    // Long enough to outlast the decision's trip to the SFU on a loaded machine.
    const muteMs = 10_000;
    const annId = await viewerIdOf(ann.page);
    await moderate(studio, { action: 'mute', viewerId: annId, durationMs: muteMs, reason: 'cool down' });
    // The mute runs from its event's time, which is before this.
    const mutedAt = Date.now();
    await expect
      .poll(async () =>
        (await call<ModerationSnapshot>(otherStudio, 'getModeration')).shoppers.some(
          (p) => p.viewerId === annId && p.mutedUntil !== null,
        ),
      )
      .toBe(true);
    // The SFU follows the same log; until it has read the mute a send may still go through.
    let refusal: { refused: string; notice: string } | null = null;
    await expect
      .poll(async () => {
        const outcome = await say(ann.page, 'hello? anyone?');
        if (outcome.refused === 'chat-refused') refusal = outcome;
        return refusal !== null;
      })
      .toBe(true);
    expect(refusal!.notice).toMatch(/^You are muted for \d+ seconds? more\.$/);
    await expect(ann.page.getByTestId('viewer-chat-notice')).toHaveText(refusal!.notice);
    await ann.page.waitForTimeout(Math.max(0, mutedAt + muteMs + 200 - Date.now()));
    const back = await sayAccepted(ann.page, 'back again, is the silk washable?');
    await expect(viewerRow(bob.page, back)).toBeVisible();

    // Everyone converged: both studios hold the same state, both pages show the same chat.
    await expect
      .poll(async () => {
        const [a, b] = await Promise.all([
          call<ModerationSnapshot>(studio, 'getModeration'),
          call<ModerationSnapshot>(otherStudio, 'getModeration'),
        ]);
        return JSON.stringify(shared(a)) === JSON.stringify(shared(b)) && a.decisions >= 3;
      })
      .toBe(true);
    await expect.poll(() => shownIds(ann.page)).toEqual(await shownIds(bob.page));
    expect(await shownIds(bob.page)).toEqual(expect.arrayContaining([spam.id, later, back]));
    expect(await shownIds(bob.page)).not.toContain(silk);
  } finally {
    await Promise.all([ann.context.close(), bob.context.close(), ana.close(), ben.close()]);
  }
});

test('a pinned message is a caption in the program until it is unpinned', async ({
  browser,
  studio,
  otherStudio,
}) => {
  const { show, viewerUrl } = await goLive(studio, 'Caption e2e');
  await call(otherStudio, 'followShow', { showId: show.showId });
  const host = await browser.newPage();
  await host.addInitScript(() => {
    window.__shopcastTest = true;
  });
  const shopper = await openShopper(browser, viewerUrl, 'Cleo');
  try {
    await host.goto(studio.web.url);
    const canvas = host.getByTestId('program-canvas');
    await expect(canvas).toBeVisible();
    await untilFollowing(otherStudio, show.showId);
    const text = 'Love the colour! Is there a matching scarf?';
    const id = await sayAccepted(shopper.page, text);
    await expect(viewerRow(shopper.page, id)).toBeVisible();
    const accentShare = () => canvas.evaluate(captionAccentShare);
    expect(await accentShare()).toBeLessThan(0.1);

    // The other producer pins it: the host's program shows it, and so does the viewer page.
    await untilFollowing(otherStudio, show.showId);
    await expect
      .poll(async () =>
        (await call<ModerationSnapshot>(otherStudio, 'getModeration')).messages.some((m) => m.id === id),
      )
      .toBe(true);
    await moderate(otherStudio, { action: 'pin', messageEventId: id });
    await expect
      .poll(() => host.evaluate(() => window.__shopcastProgram?.caption ?? null))
      .toEqual({ name: 'Cleo', lines: [text] });
    await expect.poll(accentShare).toBeGreaterThan(0.9);
    await expect(shopper.page.getByTestId('viewer-chat-pinned')).toContainText(text);

    // Unpinned from this studio: gone from the program and the page.
    await moderate(studio, { action: 'unpin' });
    await expect.poll(() => host.evaluate(() => window.__shopcastProgram?.caption ?? null)).toBeNull();
    await expect.poll(accentShare).toBeLessThan(0.1);
    await expect(shopper.page.getByTestId('viewer-chat-pinned')).toBeHidden();
  } finally {
    await Promise.all([shopper.context.close(), host.close()]);
    await call(studio, 'endLive');
  }
});

/** Share of the caption's accent bar (top left of the program) that has the accent colour. */
function captionAccentShare(canvas: HTMLCanvasElement): number {
  const unit = canvas.height / 720;
  const probe = document.createElement('canvas');
  probe.width = canvas.width;
  probe.height = canvas.height;
  const ctx = probe.getContext('2d')!;
  ctx.drawImage(canvas, 0, 0);
  // The bar: 8 units wide at (32, 32), at least 74 units tall (see chat-caption.ts).
  const x = Math.round(34 * unit);
  const y = Math.round(36 * unit);
  const { data } = ctx.getImageData(x, y, Math.round(4 * unit), Math.round(66 * unit));
  let accent = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (
      Math.abs(data[i]! - 0xf7) < 16 &&
      Math.abs(data[i + 1]! - 0xc9) < 16 &&
      Math.abs(data[i + 2]! - 0x48) < 16
    )
      accent++;
  }
  return accent / (data.length / 4);
}

test('a paused chat holds still while 5,000 more messages arrive, and says how many', async ({
  page,
  studio,
  stack,
}) => {
  await call(studio, 'endShow');
  const show = await call<ShowState>(studio, 'startShow', {
    title: 'Pause e2e',
    mode: 'rehearsal',
    currency: 'EUR',
  });
  const kafka = new Kafka({
    clientId: 'moderation-pause-e2e',
    brokers: stack.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer();
  await producer.connect();
  const id = (n: number) => `pause-${show.showId}-${n}`;
  // Shop talk from a shopper each, straight to Kafka (as rehearsal shoppers write it).
  const write = (from: number, count: number) =>
    producer.send({
      topic: SHOW_TOPICS.shopper,
      messages: Array.from({ length: count }, (_, i) => {
        const ts = Date.now();
        const event = {
          id: id(from + i),
          type: 'chat.message',
          v: 1,
          showId: show.showId,
          ts,
          viewerId: `shopper-${from + i}`,
          text: `is this real silk? (${from + i})`,
        };
        return { key: show.showId, value: JSON.stringify(event), timestamp: String(ts) };
      }),
    });
  const rowsInView = () =>
    page.getByTestId('moderation-chat').evaluate((list) => {
      const top = list.getBoundingClientRect().top;
      return [...list.querySelectorAll<HTMLElement>('[data-testid="moderation-row"]')]
        .filter((row) => row.getBoundingClientRect().top >= top)
        .slice(0, 5)
        .map((row) => row.dataset.messageId);
    });
  try {
    await openModeration(page, studio.web.url);
    await write(0, 80);
    await expect(moderationRow(page, id(79))).toBeVisible();

    // The producer scrolls up to read: the chat pauses.
    await page.getByTestId('moderation-chat').evaluate((list) => list.scrollBy(0, -600));
    await expect.poll(rowsInView).not.toContain(id(79));
    const reading = await rowsInView();
    for (let from = 80; from < 5080; from += 1000) await write(from, 1000);
    // The window keeps 5,000 messages, so what the producer reads has left the live list by now.
    await expect(page.getByTestId('moderation-new-messages')).toHaveText('5000 new messages ↓', {
      timeout: 30_000,
    });
    expect(await rowsInView()).toEqual(reading);

    await page.getByTestId('moderation-new-messages').click();
    await expect(moderationRow(page, id(5079))).toBeVisible();
    await expect(page.getByTestId('moderation-new-messages')).toHaveCount(0);
  } finally {
    await producer.disconnect();
    await call(studio, 'endShow');
  }
});
