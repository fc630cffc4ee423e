// Recording over the real browser-mode transport: chunks of a real MediaRecorder WebM go as
// binary WebSocket frames, are appended idempotently by offset, and a studio that stopped
// mid-recording repairs the file at its next start (duration and cues, so it seeks).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../main/studio/config';
import { RENDERER_DIR, startBrowserMode, type BrowserMode } from '../../../main/web/browser-mode';
import { Recordings } from '../../../main/recording';
import { webmDurationMs } from '../../../main/recording/webm-remux';
import { encodeBinaryCall, type CallResult } from '../../../protocol/rpc';
import type { ShowState } from '../../../protocol/show';
import { ensureRecordingFixture } from '../../../scripts/make-recording-fixture';

let fixture: Buffer;
const dataDir = mkdtempSync(join(tmpdir(), 'shopcast-recording-it-'));

beforeAll(async () => {
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
    const build = spawnSync(
      'npx',
      ['vite', 'build', '--logLevel', 'warn', '--config', 'renderer/vite.config.ts'],
      {
        stdio: 'inherit',
      },
    );
    expect(build.status).toBe(0);
  }
  fixture = readFileSync(await ensureRecordingFixture(6));
}, 120_000);

/** A contract client over the studio's WebSocket, with binary calls. */
async function connect(studio: BrowserMode) {
  const ws = new WebSocket(`${studio.web.origin.replace('http', 'ws')}/studio?token=${studio.web.token}`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const pending = new Map<number, (result: CallResult) => void>();
  const errors: string[] = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data));
    if (frame.kind === 'result') pending.get(frame.id)?.(frame.result);
    if (frame.kind === 'error') errors.push(frame.error.message);
  });
  let id = 0;
  const call = (op: string, request: Record<string, unknown>, binary = false) =>
    new Promise<CallResult>((resolve) => {
      pending.set(++id, resolve);
      ws.send(binary ? encodeBinaryCall(id, op, request) : JSON.stringify({ kind: 'call', id, op, request }));
    });
  return { ws, call, errors };
}

const ok = (result: CallResult) => {
  if (!result.ok) throw new Error(result.error.message);
  return result.response as Record<string, unknown>;
};

describe('recording a show over the browser-mode transport', () => {
  let studio: BrowserMode;
  let showId: string;
  const startedAt = Date.now();

  afterAll(async () => {
    await studio?.stop();
  });

  it('appends chunks sent as binary frames, idempotently by offset, and refuses bad ones', async () => {
    studio = await startBrowserMode(
      loadConfig({ SHOPCAST_KAFKA_BROKERS: process.env.SHOPCAST_KAFKA_BROKERS, SHOPCAST_DATA_DIR: dataDir }),
    );
    const { ws, call, errors } = await connect(studio);
    showId = (ok(await call('startShow', { mode: 'live', title: 'Recorded show' })) as ShowState).showId;
    const { part } = ok(
      await call('startRecording', { showId, mimeType: 'video/webm;codecs=vp8,opus', startedAt }),
    );
    expect(part).toBe(1);
    const piece = 64 * 1024;
    let offset = 0;
    while (offset < fixture.length) {
      const bytes = fixture.subarray(offset, offset + piece);
      const answer = ok(await call('appendRecordingChunk', { showId, part, offset, bytes }, true));
      expect(answer).toEqual({ offset: offset + bytes.length, accepting: true, reason: null });
      // The same chunk again (a retry after a lost answer) is acknowledged, not written twice.
      const again = ok(await call('appendRecordingChunk', { showId, part, offset, bytes }, true));
      expect(again.offset).toBe(offset + bytes.length);
      offset += bytes.length;
    }
    const file = join(dataDir, 'recordings', showId, 'part-1.webm');
    expect(readFileSync(file).equals(fixture)).toBe(true);

    const gap = await call(
      'appendRecordingChunk',
      { showId, part, offset: offset + 10, bytes: new Uint8Array(4) },
      true,
    );
    expect(gap).toMatchObject({
      ok: false,
      error: { code: 'invalid-request', message: expect.stringMatching(/gap/) },
    });
    const huge = await call(
      'appendRecordingChunk',
      { showId, part, offset, bytes: new Uint8Array(300 * 1024) },
      true,
    );
    expect(huge).toMatchObject({
      ok: false,
      error: { code: 'invalid-request', message: expect.stringMatching(/KiB/) },
    });
    const noBytes = await call('appendRecordingChunk', { showId, part, offset });
    expect(noBytes).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    ws.send(Buffer.from([0, 0, 0xff, 0xff, 1, 2, 3]));
    ws.send(Buffer.from([0, 0, 0, 2, 0x7b, 0x7d]));
    await expect.poll(() => errors.length).toBe(2);
    expect(readFileSync(file).equals(fixture)).toBe(true);
    // Still serving after the bad frames.
    expect(ok(await call('getRecordingStatus', {})).active).toMatchObject({ showId, state: 'recording' });
    ws.close();
  });

  it('repairs the part a stopped studio left open: it gets a duration and cues, and plays to the end', async () => {
    // The part is still open (no finishRecording), as after a kill.
    await studio.stop();
    studio = await startBrowserMode(
      loadConfig({ SHOPCAST_KAFKA_BROKERS: process.env.SHOPCAST_KAFKA_BROKERS, SHOPCAST_DATA_DIR: dataDir }),
    );
    const { ws, call } = await connect(studio);
    await expect
      .poll(async () => ok(await call('getRecordingStatus', {})).active, { timeout: 20_000 })
      .toMatchObject({ showId, state: 'paused', parts: 1 });
    const recording = join(dataDir, 'recordings', showId, 'recording.webm');
    const duration = await webmDurationMs(recording);
    expect(duration).toBeGreaterThan(5000);
    expect(duration).toBeLessThan(7000);
    const bytes = readFileSync(recording);
    expect(bytes.includes(Buffer.from('1c53bb6b', 'hex'))).toBe(true); // Cues
    expect(bytes.includes(Buffer.from('4489', 'hex'))).toBe(true); // Duration

    // Ending the show completes it; it is listed with its size and can be deleted.
    ok(await call('endShow', {}));
    await expect
      .poll(async () => (ok(await call('listRecordings', {})) as unknown as { state: string }[])[0]?.state)
      .toBe('complete');
    const [listed] = ok(await call('listRecordings', {})) as unknown as {
      showId: string;
      sizeBytes: number;
    }[];
    expect(listed).toMatchObject({ showId, durationMs: duration });
    expect(listed!.sizeBytes).toBe(readFileSync(recording).length);
    expect(ok(await call('deleteRecording', { showId }))).toEqual([]);
    expect(existsSync(join(dataDir, 'recordings', showId))).toBe(false);
    ws.close();
  });
});

describe('Recordings', () => {
  const show = (showId: string): ShowState => ({
    showId,
    title: 'Cut short',
    mode: 'live',
    currency: 'EUR',
    startedAt: Date.now(),
    pinnedProductId: null,
    soldOutProductIds: [],
  });

  it('repairs a part cut off in the middle of a cluster: it plays up to the cut', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shopcast-recording-cut-'));
    let current: ShowState | null = show('show-cut');
    const recordings = new Recordings({
      dataDir: dir,
      disk: { warnBelowBytes: 0, stopBelowBytes: 0 },
      currentShow: () => current,
      onStatus: () => {},
    });
    const { part } = recordings.start({ showId: 'show-cut', mimeType: 'video/webm', startedAt: 1 });
    const half = Math.floor(fixture.length / 2) + 333;
    recordings.append({ showId: 'show-cut', part, offset: 0, bytes: fixture.subarray(0, half) });
    recordings.stop();
    current = null;
    const restarted = new Recordings({
      dataDir: dir,
      disk: { warnBelowBytes: 0, stopBelowBytes: 0 },
      currentShow: () => null,
      onStatus: () => {},
    });
    await restarted.repairUnfinished();
    const summary = restarted.list()[0]!;
    expect(summary).toMatchObject({ state: 'complete', note: expect.stringMatching(/repaired/) });
    expect(summary.durationMs).toBeGreaterThan(1500);
    expect(summary.durationMs).toBeLessThan(5000);
  });

  it('stops recording, not the show, when disk space runs out, and refuses to start without space', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shopcast-recording-disk-'));
    const disk = { warnBelowBytes: 0, stopBelowBytes: 0 };
    const statuses: string[] = [];
    const recordings = new Recordings({
      dataDir: dir,
      disk,
      currentShow: () => show('show-disk'),
      onStatus: (status) => statuses.push(status.message ?? ''),
      diskCheckMs: 0,
    });
    const { part } = recordings.start({ showId: 'show-disk', mimeType: 'video/webm', startedAt: 1 });
    expect(
      recordings.append({ showId: 'show-disk', part, offset: 0, bytes: fixture.subarray(0, 100_000) })
        .accepting,
    ).toBe(true);
    // The disk "fills up": everything free is now below the bar.
    disk.warnBelowBytes = disk.stopBelowBytes = Number.MAX_SAFE_INTEGER;
    const answer = recordings.append({
      showId: 'show-disk',
      part,
      offset: 100_000,
      bytes: fixture.subarray(100_000, 200_000),
    });
    expect(answer).toEqual({
      offset: 100_000,
      accepting: false,
      reason: expect.stringMatching(/disk space/),
    });
    expect(statuses.at(-1)).toMatch(/Recording stopped: only .* of disk space left. The show goes on./);
    const summary = await recordings.finish({ showId: 'show-disk', part });
    expect(summary.state).toBe('paused');
    expect(summary.note).toMatch(/disk space/);
    expect(() => recordings.start({ showId: 'show-disk', mimeType: 'video/webm', startedAt: 2 })).toThrow(
      /Not recording: only/,
    );
  });
});
