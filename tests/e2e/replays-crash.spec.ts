// Kill -9 the studio while it records a live show, then start it again: the recording is
// repaired (duration and cues), plays to within a few seconds of the kill, and seeks.
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { webmDurationMs } from '../../main/recording/webm-remux';
import { join } from 'node:path';
import { startStudioProcess } from '../support/studio-process';
import { expect, test } from './fixtures';

test('a recording cut by kill -9 is repaired at the next start, plays and seeks', async ({
  browser,
  stack,
}) => {
  test.setTimeout(180_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'shopcast-crash-'));
  const env = { ...stack.env, SHOPCAST_DATA_DIR: dataDir };
  const first = await startStudioProcess(env);
  const context = await browser.newContext();
  let showId: string;
  let killedAt: number;
  try {
    const page = await context.newPage();
    await page.goto(first.url);
    await page.getByTestId('go-live-button').click();
    await expect(page.getByTestId('live-badge')).toHaveAttribute('data-phase', 'live', { timeout: 20_000 });
    await expect(page.getByTestId('recording-indicator')).toHaveAttribute('data-state', 'recording');
    showId = new URL((await page.getByTestId('viewer-link').getAttribute('href'))!).searchParams.get('show')!;
    await page.waitForTimeout(10_000);
    killedAt = Date.now();
    await first.kill('SIGKILL');
  } finally {
    await context.close();
  }

  // What had reached the studio's disk when it died (read as it lies, cut-off cluster and all).
  const onDisk = join(dataDir, 'on-disk-at-kill.webm');
  copyFileSync(join(dataDir, 'recordings', showId, 'part-1.webm'), onDisk);
  const onDiskMs = await webmDurationMs(onDisk);
  const manifestFile = join(dataDir, 'recordings', showId, 'manifest.json');
  const before = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
    startedAt: number;
    parts: { open: boolean }[];
  };
  expect(before.parts[0]!.open).toBe(true); // cut off mid-part, never finished
  expect(existsSync(join(dataDir, 'recordings', showId, 'recording.webm'))).toBe(false);

  const second = await startStudioProcess(env);
  const again = await browser.newContext();
  try {
    const page = await again.newPage();
    await page.goto(second.url);
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
    await row.getByTestId('open-replay').click();
    const video = page.getByTestId('replay-video');
    await expect(video).toBeVisible({ timeout: 30_000 });
    // Everything that reached the disk plays, and that is within a few seconds of the kill
    // (the recorder's software encoder runs behind on a loaded machine; the gap is logged).
    const recordedUpToKill = (killedAt - before.startedAt) / 1000;
    await expect
      .poll(() => video.evaluate((v: HTMLVideoElement) => v.duration), { timeout: 20_000 })
      .toBeGreaterThan(onDiskMs / 1000 - 0.5);
    const duration = await video.evaluate((v: HTMLVideoElement) => v.duration);
    console.log(
      `[replays-crash] killed ${recordedUpToKill.toFixed(1)} s into the recording; ${(onDiskMs / 1000).toFixed(1)} s on disk; plays ${duration.toFixed(1)} s; load average ${loadavg()[0]!.toFixed(1)}`,
    );
    expect(duration).toBeGreaterThan(recordedUpToKill - 6);
    expect(duration).toBeLessThan(recordedUpToKill + 0.5);
    // And seeks: to the middle, then near the end, each landing where asked with a frame to show.
    for (const target of [duration / 2, duration - 1]) {
      await video.evaluate((v: HTMLVideoElement, t: number) => {
        v.currentTime = t;
      }, target);
      await expect
        .poll(() => video.evaluate((v: HTMLVideoElement) => !v.seeking && v.readyState >= 2))
        .toBe(true);
      expect(await video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeCloseTo(target, 0);
    }
  } finally {
    await again.close();
    await second.kill();
  }
});
