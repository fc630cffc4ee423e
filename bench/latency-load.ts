// The latency benchmark's load: reactions of one show at a steady rate, from a child process
// of its own so that producing never waits behind the studio's event loop (bench/latency.ts
// forks it). Each send goes out as soon as it is built, several in flight over a few
// producers, so one slow acknowledgement does not hold the next events back. Reports the
// timestamps of the events produced after the warm-up (for the latencies) over IPC.
// (Building the messages is done in the loop, so an event's timestamp is when it was built.)
//
//   process.argv: brokers (comma-separated), showId, rate (events/s), seconds, warm-up ms
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { SHOW_TOPICS, type ShowEvent } from '../protocol/events';

const [brokers, showId, rateArg, secondsArg, warmupArg] = process.argv.slice(2);
const RATE = Number(rateArg);
const SECONDS = Number(secondsArg);
const WARMUP_MS = Number(warmupArg);
const PRODUCERS = 3;
/** Sends not yet acknowledged, per producer, before the load waits for the oldest. */
const IN_FLIGHT = 8;
const TICK_MS = 5;
/**
 * Messages per send. kafkajs groups a send's messages by partition in time that grows with
 * the square of their number, so a load that fell behind and sent its backlog at once would
 * fall further behind.
 */
const SEND_SIZE = 500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LoadReport {
  produced: number;
  /** Achieved over the run (the target times the seconds, unless it fell behind). */
  eventsPerSecond: number;
  /** Timestamps of the events after the warm-up, in order. */
  eventTs: number[];
  /** Sends that had to wait for an earlier one (the broker acknowledged too slowly). */
  stalledTicks: number;
  /** Sends the broker refused (their events are missing): the run is void if any. */
  failedSends: string[];
}

async function main(): Promise<void> {
  const kafka = new Kafka({
    clientId: 'bench-latency-load',
    brokers: brokers!.split(','),
    logLevel: logLevel.NOTHING,
  });
  const producers: Producer[] = [];
  for (let i = 0; i < PRODUCERS; i++) {
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    producers.push(producer);
  }
  const inFlight: Promise<unknown>[][] = producers.map(() => []);
  const eventTs: number[] = [];
  let stalledTicks = 0;
  const failedSends: string[] = [];
  let n = 0;
  let turn = 0;
  const started = Date.now();
  while (Date.now() - started < SECONDS * 1000) {
    const tickStart = Date.now();
    let due = Math.floor(((tickStart - started) * RATE) / 1000) - n;
    while (due > 0) {
      const messages = [];
      for (const end = n + Math.min(due, SEND_SIZE); n < end; n++, due--) {
        const ts = Date.now();
        const event: ShowEvent = {
          id: `e${n}`,
          type: 'reaction',
          v: 1,
          showId: showId!,
          ts,
          viewerId: `v${n % 5000}`,
          reaction: 'fire',
        };
        messages.push({ key: showId!, value: JSON.stringify(event), timestamp: String(ts) });
        if (ts - started >= WARMUP_MS) eventTs.push(ts);
      }
      const p = turn++ % PRODUCERS;
      const sends = inFlight[p]!;
      const send: Promise<unknown> = producers[p]!.send({
        topic: SHOW_TOPICS.shopper,
        acks: 1,
        messages,
      }).then(
        () => sends.splice(sends.indexOf(send), 1),
        (error: Error) => {
          sends.splice(sends.indexOf(send), 1);
          failedSends.push(error.message);
        },
      );
      sends.push(send);
      if (sends.length >= IN_FLIGHT) {
        stalledTicks++;
        await sends[0];
      }
    }
    await sleep(Math.max(0, TICK_MS - (Date.now() - tickStart)));
  }
  const loopMs = Date.now() - started;
  await Promise.all(inFlight.flat());
  const report: LoadReport = {
    produced: n,
    eventsPerSecond: Math.round((n * 1000) / loopMs),
    eventTs,
    stalledTicks,
    failedSends,
  };
  await Promise.all(producers.map((p) => p.disconnect()));
  process.send!(report, () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
