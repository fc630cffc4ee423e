// Audience simulator, command line:
//   npx tsx server/audience/main.ts --show <id> [--rate 2000] [--seed 7] [--brokers 127.0.0.1:19092]
// TLS and SASL come from the environment like the studio's (SHOPCAST_KAFKA_SSL, _SASL_*).
//       [--catalog assets/catalog/demo-products.json] [--audience N] [--duration SECONDS]
//       [--currency USD] [--host] [--pin-every SECONDS] [--stop-with-stdin]
//   npx tsx server/audience/main.ts --show <id> --backdated-events 1000000 [--hours 2]
//       writes a whole show (studio events included) that ended now, as fast as Kafka takes it
// --currency: shoppers buy only the catalog's products priced in the show's currency.
// --host also plays the studio (show.started, a pin rotation, show.ended) for demos without one.
// --stop-with-stdin stops it when its stdin closes: the studio runs it so, and its death ends it.
// Prints one JSON line of stats a second.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import kafkajs, { Kafka, Partitioners, logLevel } from 'kafkajs';
import { CatalogFile, Product } from '../../protocol/catalog';
import { kafkaConnectionFromEnv, splitBrokers, type KafkaConnection } from '../../protocol/kafka-connection';
import { SHOW_TOPICS, type StudioEvent } from '../../protocol/events';
import { registerKafkaCodecs, type KafkaCodecTable } from '../../protocol/kafka-codecs';
import { topicSettingsFromEnv } from '../../protocol/show-topics';
import { startAudience } from './audience';
import { writeBackdatedShow } from './backdated';
import { DEFAULT_PRODUCTS, productsInCurrency, type AudienceProduct } from './generator';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** On SIGINT/SIGTERM, the simulator exits within this long whatever the cluster's state. */
const STOP_DEADLINE_MS = 4000;

function loadCatalog(path: string | undefined): AudienceProduct[] {
  const file = path ? resolve(path) : resolve(repoRoot, 'assets/catalog/demo-products.json');
  if (!existsSync(file)) {
    if (path) throw new Error(`catalog not found: ${file}`);
    return DEFAULT_PRODUCTS;
  }
  const catalog = CatalogFile.parse(JSON.parse(readFileSync(file, 'utf8')));
  const products = catalog.products.flatMap((p) => {
    const parsed = Product.safeParse(p);
    return parsed.success ? [parsed.data] : [];
  });
  return products.length ? products : DEFAULT_PRODUCTS;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      show: { type: 'string' },
      rate: { type: 'string', default: '200' },
      seed: { type: 'string', default: '1' },
      brokers: { type: 'string' },
      catalog: { type: 'string' },
      currency: { type: 'string' },
      audience: { type: 'string' },
      duration: { type: 'string' },
      host: { type: 'boolean', default: false },
      'pin-every': { type: 'string', default: '30' },
      'stop-with-stdin': { type: 'boolean', default: false },
      'backdated-events': { type: 'string' },
      hours: { type: 'string', default: '2' },
    },
  });
  if (!values.show) throw new Error('--show <id> is required');
  const showId = values.show;
  const connection = kafkaConnectionFromEnv(process.env, ['127.0.0.1:19092']);
  const brokers = values.brokers ? splitBrokers(values.brokers) : connection.brokers;
  const catalog = productsInCurrency(loadCatalog(values.catalog), values.currency);
  if (values['backdated-events']) {
    const range = await writeBackdatedShow({
      connection: { ...connection, brokers },
      showId,
      events: Number(values['backdated-events']),
      durationMs: Number(values.hours) * 3600_000,
      seed: Number(values.seed),
      catalog,
      onProgress: (sent) => console.log(JSON.stringify({ sent })),
    });
    console.log(JSON.stringify({ final: { showId, ...range } }));
    return;
  }
  const run = await startAudience({
    brokers,
    connection,
    showId,
    rate: Number(values.rate),
    seed: Number(values.seed),
    catalog,
    audience: values.audience ? Number(values.audience) : undefined,
    topics: topicSettingsFromEnv(process.env),
  });

  const host = values.host
    ? await playHost({ ...connection, brokers }, showId, catalog, Number(values['pin-every']) * 1000)
    : null;
  const timer = setInterval(() => console.log(JSON.stringify(run.stats())), 1000);
  let stopping = false;
  const stop = async () => {
    if (stopping) {
      process.exit(130); // a second Ctrl-C: now
    }
    stopping = true;
    clearInterval(timer);
    // Deliver what was generated if the cluster lets us, but exit within seconds whatever its
    // state: final stats say what was sent (kafkajs may keep reconnecting to a dead broker).
    const stopped = Promise.all([run.stop(), host?.stop()]);
    const gaveUp = await Promise.race([
      stopped.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), STOP_DEADLINE_MS)),
    ]);
    console.log(JSON.stringify({ final: run.stats(), ...(gaveUp ? { stoppedBeforeDelivery: true } : {}) }));
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  if (values['stop-with-stdin']) {
    process.stdin.on('end', () => void stop());
    process.stdin.resume();
  }
  if (values.duration) setTimeout(() => void stop(), Number(values.duration) * 1000);
}

/** Stands in for the studio: starts the show, pins each product in turn, ends the show on stop. */
async function playHost(
  connection: KafkaConnection,
  showId: string,
  catalog: AudienceProduct[],
  pinEveryMs: number,
) {
  registerKafkaCodecs(kafkajs.CompressionCodecs as unknown as KafkaCodecTable);
  const kafka = new Kafka({ clientId: 'shopcast-audience-host', ...connection, logLevel: logLevel.ERROR });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  let n = 0;
  const send = (event: Omit<StudioEvent, 'id' | 'v' | 'showId' | 'ts'>) => {
    const ts = Date.now();
    const full = { id: `host-${ts.toString(36)}-${n++}`, v: 1, showId, ts, ...event };
    return producer.send({
      topic: SHOW_TOPICS.studio,
      acks: -1,
      messages: [{ key: showId, value: JSON.stringify(full), timestamp: String(ts) }],
    });
  };
  await send({
    type: 'show.started',
    currency: catalog[0]!.currency,
    title: `Simulated show ${showId}`,
  } as never);
  let i = 0;
  const pinNext = () =>
    send({ type: 'product.pinned', productId: catalog[i++ % catalog.length]!.id } as never);
  await pinNext();
  const timer = setInterval(() => void pinNext(), pinEveryMs);
  return {
    async stop() {
      clearInterval(timer);
      await send({ type: 'show.ended' } as never);
      await producer.disconnect();
    },
  };
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
