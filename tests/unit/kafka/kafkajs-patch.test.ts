// Our kafkajs 2.2.4 patch (patches/kafkajs+2.2.4.patch): it is in place, the applier
// reproduces it from the published files, and kafkajs's own code, patched and published, in
// the scenarios the patch is for: the fetch manager no longer spins when the consumer is
// stopped while its fetchers are being rebuilt after a broker change; a heartbeat that cannot
// reach the group's coordinator no longer stops the fetches; a consumer restarted after a
// crash rejoins as the member it was; a consumer disconnected while it joins its group, or
// while it handles a crash, stays stopped. Each scenario runs in a worker thread, so a
// spinning or never-ending one cannot hang the test run.
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

// Each scenario is CommonJS run in a worker thread with workerData.src, the kafkajs src folder
// to test (patched, or a copy holding the published files); it reports by postMessage.
const prelude = `
const { parentPort, workerData } = require('node:worker_threads');
const { join } = require('node:path');
const kafkajs = (path) => require(join(workerData.src, path));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const report = (kind, detail = {}) => parentPort.postMessage({ kind, ...detail });
const noop = () => {};
const logger = { namespace: () => logger, debug: noop, info: noop, warn: noop, error: noop };
`;

// The hang, on kafkajs's real fetch manager: two brokers; one leaves the metadata, so its
// fetcher asks for a rebuild while the other is in a long poll; the runner is stopped in that
// window (its fetch answers [] at once from then on, as runner.fetch does).
const rebuildWhileStopped = `
const createFetchManager = kafkajs('consumer/fetchManager');
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
manager.start().then(() => report('start-ended'), (e) => report('start-failed', { error: String(e) }));
setTimeout(() => { nodeIds = ['1']; }, 50);
setTimeout(async () => {
  running = false;
  await manager.stop();
  report('stopped');
  // Past the long poll's end (800 ms). A spinning fetch loop starves timers: this one then never fires.
  setTimeout(() => report('timer', { fetchesAfterStop }), 1000);
}, 300);
`;

// The group coordinator's broker died: kafkajs's real consumer group heartbeats to it (as the
// runner does between fetches), and its cluster can find the coordinator again a moment later.
const coordinatorGone = `
const ConsumerGroup = kafkajs('consumer/consumerGroup');
const InstrumentationEmitter = kafkajs('instrumentation/emitter');
const { KafkaJSConnectionError } = kafkajs('errors');
const heartbeats = [];
const broker = (name, heartbeat) => ({ name, heartbeat: async () => { heartbeats.push(name); return heartbeat(); } });
const dead = broker('dead', () => {
  throw new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092', { code: 'ECONNREFUSED' });
});
const moved = broker('moved', () => {});
let lookups = 0;
const cluster = { findGroupCoordinator: async () => { lookups++; await sleep(100); return moved; } };
const group = new ConsumerGroup({
  retry: { retries: 0 }, cluster, groupId: 'g', topics: [], topicConfigurations: {}, logger,
  instrumentationEmitter: new InstrumentationEmitter(), assigners: [],
  sessionTimeout: 30000, rebalanceTimeout: 60000, maxWaitTimeInMs: 1000,
});
Object.assign(group, { memberId: 'member-1', generationId: 1, coordinator: dead });
(async () => {
  const outcomes = [];
  for (let i = 0; i < 3; i++) {
    outcomes.push(await group.heartbeat({ interval: 0 }).then(() => 'ok', (e) => e.name));
    await sleep(60);
  }
  report('done', { outcomes, heartbeats, lookups, coordinator: group.coordinator.name });
})();
`;

// kafkajs's real runner, disconnected while it joins its group (a consumer restarting after a
// crash, or one replaced while its coordinator was away); the join then ends, well or not.
const stoppedWhileJoining = `
const Runner = kafkajs('consumer/runner');
const InstrumentationEmitter = kafkajs('instrumentation/emitter');
const { KafkaJSConnectionError } = kafkajs('errors');
const run = async (joinFails) => {
  let endJoin;
  const joined = new Promise((resolve, reject) => (endJoin = joinFails ? () => reject(new KafkaJSConnectionError('refused')) : resolve));
  const seen = { fetchersBuilt: 0, left: 0, crashes: 0 };
  const consumerGroup = {
    groupId: 'g', memberId: 'member-1',
    connect: async () => {},
    joinAndSync: () => joined,
    leave: async () => { seen.left++; },
    getNodeIds: () => { seen.fetchersBuilt++; return ['1']; },
    fetch: async () => { await sleep(50); return []; },
    heartbeat: async () => {},
  };
  const runner = new Runner({
    logger, consumerGroup, instrumentationEmitter: new InstrumentationEmitter(), concurrency: 1,
    eachBatch: async () => {}, onCrash: () => { seen.crashes++; }, retry: { retries: 0 },
  });
  const started = runner.start();
  await sleep(20);
  await runner.stop();
  endJoin();
  await started;
  await sleep(200);
  seen.running = runner.running;
  await runner.stop();
  return seen;
};
(async () => report('done', { joined: await run(false), failed: await run(true) }))();
`;

// kafkajs's real consumer whose broker refuses connections: it crashes and is being stopped by
// its crash handler (slowly: the cluster takes its time to disconnect) when its user
// disconnects it. Counted: how often it connects (it restarts after retriable errors).
const disconnectedWhileCrashing = `
const createConsumer = kafkajs('consumer');
const { KafkaJSConnectionError } = kafkajs('errors');
let connects = 0;
const cluster = {
  connect: async () => { connects++; throw new KafkaJSConnectionError('Connection error: connect ECONNREFUSED'); },
  disconnect: () => sleep(300),
};
const consumer = createConsumer({ cluster, groupId: 'g', logger, retry: { retries: 0, initialRetryTime: 50 } });
(async () => {
  const running = consumer.run({ eachBatch: async () => {} });
  await sleep(100); // the crash handler is disconnecting
  const connectsAtDisconnect = connects;
  await consumer.disconnect();
  await running;
  await sleep(1000);
  report('done', { connectsAtDisconnect, connectsLater: connects });
})();
`;

// kafkajs's real consumer joins its group, then crashes (its coordinator fails the sync) and
// could not leave; kafkajs restarts it. Reported: the member id each JoinGroup carried.
const restartedAfterCrash = `
const createConsumer = kafkajs('consumer');
const { KafkaJSConnectionError } = kafkajs('errors');
const joins = [];
let syncs = 0;
const coordinator = {
  joinGroup: async ({ memberId }) => {
    joins.push(memberId);
    return { generationId: joins.length, leaderId: 'another-member', memberId: 'member-1', members: [], groupProtocol: 'RoundRobinAssigner' };
  },
  syncGroup: async () => {
    syncs++;
    throw new KafkaJSConnectionError('Connection error: connect ECONNREFUSED');
  },
  leaveGroup: async () => { throw new KafkaJSConnectionError('Connection error: connect ECONNREFUSED'); },
};
const cluster = {
  connect: async () => {},
  disconnect: async () => {},
  refreshMetadataIfNecessary: async () => {},
  findGroupCoordinator: async () => coordinator,
};
const consumer = createConsumer({ cluster, groupId: 'g', logger, retry: { retries: 0, initialRetryTime: 50 } });
consumer.run({ eachBatch: async () => {} });
setTimeout(() => report('done', { joins: joins.slice(0, 2), syncs }), 500);
`;

interface Report {
  kind: string;
  [detail: string]: unknown;
}

/** Runs a scenario for ms on one kafkajs copy; returns what it reported. */
async function runScenario(code: string, src: string, ms = 3000): Promise<Report[]> {
  const worker = new Worker(prelude + code, { eval: true, workerData: { src } });
  const reports: Report[] = [];
  worker.on('message', (m: Report) => reports.push(m));
  worker.on('error', (error) => reports.push({ kind: 'error', error: String(error) }));
  await new Promise((r) => setTimeout(r, ms));
  await worker.terminate(); // also ends a worker stuck in a microtask loop
  return reports;
}

const patchedSrc = join(repoRoot, 'node_modules/kafkajs/src');
const temp = mkdtempSync(join(tmpdir(), 'kafkajs-published-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** A copy of kafkajs with the published files where ours are patched. */
function publishedSrc(): string {
  const copy = join(temp, 'kafkajs');
  cpSync(join(repoRoot, 'node_modules/kafkajs/src'), join(copy, 'src'), { recursive: true });
  cpSync(join(repoRoot, 'node_modules/kafkajs/package.json'), join(copy, 'package.json'));
  for (const path of Object.keys(PATCHED_FILES)) {
    writeFileSync(join(copy, path.replace('node_modules/kafkajs/', '')), published(path));
  }
  return join(copy, 'src');
}

const done = (reports: Report[]) => reports.find((r) => r.kind === 'done');

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
    const reports = await runScenario(rebuildWhileStopped, patchedSrc);
    expect(reports.map((r) => r.kind)).toEqual(['stopped', 'start-ended', 'timer']);
    expect(reports.at(-1)?.fetchesAfterStop).toBe(0);
  });

  it('the same scenario spins forever on the published kafkajs (the test can fail)', async () => {
    const reports = await runScenario(rebuildWhileStopped, publishedSrc());
    // stop() returns at once, but once the long poll ends start() builds new fetchers whose
    // loop never yields: no timer fires (and a runner waiting for start() waits forever).
    expect(reports.map((r) => r.kind)).toEqual(['stopped']);
  });

  it('a heartbeat that cannot reach the group coordinator fails nothing: it is found again, heartbeats go there', async () => {
    const result = done(await runScenario(coordinatorGone, patchedSrc, 1500));
    // No error reaches the runner (which would stop every fetcher, then crash the consumer):
    // one lookup in the background, no heartbeat meanwhile, then heartbeats to the new one.
    expect(result).toMatchObject({
      outcomes: ['ok', 'ok', 'ok'],
      heartbeats: ['dead', 'moved'],
      lookups: 1,
      coordinator: 'moved',
    });
  });

  it('on the published kafkajs every heartbeat to the gone coordinator fails (the test can fail)', async () => {
    const result = done(await runScenario(coordinatorGone, publishedSrc(), 1500));
    expect(result).toMatchObject({
      outcomes: ['KafkaJSConnectionError', 'KafkaJSConnectionError', 'KafkaJSConnectionError'],
      heartbeats: ['dead', 'dead', 'dead'],
      lookups: 0,
    });
  });

  it('a runner stopped while it joins its group never fetches, nor crashes, and leaves', async () => {
    const result = done(await runScenario(stoppedWhileJoining, patchedSrc, 2000));
    const stayedStopped = { fetchersBuilt: 0, crashes: 0, running: false };
    expect(result).toMatchObject({
      joined: { ...stayedStopped, left: 1 },
      failed: { ...stayedStopped, left: 0 },
    });
  });

  it('on the published kafkajs it fetches after the join, or crashes (the test can fail)', async () => {
    const result = done(await runScenario(stoppedWhileJoining, publishedSrc(), 2000)) as
      { joined: { fetchersBuilt: number; running: boolean }; failed: { crashes: number } } | undefined;
    expect(result?.joined.running).toBe(true);
    expect(result?.joined.fetchersBuilt).toBeGreaterThan(0);
    expect(result?.failed.crashes).toBe(1);
  });

  it('a consumer restarted after a crash rejoins as the member it was', async () => {
    const result = done(await runScenario(restartedAfterCrash, patchedSrc, 1500));
    expect(result?.joins).toEqual(['', 'member-1']);
  });

  it('on the published kafkajs it rejoins as a new member, held until the old one expires (the test can fail)', async () => {
    const result = done(await runScenario(restartedAfterCrash, publishedSrc(), 1500));
    expect(result?.joins).toEqual(['', '']);
  });

  it('a consumer disconnected while it handles a crash does not restart', async () => {
    const result = done(await runScenario(disconnectedWhileCrashing, patchedSrc, 2500));
    expect(result).toMatchObject({ connectsAtDisconnect: 1, connectsLater: 1 });
  });

  it('on the published kafkajs it restarts after being disconnected (the test can fail)', async () => {
    const result = done(await runScenario(disconnectedWhileCrashing, publishedSrc(), 2500)) as
      { connectsAtDisconnect: number; connectsLater: number } | undefined;
    expect(result?.connectsAtDisconnect).toBe(1);
    expect(result?.connectsLater).toBeGreaterThan(1);
  });
});
