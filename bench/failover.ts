// Broker kill → figures advancing again, on a local 3-broker KRaft cluster (RF 3, min ISR 2)
// with the audience simulator at 2,000 events/s. Each round kills the leader of the show's
// shopper partition (SIGKILL), then restarts it once the figures move again. Per round:
// kill → new leader (as the studio's probe sees it), kill → the studio's figures advance, and
// the same for a bare kafkajs consumer (default settings) on the same topic, as the baseline.
//
//   npx tsx bench/failover.ts [--kills 5] [--rate 2000]      (brokers on SHOPCAST_KAFKA_PORT + 30…35)
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { SHOW_TOPICS } from '../protocol/events';
import {
  defaultKafkaOptions,
  kafkaDataDir,
  killLocalKafka,
  startKafkaNode,
  startLocalKafka,
  stopLocalKafka,
  waitForNodeExit,
} from '../scripts/kafka';
import { ensureDependencyPatches } from '../scripts/patch-dependencies';
import { startAudience } from '../server/audience/audience';
import { drillShow, showLeader, startStudio } from '../tests/support/cluster-drill';

const { values } = parseArgs({
  options: { kills: { type: 'string', default: '5' }, rate: { type: 'string', default: '2000' } },
});
const KILLS = Number(values.kills);
const NAME = 'bench-failover';
const log = (line: string) => console.error(`[failover] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(
  what: string,
  check: () => Promise<T | null> | T | null,
  timeoutMs = 120_000,
): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(50)) {
    const value = await check();
    if (value) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN;
  return { samples: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? NaN };
}

async function main(): Promise<void> {
  ensureDependencyPatches(log);
  await stopLocalKafka(NAME);
  rmSync(kafkaDataDir(NAME), { recursive: true, force: true });
  // Its own ports: 30 above SHOPCAST_KAFKA_PORT (the test broker and cluster sit at +0 and +10).
  const port = Number(process.env.SHOPCAST_KAFKA_PORT ?? 39470) + 30;
  const options = { ...defaultKafkaOptions(NAME, 3), port, controllerPort: port + 1 };
  const cluster = await startLocalKafka(options, log);
  const brokers = cluster.brokers;
  const admin = new Kafka({ clientId: 'bench-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const show = drillShow();
  // Explicit: on a loaded machine a broker can be briefly fenced just when the topics are created.
  const studio = startStudio(brokers, show, { replicationFactor: 3, minInsyncReplicas: 2 });
  await waitFor('the show topics', () => studio.gateway.cluster?.partitions[SHOW_TOPICS.shopper] ?? null);
  const audience = await startAudience({
    brokers,
    showId: show.showId,
    rate: Number(values.rate),
    seed: 5,
    followPins: false,
  });

  // Baseline: a bare kafkajs consumer with its defaults, reading the same topic.
  // Wall time when the bare consumer first got an event stamped after `after`.
  let bareAfter = { after: Infinity, at: 0 };
  const bare = new Kafka({ clientId: 'bench-bare', brokers, logLevel: logLevel.NOTHING }).consumer({
    groupId: `bench-bare-${randomUUID()}`,
  });
  await bare.connect();
  await bare.subscribe({ topic: SHOW_TOPICS.shopper, fromBeginning: false });
  await bare.run({
    eachBatch: async ({ batch }) => {
      const newer = batch.messages.some(
        (m) => m.key?.toString() === show.showId && Number(m.timestamp) > bareAfter.after,
      );
      if (newer && !bareAfter.at) bareAfter.at = Date.now();
    },
  });
  await waitFor('first figures', () => (studio.latest()?.events.accepted ?? 0) > 0);

  const rounds = [];
  for (let round = 1; round <= KILLS; round++) {
    const { leader } = await waitFor('three in-sync replicas', async () => {
      const info = await showLeader(admin, show.showId).catch(() => null);
      return info && info.leader >= 0 && info.isr === 3 ? info : null;
    });
    await sleep(2000);
    const killedAt = Date.now();
    bareAfter = { after: killedAt, at: 0 };
    killLocalKafka(NAME, leader);
    await waitForNodeExit(NAME, leader);
    // The new leader as the cluster's metadata names it (polled every 50 ms).
    const leaderAt = await waitFor('a new leader', async () => {
      const info = await showLeader(admin, show.showId).catch(() => null);
      return info && info.leader >= 0 && info.leader !== leader ? Date.now() : null;
    });
    // Advancing again: the figures include an event stamped after the kill (it could only be written,
    // and read, once the partition had a new leader).
    const studioAt = await waitFor('studio figures advancing', () =>
      (studio.latest()?.asOf ?? 0) > killedAt ? Date.now() : null,
    );
    const bareAt = await waitFor('bare consumer advancing', () => bareAfter.at || null);
    const result = {
      round,
      killedNode: leader,
      killToLeaderMs: leaderAt - killedAt,
      killToFiguresMs: studioAt - killedAt,
      leaderToFiguresMs: studioAt - leaderAt,
      bareKillToMessagesMs: bareAt - killedAt,
    };
    log(JSON.stringify(result));
    rounds.push(result);
    await startKafkaNode(NAME, leader);
  }

  await audience.stop();
  await bare.disconnect();
  await studio.stop();
  await admin.disconnect();
  await stopLocalKafka(NAME);
  rmSync(kafkaDataDir(NAME), { recursive: true, force: true });
  console.log(
    JSON.stringify(
      {
        bench: 'failover',
        date: new Date().toISOString(),
        machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
        loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
        kafka: cluster.version,
        rate: Number(values.rate),
        kills: KILLS,
        killToLeaderMs: percentiles(rounds.map((r) => r.killToLeaderMs)),
        killToFiguresMs: percentiles(rounds.map((r) => r.killToFiguresMs)),
        leaderToFiguresMs: percentiles(rounds.map((r) => r.leaderToFiguresMs)),
        baselineBareKillToMessagesMs: percentiles(rounds.map((r) => r.bareKillToMessagesMs)),
        rounds,
      },
      null,
      2,
    ),
  );
  process.exit(0);
}

main().catch(async (error: unknown) => {
  console.error(error);
  await stopLocalKafka(NAME);
  process.exit(1);
});
