// AR try-on in the program, in real Chromium with software WebGL: pinned glasses sit on
// the tracked face (found by colour: in test mode the model is painted flat magenta),
// unpinning removes them, and a camera without a face shows nothing and logs no errors.
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { FIXTURE_PATH } from '../../scripts/make-face-fixture';
import { expect, test } from './fixtures';
import { chromiumArgs } from './playwright.config';

interface Magenta {
  count: number;
  cx: number;
  cy: number;
  drawn: boolean;
  eyeMid?: { x: number; y: number };
  noseBridge?: { x: number; y: number };
  eyeSpan?: number;
}

/** Magenta pixels of the program canvas and the eye midpoint of the same composed frame. */
async function magenta(page: Page): Promise<Magenta> {
  return page.getByTestId('program-canvas').evaluate((canvas: HTMLCanvasElement) => {
    const probe = document.createElement('canvas');
    probe.width = canvas.width;
    probe.height = canvas.height;
    const ctx = probe.getContext('2d')!;
    ctx.drawImage(canvas, 0, 0);
    // Read in the same task as the debug record, so both describe one frame.
    const draw = window.__shopcastTryOn?.lastDraw;
    const { data } = ctx.getImageData(0, 0, probe.width, probe.height);
    let count = 0;
    let sx = 0;
    let sy = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i]! > 180 && data[i + 1]! < 90 && data[i + 2]! > 180) {
        const p = i / 4;
        sx += p % probe.width;
        sy += Math.floor(p / probe.width);
        count++;
      }
    }
    return {
      ...draw,
      count,
      cx: count ? sx / count : NaN,
      cy: count ? sy / count : NaN,
      drawn: !!draw?.drawn,
    };
  });
}

/** The next composed frame in which the tracker saw the face and the product was drawn on it. */
async function frameWithFace(page: Page, minPixels: number): Promise<Magenta> {
  let frame: Magenta | null = null;
  await expect
    .poll(async () => {
      const m = await magenta(page);
      if (m.drawn && m.eyeMid && m.count > minPixels) frame = m;
      return frame !== null;
    })
    .toBe(true);
  return frame!;
}

async function openStudioWithShow(page: Page, studio: import('../../main/web/browser-mode').BrowserMode) {
  await page.addInitScript(() => {
    window.__shopcastTest = true;
  });
  // The studio is shared by this file's tests: start each one with a fresh show.
  await studio.services.host.call('endShow', {});
  const result = await studio.services.host.call('startShow', {
    title: 'Try-on test',
    mode: 'rehearsal',
    currency: 'USD',
  });
  expect(result.ok).toBe(true);
  await page.goto(studio.web.url);
  await expect(page.getByTestId('product-row').first()).toBeVisible();
  await expect(page.getByRole('button', { name: 'Pin' }).first()).toBeEnabled();
}

function countConsoleErrors(page: Page): { errors: string[] } {
  const seen = { errors: [] as string[] };
  page.on('console', (message) => {
    if (message.type() === 'error') seen.errors.push(message.text());
  });
  page.on('pageerror', (error) => seen.errors.push(error.message));
  return seen;
}

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// This file's camera shows a face; the no-face test launches its own browser.
test.use({
  launchOptions: {
    executablePath,
    args: [...chromiumArgs, `--use-file-for-fake-video-capture=${FIXTURE_PATH}`],
  },
});

test.describe('with a face on the camera', () => {
  test('pinned glasses sit on the tracked eyes and go away on unpin', async ({ page, studio }) => {
    const logged = countConsoleErrors(page);
    await openStudioWithShow(page, studio);
    // Key 1 pins the first product of the queue: the demo catalog starts with glasses.
    const first = page.getByTestId('product-row').first();
    await expect(first).toHaveAttribute('data-product-id', 'glasses-round-tortoise');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('1');
    await expect(first).toHaveClass(/pinned/);
    await expect(page.getByTestId('try-on-status')).toHaveAttribute('data-state', 'tracking', {
      timeout: 30_000,
    });

    // Several frames, as the face moves. The glasses' centre (centroid of the magenta
    // pixels) must sit on the anchor the tracker reported (the nose bridge), within a
    // few pixels of the eye midpoint across, and the eye line must run through the lenses.
    const frames: Magenta[] = [];
    for (let i = 0; i < 5; i++) {
      frames.push(await frameWithFace(page, 200));
      await page.waitForTimeout(300);
    }
    const offsets = frames.map((m) => ({
      fromEyeMid: { dx: m.cx - m.eyeMid!.x, dy: m.cy - m.eyeMid!.y },
      fromBridge: { dx: m.cx - m.noseBridge!.x, dy: m.cy - m.noseBridge!.y },
      eyeSpan: m.eyeSpan!,
    }));
    console.log(`glasses centre offsets (canvas px): ${JSON.stringify(offsets)}`);
    for (const { fromEyeMid, fromBridge, eyeSpan } of offsets) {
      expect(Math.abs(fromEyeMid.dx)).toBeLessThan(8);
      expect(Math.abs(fromBridge.dx)).toBeLessThan(4);
      expect(Math.abs(fromBridge.dy)).toBeLessThan(4);
      // Lens radius is 0.185 eye spans (scripts/generate-models.ts).
      expect(Math.abs(fromEyeMid.dy)).toBeLessThan(0.185 * eyeSpan);
    }

    // A bigger fit takes effect without reloading the model (no flicker while dragging).
    const loadedAt = await page.evaluate(() => window.__shopcastTryOn?.requestedAt);
    const before = (await frameWithFace(page, 200)).count;
    await page.getByLabel('Size').fill('1.5');
    await expect
      .poll(async () => (await magenta(page)).count, { timeout: 10_000 })
      .toBeGreaterThan(1.6 * before);
    expect(await page.evaluate(() => window.__shopcastTryOn?.requestedAt)).toBe(loadedAt);

    await page.keyboard.press('0');
    await expect(first).not.toHaveClass(/pinned/);
    await expect.poll(async () => (await magenta(page)).count).toBeLessThan(20);
    expect(logged.errors).toEqual([]);
  });
});

test.describe('with Chromium’s default fake camera (no face)', () => {
  test('pinning glasses shows no overlay and logs no errors', async ({ playwright, studio }) => {
    const browser = await playwright.chromium.launch({ executablePath, args: chromiumArgs });
    const page = await browser.newPage();
    const logged = countConsoleErrors(page);
    await openStudioWithShow(page, studio);
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('2');
    await expect(page.getByTestId('product-row').nth(1)).toHaveClass(/pinned/);
    await expect(page.getByTestId('try-on-status')).toHaveAttribute('data-state', 'no-face', {
      timeout: 30_000,
    });
    // Let the tracker look at a few seconds of frames.
    await expect
      .poll(() => page.evaluate(() => window.__shopcastTryOn?.trackedFrames ?? 0), { timeout: 40_000 })
      .toBeGreaterThan(10);
    await page.waitForTimeout(2000);
    const m = await magenta(page);
    expect(m.drawn).toBe(false);
    expect(m.count).toBeLessThan(20);
    expect(await page.evaluate(() => window.__shopcastTryOn?.facesSeen)).toBe(0);
    await expect(page.getByTestId('try-on-error')).toHaveCount(0);
    expect(logged.errors).toEqual([]);
    await page.keyboard.press('0');
    await browser.close();
  });
});

test('a hat is worn on the face, and a product that is not worn spins on a card', async ({
  page,
  studio,
}) => {
  const logged = countConsoleErrors(page);
  await openStudioWithShow(page, studio);
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  // Queue position 4 is the cap, 8 the serum bottle (demo catalog order).
  await page.keyboard.press('4');
  await expect(page.getByTestId('try-on-status')).toHaveAttribute('data-state', 'tracking', {
    timeout: 30_000,
  });
  const hat = await frameWithFace(page, 500);
  // The cap sits above the eyes.
  expect(hat.cy).toBeLessThan(hat.eyeMid!.y);
  await page.screenshot({ path: test.info().outputPath('hat.png') });

  await page.keyboard.press('8');
  await expect(page.getByTestId('try-on-status')).toHaveAttribute('data-state', 'turntable');
  await expect.poll(async () => (await magenta(page)).count).toBeLessThan(20);
  // The card is drawn in the top right corner of the program and turns.
  const card = () =>
    page.getByTestId('program-canvas').evaluate((canvas: HTMLCanvasElement) => {
      const probe = document.createElement('canvas');
      probe.width = 200;
      probe.height = 200;
      probe.getContext('2d')!.drawImage(canvas, canvas.width - 224, 24, 200, 200, 0, 0, 200, 200);
      const { data } = probe.getContext('2d')!.getImageData(0, 0, 200, 200);
      let hash = 0;
      for (let i = 0; i < data.length; i += 16)
        hash = (hash * 31 + data[i]! + data[i + 1]! * 7) % 1_000_000_007;
      return hash;
    });
  const first = await card();
  await expect.poll(card).not.toBe(first);
  await page.screenshot({ path: test.info().outputPath('card.png') });
  await page.keyboard.press('0');
  await expect(page.getByTestId('try-on-status')).toHaveCount(0);
  expect(logged.errors).toEqual([]);
});

test("the host's own GLB is checked, stored and worn", async ({ page, studio }) => {
  await openStudioWithShow(page, studio);
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('1');
  await expect(page.getByTestId('try-on-status')).toHaveAttribute('data-state', 'tracking', {
    timeout: 30_000,
  });
  const upload = page.locator('.model-upload input[type=file]');
  await upload.setInputFiles({
    name: 'notes.glb',
    mimeType: 'model/gltf-binary',
    buffer: Buffer.from('not a model, just text'),
  });
  await expect(page.getByRole('alert').filter({ hasText: 'not a GLB file' })).toBeVisible();

  const before = await page.evaluate(() => window.__shopcastTryOn!.requestedAt!);
  await upload.setInputFiles(join(process.cwd(), 'assets/models/sunglasses.glb'));
  // The product is shown again, now with the host's model (fetched over the contract).
  await expect
    .poll(() =>
      page.evaluate((t) => {
        const d = window.__shopcastTryOn!;
        return (d.requestedAt ?? 0) > t && (d.visibleAt ?? 0) > (d.requestedAt ?? 0);
      }, before),
    )
    .toBe(true);
  await expect(page.locator('.model-upload')).toContainText('Replace 3D model');
  await expect(page.getByTestId('try-on-status')).toHaveAttribute('data-state', 'tracking');
  await expect.poll(async () => (await magenta(page)).count).toBeGreaterThan(200);
  await expect(page.getByTestId('try-on-error')).toHaveCount(0);
  await page.keyboard.press('0');
});

test('an import lists its bad rows, and a broken model is reported while the program goes on', async ({
  page,
  studio,
}) => {
  await openStudioWithShow(page, studio);
  const csv = [
    'id,name,price,currency,stock,category,tryOn,model',
    'broken-glasses,<b>Broken</b> Glasses,10,USD,1,Eyewear,glasses,assets/models/missing.glb',
    'bad-price,Bad Price,ten,USD,1,Eyewear,none,',
  ].join('\n');
  await page
    .getByTestId('catalog-file')
    .setInputFiles({ name: 'mine.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  const report = page.getByTestId('import-report');
  await expect(report).toContainText('1 product imported, 1 row not loaded');
  await expect(report).toContainText('Line 3: price "ten" is not a plain decimal number');

  // The name is shown as text, never as HTML.
  const row = page.locator('[data-product-id="broken-glasses"]');
  await expect(row).toContainText('<b>Broken</b> Glasses');
  await row.getByRole('button', { name: 'Pin', exact: true }).click();
  await expect(page.getByTestId('try-on-error')).toContainText('could not be loaded');
  const draws = await page.evaluate(() => window.__shopcastTryOn!.draws);
  await expect.poll(() => page.evaluate(() => window.__shopcastTryOn!.draws)).toBeGreaterThan(draws + 10);
  await page.keyboard.press('0');
});
