// Records a few seconds of WebM with Chromium's own MediaRecorder (a 1280×720 canvas with a
// running counter, plus the fake microphone), exactly the kind of bytes the studio's recorder
// streams, for the recording tests. Output: .stack/fixtures/recording-<seconds>s.webm.
//
// Run: npx tsx scripts/make-recording-fixture.ts [--seconds 6]
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { chromiumArgs } from '../tests/e2e/playwright.config';

const repoRoot = path.resolve(import.meta.dirname, '..');

export const recordingFixturePath = (seconds: number) =>
  path.join(repoRoot, '.stack', 'fixtures', `recording-${seconds}s.webm`);

export async function ensureRecordingFixture(seconds = 6): Promise<string> {
  const file = recordingFixturePath(seconds);
  if (existsSync(file)) return file;
  // getUserMedia needs a secure context: a loopback page, not about:blank.
  const server = createServer((_req, res) => res.end('<!doctype html><title>fixture</title>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: chromiumArgs,
  });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const bytes = await page.evaluate(async (ms) => {
      const canvas = document.createElement('canvas');
      canvas.width = 1280;
      canvas.height = 720;
      const context = canvas.getContext('2d')!;
      let frame = 0;
      const draw = setInterval(() => {
        context.fillStyle = `hsl(${(frame * 3) % 360} 60% 40%)`;
        context.fillRect(0, 0, 1280, 720);
        context.fillStyle = '#fff';
        context.font = '120px sans-serif';
        context.fillText(String(frame++), 80, 200);
      }, 33);
      const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
      const stream = new MediaStream([...canvas.captureStream(30).getVideoTracks(), ...mic.getAudioTracks()]);
      const recorder = new MediaRecorder(stream, { mimeType: 'video/webm;codecs=vp8,opus' });
      const chunks: Blob[] = [];
      recorder.ondataavailable = (event) => chunks.push(event.data);
      recorder.start(1000);
      await new Promise((resolve) => setTimeout(resolve, ms));
      await new Promise((resolve) => {
        recorder.onstop = resolve;
        recorder.stop();
      });
      clearInterval(draw);
      return Array.from(new Uint8Array(await new Blob(chunks).arrayBuffer()));
    }, seconds * 1000);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, Buffer.from(bytes));
    return file;
  } finally {
    await browser.close();
    server.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '6' } } });
  console.log(await ensureRecordingFixture(Number(values.seconds)));
}
