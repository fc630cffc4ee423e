// The host's product rail in real Chromium against the real services: the queue can be
// reordered, trimmed and refilled, keys 1–9 follow it, search filters it, sold out can be undone,
// and the queue survives a reload.
import type { Page } from '@playwright/test';
import type { ProductsState } from '../../protocol/contract';
import type { ShowState } from '../../protocol/show';
import { expect, test } from './fixtures';

const queueIds = (page: Page) =>
  page
    .getByRole('list', { name: 'Show queue' })
    .getByTestId('product-row')
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-product-id')));

test('the host reorders, removes and re-adds queue items, pins by key, searches and marks sold out', async ({
  page,
  studio,
}) => {
  const host = studio.services.host;
  const saved = ((await host.call('listProducts', {})) as { ok: true; response: ProductsState }).response;
  await host.call('endShow', {});
  expect((await host.call('startShow', { title: 'Rail test', mode: 'rehearsal', currency: 'USD' })).ok).toBe(
    true,
  );
  try {
    await page.goto(studio.web.url);
    const [first, second, third] = saved.queue;
    await expect.poll(() => queueIds(page)).toEqual(saved.queue);
    const row = (id: string) => page.locator(`[data-testid="product-row"][data-product-id="${id}"]`);

    // Move the first product down: the second one is now first, and key 1 pins it.
    await row(first!)
      .getByRole('button', { name: / down$/ })
      .click();
    await expect.poll(() => queueIds(page)).toEqual([second, first, ...saved.queue.slice(2)]);
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('1');
    await expect(row(second!)).toHaveClass(/pinned/);
    const show = (await host.call('getShow', {})) as { ok: true; response: ShowState };
    expect(show.response.pinnedProductId).toBe(second);

    // Out of the queue and back in at the end; the services keep what the rail shows.
    await row(third!)
      .getByRole('button', { name: / from the queue$/ })
      .click();
    await expect(row(third!).getByRole('button', { name: 'Add to queue' })).toBeVisible();
    await expect.poll(() => queueIds(page)).not.toContain(third);
    const trimmed = ((await host.call('listProducts', {})) as { ok: true; response: ProductsState }).response;
    expect(trimmed.queue).not.toContain(third);
    await row(third!).getByRole('button', { name: 'Add to queue' }).click();
    await expect.poll(() => queueIds(page)).toEqual([second, first, ...saved.queue.slice(3), third]);

    // Search narrows the rail; clearing it brings everything back.
    const search = page.getByRole('searchbox', { name: 'Search products' });
    await search.fill('no product is called this');
    await expect(page.getByText('No product matches')).toBeVisible();
    await search.fill('');
    await expect.poll(() => queueIds(page)).toHaveLength(saved.queue.length);

    // Sold out: tagged, and the button turns into its undo.
    const soldOut = row(second!).getByRole('button', { name: / sold out$/ });
    await soldOut.click();
    await expect(row(second!).locator('.tag', { hasText: 'Sold out' })).toBeVisible();
    await expect(row(second!)).toHaveClass(/sold-out/);
    await expect(soldOut).toHaveCount(0);
    // …and can be undone: back in stock, the product can be sold out again.
    await row(second!)
      .getByRole('button', { name: / back in stock$/ })
      .click();
    await expect(row(second!)).not.toHaveClass(/sold-out/);
    await expect(soldOut).toBeEnabled();
    const restocked = (await host.call('getShow', {})) as { ok: true; response: ShowState };
    expect(restocked.response.soldOutProductIds).toEqual([]);

    // The queue order is the services' state, so a reload shows it again.
    await page.reload();
    await expect.poll(() => queueIds(page)).toEqual([second, first, ...saved.queue.slice(3), third]);
  } finally {
    await host.call('setQueue', { productIds: saved.queue });
    await host.call('endShow', {});
  }
});

test('a product priced in another currency than the show is pinned only once the host confirms', async ({
  page,
  studio,
}) => {
  const host = studio.services.host;
  await host.call('endShow', {});
  // No currency given: the studio picks one (the last show's, else the catalog's).
  const started = (await host.call('startShow', { title: 'Currency test', mode: 'rehearsal' })) as {
    ok: true;
    response: ShowState;
  };
  expect(started.ok).toBe(true);
  const products = ((await host.call('listProducts', {})) as { ok: true; response: ProductsState }).response;
  expect(products.defaultCurrency).toBe(started.response.currency);
  try {
    await page.goto(studio.web.url);
    const foreign = products.products.find((p) => p.currency !== started.response.currency)!;
    const same = products.products.find((p) => p.currency === started.response.currency)!;
    const row = (id: string) => page.locator(`[data-testid="product-row"][data-product-id="${id}"]`);

    await row(same.id).getByRole('button', { name: 'Pin', exact: true }).click();
    await expect(row(same.id)).toHaveClass(/pinned/);
    await expect(page.getByTestId('pin-currency-confirm')).toHaveCount(0);

    await row(foreign.id).getByRole('button', { name: 'Pin', exact: true }).click();
    const confirm = page.getByTestId('pin-currency-confirm');
    await expect(confirm).toContainText(`priced in ${foreign.currency}`);
    await expect(confirm).toContainText(`sells in ${started.response.currency}`);
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect(confirm).toHaveCount(0);
    await expect(row(same.id)).toHaveClass(/pinned/); // nothing changed

    await row(foreign.id).getByRole('button', { name: 'Pin', exact: true }).click();
    await page.getByTestId('pin-currency-confirm').getByRole('button', { name: 'Pin anyway' }).click();
    await expect(row(foreign.id)).toHaveClass(/pinned/);
  } finally {
    await host.call('endShow', {});
  }
});
