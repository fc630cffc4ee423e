// The host's capture with Chromium's fake camera and microphone: the program canvas
// carries the camera picture, the mic meter moves, mute and the camera list work.
import { expect, test } from './fixtures';

/** Samples the program canvas: mean brightness and a fingerprint of a coarse grid. */
async function programPixels(page: import('@playwright/test').Page) {
  return page.getByTestId('program-canvas').evaluate((canvas: HTMLCanvasElement) => {
    const probe = document.createElement('canvas');
    probe.width = 64;
    probe.height = 36;
    const ctx = probe.getContext('2d')!;
    ctx.drawImage(canvas, 0, 0, 64, 36);
    const { data } = ctx.getImageData(0, 0, 64, 36);
    let sum = 0;
    let fingerprint = 0;
    for (let i = 0; i < data.length; i += 4) {
      sum += data[i]! + data[i + 1]! + data[i + 2]!;
      fingerprint = (fingerprint * 31 + data[i]! + data[i + 1]! * 7 + data[i + 2]! * 13) % 1_000_000_007;
    }
    return { mean: sum / (data.length / 4) / 3, fingerprint, width: canvas.width, height: canvas.height };
  });
}

test('the program canvas shows the camera and the mic meter moves', async ({ page, studio }) => {
  await page.goto(studio.web.url);
  const canvas = page.getByTestId('program-canvas');
  await expect(canvas).toBeVisible();
  // The empty program is near black (mean ≈ 14); Chromium's fake camera is a bright green pattern.
  await expect.poll(async () => (await programPixels(page)).mean, { timeout: 10_000 }).toBeGreaterThan(30);
  const first = await programPixels(page);
  expect(first.width).toBe(1280);
  expect(first.height).toBe(720);
  // The fake camera animates, so a live program changes from frame to frame.
  await expect.poll(async () => (await programPixels(page)).fingerprint).not.toBe(first.fingerprint);

  // The fake microphone beeps; the meter must see it once the host has interacted with the page
  // (browsers keep audio processing suspended until then).
  await page.getByTestId('program-canvas').click();
  await expect
    .poll(async () => Number(await page.getByTestId('mic-meter').getAttribute('data-peak')), {
      timeout: 10_000,
    })
    .toBeGreaterThan(0.01);

  await expect(page.getByTestId('camera-select').locator('option')).not.toHaveCount(0);
  await page.getByTestId('mute-button').click();
  await expect(page.getByTestId('mute-button')).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('m');
  await expect(page.getByTestId('mute-button')).toHaveAttribute('aria-pressed', 'false');
});

test('the program keeps composing frames while the host is on another view', async ({ page, studio }) => {
  await page.goto(studio.web.url);
  await expect.poll(async () => (await programPixels(page)).mean, { timeout: 10_000 }).toBeGreaterThan(30);
  await page.getByRole('button', { name: 'Dashboard', exact: true }).click();
  await page.getByRole('button', { name: 'Studio', exact: true }).click();
  await expect(page.getByTestId('program-canvas')).toBeVisible();
  const back = await programPixels(page);
  expect(back.mean).toBeGreaterThan(30);
  await expect.poll(async () => (await programPixels(page)).fingerprint).not.toBe(back.fingerprint);
});
