// The recording's CPU cost while live at 720p30: the studio's Chromium goes live with the
// recorder on and off (?record=off), alternating, and its CPU over the same window is
// compared (Chromium's own per-process accounting), next to go-live's live CPU figure.
//
//   npx tsx bench/recording-cpu.ts [--seconds 10] [--rounds 3]
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser } from '@playwright/test';
import { loadConfig } from '../main/studio/config';
import { startBrowserMode } from '../main/web/browser-mode';
import { startLocalStack } from '../scripts/stack';
import { chromiumArgs } from '../tests/e2e/playwright.config';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, rounds: { type: 'string', default: '3' } },
});
const seconds = Number(values.seconds);
const log = (line: string) => console.error(`[bench:recording-cpu] ${line}`);
const round = (n: number) => Math.round(n * 10) / 10;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function cpuSeconds(browser: Browser): Promise<number> {
  const cdp = await browser.newBrowserCDPSession();
  const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as {
    processInfo: { cpuTime: number }[];
  };
  await cdp.detach();
  return processInfo.reduce((sum, p) => sum + p.cpuTime, 0);
}

async function liveCpu(url: string, record: boolean): Promise<{ cpuPercent: number; loadAverage: number }> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: chromiumArgs,
  });
  try {
    const page = await browser.newPage();
    await page.goto(record ? url : `${url}&record=off`);
    await page.getByTestId('program-canvas').waitFor();
    await page.getByTestId('go-live-button').click();
    await page.waitForSelector('[data-testid="live-badge"][data-phase="live"]', { timeout: 30_000 });
    if (record) await page.waitForSelector('[data-testid="recording-indicator"][data-state="recording"]');
    await page.waitForTimeout(3000);
    const before = await cpuSeconds(browser);
    const started = performance.now();
    await page.waitForTimeout(seconds * 1000);
    const used = (await cpuSeconds(browser)) - before;
    const cpuPercent = (used * 100_000) / (performance.now() - started);
    await page.getByTestId('end-show-button').click();
    await page.getByTestId('confirm-end-button').click();
    await page.waitForSelector('[data-testid="live-badge"][data-phase="ended"]');
    return { cpuPercent: round(cpuPercent), loadAverage: round(os.loadavg()[0]!) };
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const build = spawnSync(
    'npx',
    ['vite', 'build', '--logLevel', 'warn', '--config', 'renderer/vite.config.ts'],
    { stdio: 'inherit' },
  );
  if (build.status !== 0) throw new Error('renderer build failed');
  const stack = await startLocalStack('test', log);
  const studio = await startBrowserMode(
    loadConfig({
      ...process.env,
      ...stack.env,
      SHOPCAST_CONFIG: '/nonexistent',
      SHOPCAST_DATA_DIR: mkdtempSync(join(os.tmpdir(), 'shopcast-bench-rec-')),
    }),
  );
  try {
    const off: { cpuPercent: number; loadAverage: number }[] = [];
    const on: { cpuPercent: number; loadAverage: number }[] = [];
    for (let r = 1; r <= Number(values.rounds); r++) {
      log(`round ${r}: live without recording…`);
      off.push(await liveCpu(studio.web.url, false));
      log(`round ${r}: live with recording…`);
      on.push(await liveCpu(studio.web.url, true));
    }
    console.log(
      JSON.stringify(
        {
          date: new Date().toISOString(),
          machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
          seconds,
          liveWithoutRecording: off,
          liveWithRecording: on,
          medianCpuPercentOfOneCore: {
            withoutRecording: median(off.map((x) => x.cpuPercent)),
            withRecording: median(on.map((x) => x.cpuPercent)),
          },
        },
        null,
        2,
      ),
    );
  } finally {
    await studio.stop();
    await stack.stop();
  }
}

await main();
