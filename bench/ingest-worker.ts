// The pipeline's processing side alone, in-process and without Kafka: 1M simulator events as
// the kafkajs thread gets them (key and value Buffers, in fetch-sized batches) are packed as
// the pipeline packs them and fed to ShowIngest as its worker does. Times each stage, so a
// profile of this harness shows where the worker's time goes. Prints JSON.
//
//   npx tsx bench/ingest-worker.ts [--events 1000000] [--batch 55000] [--rounds 5]
//   node --cpu-prof --cpu-prof-dir=.stack/prof --import tsx bench/ingest-worker.ts
import os from 'node:os';
import { parseArgs } from 'node:util';
import { packBatch, parseBatch, type BatchMessage } from '../main/live-metrics/show-batch';
import { DEFAULT_PARSE_LIMITS } from '../main/live-metrics/show-events';
import { ShowIngest } from '../main/live-metrics/show-ingest';
import { AudienceGenerator } from '../server/audience/generator';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    // An 8 MB fetch of simulator events (≈150 bytes each) is about 55k messages.
    batch: { type: 'string', default: '55000' },
    rounds: { type: 'string', default: '5' },
  },
});
const N = Number(values.events);
const BATCH = Number(values.batch);
const showId = 'bench-show';

function messages(): BatchMessage[][] {
  const generator = new AudienceGenerator({ showId, seed: 7, targetAudience: 20_000 });
  const t0 = Date.now() - 16 * 60_000;
  const key = Buffer.from(showId);
  const batches: BatchMessage[][] = [];
  for (let sent = 0; sent < N; sent += BATCH) {
    const count = Math.min(BATCH, N - sent);
    const from = t0 + Math.floor((sent / N) * 15 * 60_000);
    const to = t0 + Math.floor(((sent + count) / N) * 15 * 60_000);
    // kafkajs hands each message its own key and value Buffers.
    batches.push(
      generator
        .generate(count, from, to)
        .map((e) => ({ key: Buffer.from(key), value: Buffer.from(JSON.stringify(e)) })),
    );
  }
  return batches;
}

const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const rate = (elapsedMs: number) => Math.round((N * 1000) / elapsedMs);

const batches = messages();
const rounds: Record<string, unknown>[] = [];
for (let r = 0; r < Number(values.rounds); r++) {
  let t = process.hrtime.bigint();
  const packed = batches.map((b) => packBatch(b));
  const packMs = ms(t);

  t = process.hrtime.bigint();
  for (const buffer of packed) parseBatch(buffer, DEFAULT_PARSE_LIMITS);
  const parseMs = ms(t);

  // The worker's whole job: parse, dedupe, aggregate, hand back chat (as the studio asks).
  const ingest = new ShowIngest(
    {
      limits: DEFAULT_PARSE_LIMITS,
      aggregator: {},
      showIds: [showId],
      maxShows: 100,
      snapshotIntervalMs: 100,
      headlineIntervalMs: 33,
      eventTypes: ['chat.message'],
    },
    () => {},
  );
  const again = batches.map((b) => packBatch(b));
  t = process.hrtime.bigint();
  const cpuAtStart = cpuMs();
  again.forEach((buffer, i) => ingest.handle({ kind: 'batch', id: i + 1, buffer }));
  const ingestMs = ms(t);
  // With the garbage collector's helper threads (the same process CPU as in the pipeline).
  const ingestCpuMs = cpuMs() - cpuAtStart;
  ingest.stop();
  rounds.push({
    loadAverage: os.loadavg()[0],
    packEventsPerSecond: rate(packMs),
    parseEventsPerSecond: rate(parseMs),
    ingestEventsPerSecond: rate(ingestMs),
    ingestUsPerEvent: Math.round((ingestMs * 1000 * 100) / N) / 100,
    ingestCpuUsPerEvent: Math.round((ingestCpuMs * 1000 * 100) / N) / 100,
  });
  console.error(`[ingest-worker] round ${r + 1}: ${JSON.stringify(rounds.at(-1))}`);
}
console.log(
  JSON.stringify(
    {
      bench: 'ingest-worker',
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
      events: N,
      batch: BATCH,
      rounds,
    },
    null,
    2,
  ),
);
