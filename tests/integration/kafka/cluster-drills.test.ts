// Failover drills on a real 3-broker KRaft cluster (RF 3, min.insync.replicas 2), with a
// studio's Kafka side following a show fed by the audience simulator at 2,000 events/s:
// - the show partition's leader killed (SIGKILL) five times in a row;
// - a rolling restart of all three brokers;
// - one broker gone for good.
// Each drill ends with the dashboard's figures equal to an independent consumer's count. While
// the show has no leader the status says so; the studio never stops answering (its event loop
// is watched throughout). Only the brokers this file started are ever signalled.
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SHOW_TOPICS } from '../../../protocol/events';
import { leaderlessFor } from '../../../main/kafka';
import {
  defaultKafkaOptions,
  kafkaDataDir,
  killLocalKafka,
  startKafkaNode,
  startLocalKafka,
  stopKafkaNode,
  stopLocalKafka,
  waitForNodeExit,
} from '../../../scripts/kafka';
import { startAudience, type AudienceRun } from '../../../server/audience/audience';
import {
  countShowEvents,
  drillShow,
  showLeader,
  startStudio,
  type StudioUnderTest,
} from '../../support/cluster-drill';
import { until, untilResolved } from '../../support/until';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';

const NAME = 'test-cluster';
const repoRoot = resolve(__dirname, '../../..');
const RATE = 2000;
let brokers: string[] = [];
let admin: Admin;

/** Largest gap between two turns of this process's event loop while the drills ran. */
let worstLoopGap = 0;
let loopTimer: NodeJS.Timeout | null = null;

beforeAll(async () => {
  await stopLocalKafka(NAME);
  rmSync(kafkaDataDir(NAME), { recursive: true, force: true });
  const cluster = await startLocalKafka(defaultKafkaOptions(NAME, 3), (line) =>
    console.log(`[drill] ${line}`),
  );
  brokers = cluster.brokers;
  admin = new Kafka({ clientId: 'drill-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  let last = Date.now();
  loopTimer = setInterval(() => {
    const now = Date.now();
    worstLoopGap = Math.max(worstLoopGap, now - last);
    last = now;
  }, 100);
}, 180_000);

afterAll(async () => {
  if (loopTimer) clearInterval(loopTimer);
  await admin?.disconnect();
  await stopLocalKafka(NAME);
  rmSync(kafkaDataDir(NAME), { recursive: true, force: true });
});

/** What a failed drill left running; stopped before the next one. */
const leftovers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of leftovers.splice(0)) await stop().catch(() => {});
  // A drill that failed mid-way may have left a broker down: the next one starts with three.
  await startLocalKafka(defaultKafkaOptions(NAME, 3)).catch(() => {});
});

/** A show with a studio following it and the simulator feeding it. */
async function startDrill(): Promise<{ studio: StudioUnderTest; audience: AudienceRun; showId: string }> {
  const show = drillShow();
  const studio = startStudio(brokers, show);
  leftovers.push(() => studio.stop());
  // The studio's gateway creates the topics (RF 3, min ISR 2 on three brokers) before shoppers arrive.
  await until('the show topics', () => studio.gateway.cluster?.partitions[SHOW_TOPICS.shopper], 60_000);
  const audience = await startAudience({
    brokers,
    showId: show.showId,
    rate: RATE,
    seed: 13,
    followPins: false,
  });
  leftovers.push(() => audience.stop());
  await until('first figures', () => (studio.latest()?.events.accepted ?? 0) > 0, 60_000);
  return { studio, audience, showId: show.showId };
}

/** Stops the shoppers, then waits until the dashboard shows exactly what the topics hold. */
async function expectExactFigures(studio: StudioUnderTest, audience: AudienceRun, showId: string) {
  await audience.stop();
  const truth = await countShowEvents(brokers, showId);
  expect(truth.events).toBeGreaterThan(0);
  await until(
    `the dashboard at ${truth.events} events`,
    () => (studio.latest()?.events.accepted ?? 0) >= truth.events,
    60_000,
  );
  // Counted once each: no more than the topics hold, orders included.
  await new Promise((r) => setTimeout(r, 1500));
  expect(studio.latest()!.events.accepted).toBe(truth.events);
  expect(studio.latest()!.orders.count).toBe(truth.orders);
  await studio.stop();
}

/** Until every replica of the show's partition is in sync again (the next kill must not lose the ISR). */
function fullIsr(showId: string) {
  return untilResolved(
    'three in-sync replicas of the show partition',
    async () => {
      const info = await showLeader(admin, showId).catch(() => null);
      return info && info.leader >= 0 && info.isr === 3 ? info : null;
    },
    90_000,
    500,
  );
}

describe('a studio on a 3-broker cluster', () => {
  it('creates the show topics on a fresh cluster with replication factor 3 and min.insync.replicas 2', async () => {
    // The default replication factor counts the brokers the cluster lists when the topics are
    // created. On a loaded machine a fresh broker can miss a heartbeat and be fenced for a moment
    // (seen once in a full run: RF 2): create them only once all three are listed twice in a row.
    let listed = 0;
    await untilResolved(
      'three brokers listed twice in a row',
      async () => {
        listed = (await admin.describeCluster()).brokers.length === 3 ? listed + 1 : 0;
        return listed >= 2;
      },
      60_000,
      500,
    );
    const studio = startStudio(brokers, drillShow());
    try {
      await until('the show topics', () => studio.gateway.cluster?.partitions[SHOW_TOPICS.shopper], 60_000);
      // Ask until this admin's broker has heard of them too.
      const { topics } = await untilResolved('metadata of the show topics', () =>
        admin.fetchTopicMetadata({ topics: [SHOW_TOPICS.shopper, SHOW_TOPICS.studio] }).catch(() => null),
      );
      for (const topic of topics) {
        expect(topic.partitions).toHaveLength(6);
        for (const p of topic.partitions) expect(p.replicas).toHaveLength(3);
      }
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          { type: 2, name: SHOW_TOPICS.shopper, configNames: ['min.insync.replicas', 'retention.ms'] },
        ],
      });
      const entries = Object.fromEntries(
        configs.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]),
      );
      expect(entries).toEqual({ 'min.insync.replicas': '2', 'retention.ms': String(30 * 24 * 3600_000) });
    } finally {
      await studio.stop();
    }
  });

  it('survives the show leader killed five times in a row, says it is electing, and ends exact', async () => {
    const { studio, audience, showId } = await startDrill();
    for (let round = 1; round <= 5; round++) {
      const { leader } = await fullIsr(showId);
      const killedAt = Date.now();
      expect(killLocalKafka(NAME, leader)).toBe(true);
      await waitForNodeExit(NAME, leader);
      // The studio says what is happening instead of "disconnected" or "live"…
      await until(
        `round ${round}: the dashboard saying Kafka is electing`,
        () =>
          studio.pipelineStatuses.some(
            (s) =>
              s.state === 'electing' && s.notice === 'Kafka is electing a new leader (2 of 3 brokers up)',
          ),
        30_000,
      );
      // …and the figures move again once there is a new leader.
      await until(
        `round ${round}: figures advancing after the kill`,
        () => studio.lastAdvance() > killedAt,
        60_000,
      );
      studio.pipelineStatuses.length = 0;
      await startKafkaNode(NAME, leader);
    }
    expect(studio.kafkaStatuses.some((s) => s.state === 'electing')).toBe(true);
    expect(studio.kafkaStatuses.filter((s) => s.state === 'disconnected')).toEqual([]);
    await expectExactFigures(studio, audience, showId);
    expect(worstLoopGap).toBeLessThan(5000);
  }, 600_000);

  it('keeps counting through a rolling restart of all three brokers, and ends exact', async () => {
    const { studio, audience, showId } = await startDrill();
    for (const id of [1, 2, 3]) {
      await fullIsr(showId);
      const before = studio.latest()?.events.accepted ?? 0;
      await stopKafkaNode(NAME, id);
      await until(
        `figures advancing with node ${id} stopped`,
        () => (studio.latest()?.events.accepted ?? 0) > before,
        60_000,
      );
      await startKafkaNode(NAME, id);
    }
    await expectExactFigures(studio, audience, showId);
    expect(worstLoopGap).toBeLessThan(5000);
  }, 600_000);

  it('keeps counting with one broker gone for good (RF 3, min ISR 2), says so, and ends exact', async () => {
    const { studio, audience, showId } = await startDrill();
    const { leader } = await fullIsr(showId);
    killLocalKafka(NAME, leader);
    await waitForNodeExit(NAME, leader);
    const goneAt = Date.now();
    await until('figures advancing with a broker gone', () => studio.lastAdvance() > goneAt + 3000, 60_000);
    // The status bar counts the brokers; the show's own partitions have leaders again. (Another
    // partition whose only in-sync replica was the dead broker stays leaderless, and the status bar
    // rightly keeps saying "electing" for it.)
    await until(
      'the status bar: 2 of 3 brokers up, the show led',
      () => {
        const { state, brokers: count } = studio.gateway.status;
        const health = studio.gateway.cluster;
        return (
          state !== 'disconnected' &&
          count?.up === 2 &&
          count.known === 3 &&
          health !== null &&
          leaderlessFor(health, showId).length === 0
        );
      },
      30_000,
    ).catch((error: Error) => {
      const health = studio.gateway.cluster;
      throw new Error(
        `${error.message}; status ${JSON.stringify(studio.gateway.status)}, show leaderless ` +
          JSON.stringify(health && leaderlessFor(health, showId)),
      );
    });
    // The dashboard follows with the pipeline's next status (about once a second).
    await until('the dashboard no longer saying electing', () => {
      const state = studio.pipelineStatuses.at(-1)?.state;
      return state === 'live' || state === 'catching-up';
    });
    await expectExactFigures(studio, audience, showId);
    await startKafkaNode(NAME, leader);
  }, 600_000);

  it('lets the audience simulator exit within seconds on SIGINT after a broker crash', async () => {
    const show = drillShow();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'server/audience/main.ts', '--show', show.showId, '--rate', '500'],
      {
        cwd: repoRoot,
        env: { ...process.env, SHOPCAST_KAFKA_BROKERS: brokers.join(',') },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await until('the simulator sending', () => /"sent":[1-9]/.test(output), 60_000);
      const { leader } = await fullIsr(show.showId);
      killLocalKafka(NAME, leader);
      await waitForNodeExit(NAME, leader);
      await new Promise((r) => setTimeout(r, 2000)); // mid-election: sends failing, kafkajs reconnecting
      const signalled = Date.now();
      child.kill('SIGINT');
      const code = await Promise.race([
        exited,
        new Promise<'hung'>((r) => setTimeout(() => r('hung'), 8000)),
      ]);
      expect(code).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(6000);
      expect(output).toContain('"final"');
      await startKafkaNode(NAME, leader);
    } finally {
      child.kill('SIGKILL');
    }
  }, 180_000);
});
