// Issue 12, finding 6, as a shopper sees it: a page that still shows an earlier pin (its
// pin pushes were lost) cannot buy it; it says the product is no longer on offer and
// shows the one pinned now. Real studio, SFU and Chromium.
import { expect, test } from './fixtures';

test('a buy click on a product pinned earlier is refused, and the page says so', async ({
  page,
  studio,
  browser,
}) => {
  await page.goto(studio.web.url);
  await page.getByTestId('go-live-button').click();
  await expect(page.getByTestId('live-badge')).toHaveAttribute('data-phase', 'live', { timeout: 20_000 });
  const viewerUrl = (await page.getByTestId('viewer-link').getAttribute('href'))!;
  expect((await studio.services.host.call('pinProduct', { productId: 'glasses-round-tortoise' })).ok).toBe(
    true,
  );

  const shopper = await browser.newContext();
  try {
    const viewer = await shopper.newPage();
    // Stands in for a page that missed the next pin: the SFU's pin pushes stop reaching it.
    let dropPins = false;
    await viewer.routeWebSocket(/\/signaling$/, (ws) => {
      const sfu = ws.connectToServer();
      sfu.onMessage((message) => {
        if (dropPins && String(message).includes('"method":"pinnedProduct"')) return;
        ws.send(message);
      });
    });
    await viewer.goto(viewerUrl);
    await expect(viewer.getByTestId('viewer-product')).toContainText('Round Reading Glasses');

    dropPins = true;
    expect((await studio.services.host.call('pinProduct', { productId: 'sunglasses-midnight' })).ok).toBe(
      true,
    );
    await expect(viewer.getByTestId('viewer-product')).toContainText('Round Reading Glasses');
    await viewer.getByTestId('buy').click();
    await expect(viewer.getByTestId('shop-message')).toHaveText('Sorry, this product is no longer on offer.');
    // The page fetched what is pinned now.
    await expect(viewer.getByTestId('viewer-product')).toContainText('Midnight Sunglasses');
  } finally {
    await shopper.close();
    await page.getByTestId('end-show-button').click();
    await page.getByTestId('confirm-end-button').click();
    await expect(page.getByTestId('live-badge')).toHaveAttribute('data-phase', 'ended');
  }
});
