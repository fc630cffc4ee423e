// Our kafkajs 2.2.4 patch (patches/kafkajs+2.2.4.patch): it is in place, the applier
// reproduces it from the published files, and kafkajs's own fetch manager no longer spins
// when the consumer is stopped while its fetchers are being rebuilt after a broker change.
// The fetch manager runs in a worker thread, so a spinning one cannot hang the test run.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import {
  PATCHED_FILES,
  applyHunks,
  parseUnifiedDiff,
  patchStates,
} from '../../../scripts/patch-dependencies';

const repoRoot = resolve(__dirname, '../../..');
const patch = parseUnifiedDiff(readFileSync(join(repoRoot, 'patches', 'kafkajs+2.2.4.patch'), 'utf8'));

/** The published file, from the patched one: the patch applied backwards. */
function published(path: string): string {
  const reversed = patch.get(path)!.map((h) => ({
    oldStart: h.oldStart + 0,
    oldLines: h.newLines,
    newLines: h.oldLines,
  }));
  // Hunk positions in the patched file shift by what earlier hunks added.
  let shift = 0;
  for (const hunk of reversed) {
    hunk.oldStart += shift;
    shift += hunk.oldLines.length - hunk.newLines.length;
  }
  return applyHunks(readFileSync(join(repoRoot, path), 'utf8'), reversed);
}

// The scenario of the hang, on kafkajs's real fetch manager: two brokers; one leaves the
// metadata, so its fetcher asks for a rebuild while the other is in a long poll; the runner
// is stopped in that window (its fetch answers [] at once from then on, as runner.fetch does).
const scenario = `
const { parentPort, workerData } = require('node:worker_threads');
const createFetchManager = require(workerData.fetchManager);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const noop = () => {};
const logger = { namespace: () => logger, debug: noop, info: noop, warn: noop, error: noop };
let nodeIds = ['1', '2'];
let running = true;
let fetchesAfterStop = 0;
const manager = createFetchManager({
  logger,
  getNodeIds: () => nodeIds,
  fetch: async (nodeId) => {
    if (!running) { fetchesAfterStop++; return []; }
    await sleep(nodeId === '2' ? 100 : 800);
    return [];
  },
  handler: async () => {},
  concurrency: 1,
});
const started = manager.start().then(() => parentPort.postMessage({ kind: 'start-ended' }));
started.catch((e) => parentPort.postMessage({ kind: 'start-failed', error: String(e) }));
setTimeout(() => { nodeIds = ['1']; }, 50);
setTimeout(async () => {
  running = false;
  await manager.stop();
  parentPort.postMessage({ kind: 'stopped' });
  // Past the long poll's end (800 ms). A spinning fetch loop starves timers: this one then never fires.
  setTimeout(() => parentPort.postMessage({ kind: 'timer', fetchesAfterStop }), 1000);
}, 300);
`;

interface Outcome {
  messages: string[];
  fetchesAfterStop: number | null;
}

async function runScenario(fetchManager: string): Promise<Outcome> {
  const worker = new Worker(scenario, { eval: true, workerData: { fetchManager } });
  const outcome: Outcome = { messages: [], fetchesAfterStop: null };
  worker.on('message', (m: { kind: string; fetchesAfterStop?: number }) => {
    outcome.messages.push(m.kind);
    if (m.kind === 'timer') outcome.fetchesAfterStop = m.fetchesAfterStop ?? null;
  });
  await new Promise((r) => setTimeout(r, 3000));
  await worker.terminate(); // also ends a worker stuck in a microtask loop
  return outcome;
}

const temp = mkdtempSync(join(tmpdir(), 'kafkajs-published-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('kafkajs 2.2.4 patch', () => {
  it('is applied to node_modules (the drivers apply it; npm install does not run scripts)', () => {
    expect(Object.values(patchStates()), 'npm run patch-deps applies it').toEqual(
      Object.keys(PATCHED_FILES).map(() => 'patched'),
    );
  });

  it('is reproduced exactly from the published files by the applier', async () => {
    const { createHash } = await import('node:crypto');
    const sha = (t: string) => createHash('sha256').update(t).digest('hex');
    for (const [path, file] of Object.entries(PATCHED_FILES)) {
      const original = published(path);
      expect(sha(original)).toBe(file.before);
      expect(sha(applyHunks(original, patch.get(path)!))).toBe(file.after);
    }
  });

  it('stops a fetch manager that is rebuilding its fetchers, and nothing spins after', async () => {
    const outcome = await runScenario(join(repoRoot, 'node_modules/kafkajs/src/consumer/fetchManager.js'));
    expect(outcome.messages).toEqual(['stopped', 'start-ended', 'timer']);
    expect(outcome.fetchesAfterStop).toBe(0);
  });

  it('the same scenario spins forever on the published kafkajs (the test can fail)', async () => {
    const copy = join(temp, 'kafkajs');
    cpSync(join(repoRoot, 'node_modules/kafkajs/src'), join(copy, 'src'), { recursive: true });
    cpSync(join(repoRoot, 'node_modules/kafkajs/package.json'), join(copy, 'package.json'));
    for (const path of Object.keys(PATCHED_FILES)) {
      writeFileSync(join(copy, path.replace('node_modules/kafkajs/', '')), published(path));
    }
    const outcome = await runScenario(join(copy, 'src/consumer/fetchManager.js'));
    // stop() returns at once, but once the long poll ends start() builds new fetchers whose
    // loop never yields: no timer fires (and a runner waiting for start() waits forever).
    expect(outcome.messages).toEqual(['stopped']);
  });
});
