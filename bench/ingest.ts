// Ingest throughput: 1M realistic shopper events of one show are produced to a dedicated
// broker, then read back from the show's start twice in the same run: by a bare kafkajs
// consumer (the baseline: fetch and decode only) and by the studio's ShowPipeline
// (validate + dedupe + aggregate, dead-letter producer on). Prints JSON.
//
//   npx tsx bench/ingest.ts [--events 1000000] [--only pipeline|bare] [--rounds 3]
// Rounds alternate bare and pipeline over the same produced show; each prints its 1-minute
// load average, since the machine is shared.
// Profile the pipeline: node --cpu-prof --cpu-prof-dir=.stack/prof --import tsx bench/ingest.ts --only pipeline
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { ShowPipeline } from '../main/live-metrics/show-pipeline';
import { ensureShowTopics } from '../main/kafka/topics';
import { SHOW_TOPICS } from '../protocol/events';
import { kafkaDataDir, startLocalKafka, stopLocalKafka } from '../scripts/kafka';
import { AudienceGenerator } from '../server/audience/generator';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    only: { type: 'string' },
    keep: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '1' },
  },
});
const N = Number(values.events);
// Beside this machine's own broker when SHOPCAST_KAFKA_PORT is set (several engineers share it).
const BROKER_PORT = process.env.SHOPCAST_KAFKA_PORT ? Number(process.env.SHOPCAST_KAFKA_PORT) + 300 : 39192;
const BROKER = { name: 'bench-ingest', port: BROKER_PORT, controllerPort: BROKER_PORT + 1, partitions: 6 };

const log = (line: string) => console.error(`[ingest] ${line}`);

async function produceShow(kafka: Kafka, showId: string, t0: number): Promise<void> {
  const generator = new AudienceGenerator({ showId, seed: 7, targetAudience: 20_000 });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const started = Date.now();
  const spanMs = 15 * 60_000; // a 15-minute stretch of show, ending a little before now
  const chunk = 2000;
  let inFlight: Promise<unknown>[] = [];
  for (let sent = 0; sent < N; sent += chunk) {
    const count = Math.min(chunk, N - sent);
    const from = t0 + Math.floor((sent / N) * spanMs);
    const to = t0 + Math.floor(((sent + count) / N) * spanMs);
    const messages = generator
      .generate(count, from, to)
      .map((e) => ({ key: showId, value: JSON.stringify(e), timestamp: String(e.ts) }));
    inFlight.push(producer.send({ topic: SHOW_TOPICS.shopper, acks: 1, messages }));
    if (inFlight.length >= 8) {
      await Promise.all(inFlight);
      inFlight = [];
    }
  }
  await Promise.all(inFlight);
  await producer.disconnect();
  log(`produced ${N} events in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

interface Run {
  /** From the consumer's start (group join included) to the last event. */
  totalMs: number;
  /** From the first event to the last: the steady ingest rate. */
  ingestMs: number;
  eventsPerSecond: number;
  /**
   * CPU time per event over the same stretch (µs): this process (all its threads), its main
   * thread (the kafkajs side), and the broker. Unlike the rates, these hardly change with what
   * else runs on the machine.
   */
  cpuUsPerEvent: { process: number; mainThread: number; broker: number };
}

/** User + system CPU ms of a process or thread, from /proc (Linux; 0 elsewhere). */
function procCpuMs(statPath: string): number {
  try {
    // The fields after the command name, which is in parentheses and may hold spaces.
    const fields = readFileSync(statPath, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
const CLOCK_TICKS = 100; // USER_HZ on Linux

let brokerPid = 0;
/** When the first events were counted, and how many. */
interface FirstEvents {
  at: number;
  counted: number;
  processMs: number;
  mainThreadMs: number;
  brokerMs: number;
}
function firstEvents(counted: number): FirstEvents {
  const { user, system } = process.cpuUsage();
  return {
    at: Date.now(),
    counted,
    processMs: (user + system) / 1000,
    mainThreadMs: procCpuMs(`/proc/self/task/${process.pid}/stat`),
    brokerMs: procCpuMs(`/proc/${brokerPid}/stat`),
  };
}

function run(startedAt: number, first: FirstEvents): Run {
  const last = firstEvents(N);
  const perEvent = (ms: number) => Math.round((ms * 1000 * 100) / (N - first.counted)) / 100;
  return {
    totalMs: last.at - startedAt,
    ingestMs: last.at - first.at,
    eventsPerSecond: Math.round(((N - first.counted) * 1000) / (last.at - first.at)),
    cpuUsPerEvent: {
      process: perEvent(last.processMs - first.processMs),
      mainThread: perEvent(last.mainThreadMs - first.mainThreadMs),
      broker: perEvent(last.brokerMs - first.brokerMs),
    },
  };
}

/** The baseline: a plain consumer from the same offsets that only counts the messages. */
async function bareConsumer(kafka: Kafka, fromMs: number): Promise<Run> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `bench-bare-${randomUUID()}`;
  const starts = await admin.fetchTopicOffsetsByTimestamp(SHOW_TOPICS.shopper, fromMs);
  await admin.setOffsets({ groupId, topic: SHOW_TOPICS.shopper, partitions: starts });
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topic: SHOW_TOPICS.shopper });
  const startedAt = Date.now();
  let first: FirstEvents | null = null;
  let count = 0;
  const done = new Promise<Run>((resolve) => {
    void consumer.run({
      autoCommit: true,
      eachBatch: async ({ batch }) => {
        count += batch.messages.length;
        first ??= firstEvents(count);
        if (count >= N) resolve(run(startedAt, first));
      },
    });
  });
  const result = await done;
  await consumer.disconnect();
  return result;
}

async function pipeline(kafka: Kafka, showId: string, fromMs: number) {
  const p = new ShowPipeline(kafka, {
    instanceId: 'bench',
    replayFromMs: fromMs,
    clockSlackMs: 0,
    showIds: [showId],
  });
  const startedAt = Date.now();
  let first: FirstEvents | null = null;
  await p.start();
  let processed = 0;
  while (processed < N) {
    await new Promise((r) => setTimeout(r, 5));
    processed = p.status().processed;
    if (processed > 0) first ??= firstEvents(processed);
  }
  const measured = run(startedAt, first!);
  // Snapshots are coalesced (at most one per 100 ms): wait for the one with every event.
  await new Promise((r) => setTimeout(r, 500));
  const snapshot = p.snapshot(showId)!;
  await p.stop();
  return {
    ...measured,
    accepted: snapshot.events.accepted,
    orders: snapshot.orders.count,
  };
}

async function main(): Promise<void> {
  // A fresh broker each run, so the topics hold exactly this run's events.
  await stopLocalKafka(BROKER.name);
  rmSync(kafkaDataDir(BROKER.name), { recursive: true, force: true });
  const broker = await startLocalKafka(BROKER, log);
  brokerPid = broker.pid;
  const kafka = new Kafka({ clientId: 'bench-ingest', brokers: broker.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await ensureShowTopics(admin);
  await admin.disconnect();

  const showId = `bench-${randomUUID().slice(0, 8)}`;
  const t0 = Date.now() - 16 * 60_000;
  await produceShow(kafka, showId, t0);

  const result: Record<string, unknown> = {
    bench: 'ingest',
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
    events: N,
  };
  const rounds: Record<string, unknown>[] = [];
  for (let r = 0; r < Number(values.rounds); r++) {
    const round: Record<string, unknown> = { loadAverageAtStart: os.loadavg()[0] };
    if (values.only !== 'pipeline') {
      log(`round ${r + 1}: bare kafkajs consumer…`);
      round.bare = await bareConsumer(kafka, t0);
    }
    if (values.only !== 'bare') {
      log(`round ${r + 1}: ShowPipeline…`);
      round.pipeline = await pipeline(kafka, showId, t0);
    }
    round.loadAverageAtEnd = os.loadavg()[0];
    const bare = round.bare as Run | undefined;
    const pipe = round.pipeline as Run | undefined;
    if (bare && pipe) {
      const ratio = pipe.eventsPerSecond / bare.eventsPerSecond;
      round.ratio = Math.round(ratio * 100) / 100;
      round.goals = { atLeast50k: pipe.eventsPerSecond >= 50_000, atLeast08xBare: ratio >= 0.8 };
    }
    rounds.push(round);
  }
  result.rounds = rounds;
  console.log(JSON.stringify(result, null, 2));
  if (!values.keep) await stopLocalKafka(BROKER.name);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
