// Going live, measured on loopback with the real stack: program-to-viewer latency (a clock
// stamped into the program canvas, read back from the viewer's decoded frames), go live →
// first frame at a viewer, reconnect after an SFU restart, and the studio's CPU at 720p30
// while live against the same studio idle (baseline, same run). Prints JSON.
//
// Go live → first frame is measured for two viewers per round (--rounds, the show is ended
// and started again in between):
//   waiting: the page is open on the link shared before going live when the host clicks;
//            click → its first presented frame.
//   late:    the page is opened once the studio shows LIVE; navigation → first frame, and
//            click → first frame (which includes the harness opening the page).
//
//   npx tsx bench/go-live.ts [--seconds 10] [--rounds 3]
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { loadConfig } from '../main/studio/config';
import { startBrowserMode } from '../main/web/browser-mode';
import { STAMP_BITS, STAMP_BLOCK_PX, readTimeStamp } from '../protocol/debug-stamp';
import { defaultKafkaOptions, startLocalKafka, stopLocalKafka } from '../scripts/kafka';
import { killLocalSfu, startLocalSfu, stopLocalSfu, type LocalSfuOptions } from '../scripts/sfu';
import { chromiumArgs } from '../tests/e2e/playwright.config';
import { framesDecoded } from '../tests/support/viewer-stats';

const flag = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : Number(process.argv[at + 1]) || fallback;
};
const seconds = flag('--seconds', 10);
const rounds = flag('--rounds', 3);
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))] ??
  NaN;
const median = (values: number[]) => percentile(values, 50);
const round = (value: number) => Math.round(value * 10) / 10;
const log = (line: string) => console.error(`[bench] ${line}`);

function build(config: string): void {
  const result = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn', '--config', config], {
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`vite build --config ${config} failed`);
}

/** CPU seconds used by a browser's processes (per type), from Chromium's own accounting. */
async function cpuSeconds(browser: Browser): Promise<Record<string, number>> {
  const cdp = await browser.newBrowserCDPSession();
  const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as {
    processInfo: Array<{ type: string; cpuTime: number }>;
  };
  await cdp.detach();
  const byType: Record<string, number> = {};
  for (const info of processInfo) byType[info.type] = (byType[info.type] ?? 0) + info.cpuTime;
  return byType;
}

/** Percent of one core per process type over `ms`. */
async function cpuPercent(browser: Browser, ms: number): Promise<Record<string, number>> {
  const before = await cpuSeconds(browser);
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = await cpuSeconds(browser);
  const result: Record<string, number> = {};
  let total = 0;
  for (const [type, value] of Object.entries(after)) {
    const used = value - (before[type] ?? 0);
    result[type] = round((used * 100_000) / ms);
    total += used;
  }
  result.total = round((total * 100_000) / ms);
  return result;
}

interface ViewerHook {
  timeline: Record<string, number>;
  timeOrigin: number;
}

/** The viewer page's own timeline (ms since its navigation) once it presented a frame. */
async function viewerTimeline(viewer: Page): Promise<ViewerHook> {
  await viewer.waitForFunction(
    () =>
      (window as unknown as { shopcastViewer?: ViewerHook }).shopcastViewer?.timeline.firstFrame !==
      undefined,
    undefined,
    { timeout: 30_000, polling: 50 },
  );
  return viewer.evaluate(() => {
    const hook = (window as unknown as { shopcastViewer: ViewerHook }).shopcastViewer;
    // Where the page's own start goes: the browser's navigation timing, then the page's steps.
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    const page: Record<string, number> = nav
      ? {
          htmlRequested: Math.round(nav.requestStart),
          htmlReceived: Math.round(nav.responseEnd),
          domInteractive: Math.round(nav.domInteractive),
        }
      : {};
    return { timeline: { ...page, ...hook.timeline }, timeOrigin: hook.timeOrigin };
  });
}

/** The studio's go-live steps (performance marks by the publisher), as wall-clock times. */
const studioMarks = (page: Page) =>
  page.evaluate(() =>
    Object.fromEntries(
      performance
        .getEntriesByType('mark')
        .filter((entry) => entry.name.startsWith('goLive:'))
        .map((entry) => [entry.name.slice('goLive:'.length), performance.timeOrigin + entry.startTime]),
    ),
  );

/** Latency of each presented frame: now minus the clock stamped into it by the studio. */
async function stampLatencies(viewer: Page, frames: number): Promise<number[]> {
  // tsx keeps function names with a helper the page does not have.
  await viewer.evaluate('window.__name = (f) => f');
  return viewer.evaluate(
    ({ frames, bits, block, reader }) => {
      const read = new Function(`return (${reader})`)() as typeof readTimeStamp;
      const video = document.querySelector('video')!;
      const width = bits * block;
      const canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = block;
      const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
      const latencies: number[] = [];
      return new Promise<number[]>((resolve) => {
        const onFrame = () => {
          const now = Date.now() % 2 ** 32;
          // The video is 1280 wide like the program, so the strip maps 1:1.
          const scale = video.videoWidth / 1280;
          ctx.drawImage(video, 0, 0, width * scale, block * scale, 0, 0, width, block);
          const stamp = read(ctx.getImageData(0, 0, width, block).data, width, bits, block);
          const latency = (now - stamp + 2 ** 32) % 2 ** 32;
          if (latency < 5000) latencies.push(latency); // anything else is a misread stamp
          if (latencies.length >= frames) resolve(latencies);
          else video.requestVideoFrameCallback(onFrame);
        };
        video.requestVideoFrameCallback(onFrame);
      });
    },
    { frames, bits: STAMP_BITS, block: STAMP_BLOCK_PX, reader: readTimeStamp.toString() },
  );
}

async function main(): Promise<void> {
  build('renderer/vite.config.ts');
  build('server/viewer/vite.config.ts');
  const kafkaOptions = { ...defaultKafkaOptions('bench'), port: 39092, controllerPort: 39093 };
  const sfuOptions: LocalSfuOptions = {
    name: 'bench-go-live',
    port: 34643,
    rtcMinPort: 30000,
    rtcMaxPort: 30999,
  };
  log('starting Kafka and the SFU…');
  const kafka = await startLocalKafka(kafkaOptions);
  process.env.SHOPCAST_KAFKA_BROKERS = kafka.brokers.join(',');
  // Stop only what this run started, also when a later step fails.
  const stopKafka = async () => {
    if (kafka.startedHere) await stopLocalKafka('bench');
  };
  const sfu = await startLocalSfu(sfuOptions).catch(async (error: unknown) => {
    await stopKafka();
    throw error;
  });
  const studio = await startBrowserMode(
    loadConfig({
      ...process.env,
      SHOPCAST_CONFIG: '/nonexistent',
      SHOPCAST_SFU_URL: sfu.url,
      SHOPCAST_SFU_ADMIN_SECRET: sfu.adminSecret,
      SHOPCAST_DATA_DIR: mkdtempSync(join(tmpdir(), 'shopcast-bench-')),
    }),
  );
  const launch = () =>
    chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs });
  // Separate browsers, so the studio's CPU is its own.
  const studioBrowser = await launch();
  const viewerBrowser = await launch();
  try {
    const page = await studioBrowser.newPage();
    await page.goto(`${studio.web.url}&debugStamp=1`);
    await page.getByTestId('program-canvas').waitFor();
    await page.waitForTimeout(3000);
    log(`studio idle CPU over ${seconds} s…`);
    const idleCpu = await cpuPercent(studioBrowser, seconds * 1000);

    const roundResults = [];
    let viewer!: Page;
    let previousLink: string | null = null;
    for (let round = 1; round <= rounds; round++) {
      const link = page.getByTestId('upcoming-viewer-link');
      await page.waitForFunction(
        (previous) => {
          const href = document.querySelector('[data-testid="upcoming-viewer-link"]')?.getAttribute('href');
          return !!href && href !== previous;
        },
        previousLink,
        { timeout: 20_000 },
      );
      const upcomingUrl = (await link.getAttribute('href'))!;
      previousLink = upcomingUrl;
      const waiting = await (await viewerBrowser.newContext()).newPage();
      await waiting.goto(upcomingUrl);
      await waiting
        .locator('[data-testid="viewer-status"][data-state="waiting"]')
        .waitFor({ timeout: 20_000 });
      await page.waitForTimeout(1000);
      await page.evaluate(() => performance.clearMarks());

      log(`round ${round}: go live…`);
      const clickedAt = Date.now();
      await page.getByTestId('go-live-button').click();
      await page.locator('[data-testid="live-badge"][data-phase="live"]').waitFor({ timeout: 20_000 });
      const liveAt = Date.now();
      const viewerUrl = (await page.getByTestId('viewer-link').getAttribute('href'))!;
      const late = await (await viewerBrowser.newContext()).newPage();
      const openedAt = Date.now();
      await late.goto(viewerUrl);
      const lateHook = await viewerTimeline(late);
      const waitingHook = await viewerTimeline(waiting);
      const marks = await studioMarks(page);
      const sinceClick = (times: Record<string, number>) =>
        Object.fromEntries(Object.entries(times).map(([step, at]) => [step, Math.round(at - clickedAt)]));
      const wallClock = (hook: ViewerHook) =>
        Object.fromEntries(Object.entries(hook.timeline).map(([step, at]) => [step, hook.timeOrigin + at]));
      const waitingFirstFrame = waitingHook.timeOrigin + waitingHook.timeline.firstFrame!;
      const lateFirstFrame = lateHook.timeOrigin + lateHook.timeline.firstFrame!;
      roundResults.push({
        round,
        clickToLive: liveAt - clickedAt,
        waitingViewer: {
          clickToFirstFrame: Math.round(waitingFirstFrame - clickedAt),
          stepsMsSinceClick: sinceClick(wallClock(waitingHook)),
        },
        lateViewer: {
          navigationToFirstFrame: lateHook.timeline.firstFrame,
          harnessOpenToFirstFrame: Math.round(lateFirstFrame - openedAt),
          clickToFirstFrame: Math.round(lateFirstFrame - clickedAt),
          stepsMsSinceNavigation: lateHook.timeline,
        },
        studioStepsMsSinceClick: sinceClick(marks),
      });
      log(JSON.stringify(roundResults.at(-1)));
      await waiting.context().close();
      if (round < rounds) {
        await late.context().close();
        await page.getByTestId('end-show-button').click();
        await page.getByTestId('confirm-end-button').click();
        await page.locator('[data-testid="live-badge"][data-phase="ended"]').waitFor();
      } else {
        viewer = late;
      }
    }

    log(`latency over ${seconds * 30} frames…`);
    const latencies = await stampLatencies(viewer, seconds * 30);
    log(`studio live CPU over ${seconds} s…`);
    const liveCpu = await cpuPercent(studioBrowser, seconds * 1000);
    const health = await page.getByTestId('health-video').textContent();

    log('killing and restarting the SFU…');
    killLocalSfu('bench-go-live');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await startLocalSfu(sfuOptions);
    const sfuHealthyAt = Date.now();
    const before = await framesDecoded(viewer).catch(() => 0);
    let framesBackAt = NaN;
    while (Date.now() - sfuHealthyAt < 30_000) {
      const now = await framesDecoded(viewer).catch(() => 0);
      // A new consumer counts from zero: any progress past a few frames means picture again.
      if (now > 5 && now !== before) {
        framesBackAt = Date.now();
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await page.getByTestId('end-show-button').click();
    await page.getByTestId('confirm-end-button').click();

    console.log(
      JSON.stringify(
        {
          benchmark: 'go-live',
          date: new Date().toISOString(),
          machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
          program: '1280x720 @ 30 fps, VP8, one layer, maxBitrate 2.5 Mbps',
          hostStreamHealth: health,
          glassToGlassMs: {
            frames: latencies.length,
            p50: percentile(latencies, 50),
            p95: percentile(latencies, 95),
            max: Math.max(...latencies),
            goalP95: 250,
          },
          goLiveMs: {
            goal: 2000,
            median: {
              waitingViewerClickToFirstFrame: median(
                roundResults.map((r) => r.waitingViewer.clickToFirstFrame),
              ),
              lateViewerNavigationToFirstFrame: median(
                roundResults.map((r) => r.lateViewer.navigationToFirstFrame ?? NaN),
              ),
              lateViewerClickToFirstFrame: median(roundResults.map((r) => r.lateViewer.clickToFirstFrame)),
              clickToLive: median(roundResults.map((r) => r.clickToLive)),
            },
            rounds: roundResults,
          },
          sfuRestartMs: { sfuHealthyToViewerFrames: framesBackAt - sfuHealthyAt, goal: 3000 },
          studioCpuPercentOfOneCore: { idlePreview: idleCpu, live720p30: liveCpu },
        },
        null,
        2,
      ),
    );
  } finally {
    await studioBrowser.close();
    await viewerBrowser.close();
    await studio.stop();
    await stopLocalSfu('bench-go-live');
    await stopKafka();
  }
}

await main();
