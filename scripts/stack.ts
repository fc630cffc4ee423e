// The local stack a studio needs: the Kafka broker (and the SFU once it exists),
// started by the repo's own scripts with progress on every step.
//
//   npx tsx scripts/stack.ts up [--name dev]     start everything and leave it running
//   npx tsx scripts/stack.ts down [--name dev]   stop it
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultKafkaOptions, startLocalKafka, stopLocalKafka, type Progress } from './kafka';

export interface LocalStack {
  kafkaBrokers: string[];
  /** Stops what this call started (and nothing a user started themselves). */
  stop(): Promise<void>;
}

export async function startLocalStack(name: string, progress: Progress): Promise<LocalStack> {
  const stoppers: Array<() => Promise<unknown>> = [];
  let kafkaBrokers: string[];
  if (process.env.SHOPCAST_KAFKA_BROKERS) {
    kafkaBrokers = process.env.SHOPCAST_KAFKA_BROKERS.split(',');
    progress(`Kafka: using ${kafkaBrokers.join(',')} from SHOPCAST_KAFKA_BROKERS`);
  } else {
    const started = Date.now();
    const kafka = await startLocalKafka(defaultKafkaOptions(name), (line) => progress(`Kafka: ${line}`));
    kafkaBrokers = kafka.brokers;
    progress(
      `Kafka: ${kafka.startedHere ? 'ready' : 'already running'} at ${kafka.brokers.join(',')} (${Date.now() - started} ms)`,
    );
    if (kafka.startedHere) stoppers.push(() => stopLocalKafka(name));
  }
  return {
    kafkaBrokers,
    async stop() {
      for (const stop of stoppers.reverse()) await stop().catch(() => {});
    },
  };
}

export async function stopLocalStack(name: string): Promise<void> {
  await stopLocalKafka(name);
}

async function cli(): Promise<void> {
  const [command = 'up', ...rest] = process.argv.slice(2);
  const nameIndex = rest.indexOf('--name');
  const name = nameIndex >= 0 ? (rest[nameIndex + 1] ?? 'dev') : 'dev';
  const say = (line: string) => console.log(`[stack] ${line}`);
  try {
    if (command === 'up') {
      const stack = await startLocalStack(name, say);
      say(`up: SHOPCAST_KAFKA_BROKERS=${stack.kafkaBrokers.join(',')}`);
    } else if (command === 'down') {
      await stopLocalStack(name);
      say('down');
    } else {
      throw new Error(`Unknown command "${command}". Use up or down.`);
    }
  } catch (error) {
    console.error(`[stack] ${(error as Error).message}`);
    process.exit(1);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) void cli();
