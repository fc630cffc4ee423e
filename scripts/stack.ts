// The local stack a studio needs: the Kafka broker and the mediasoup SFU,
// started by the repo's own scripts with progress on every step.
//
//   npx tsx scripts/stack.ts up [--name dev]     start everything and leave it running
//   npx tsx scripts/stack.ts down [--name dev]   stop it
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultKafkaOptions, kafkaDataDir, startLocalKafka, stopLocalKafka, type Progress } from './kafka';
import { isOrphaned, ownServices } from './service-process';
import { defaultSfuOptions, sfuDataDir, startLocalSfu, stopLocalSfu } from './sfu';

export interface LocalStack {
  kafkaBrokers: string[];
  sfuUrl: string;
  sfuAdminSecret: string;
  /** The environment a studio (or a test) needs to use this stack. */
  env: Record<string, string>;
  /** Stops what this call started (and nothing a user started themselves); SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts what is missing of the named stack. The calling process owns what it started (and
 * any service a dead owner left behind): they stop when it stops, or dies (see ownServices).
 * `owned: false` leaves them running for good (`npm run stack -- up`).
 */
export async function startLocalStack(
  name: string,
  progress: Progress,
  options: { owned?: boolean } = {},
): Promise<LocalStack> {
  const owned = options.owned ?? true;
  const stoppers: Array<(graceMs?: number) => Promise<unknown>> = [];
  const ownedDirs: string[] = [];
  const adopt = (dir: string, what: string) => {
    if (!owned || !isOrphaned(dir)) return false;
    progress(`${what}: taking over the one a stopped studio left running`);
    return true;
  };
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
    if (kafka.startedHere || adopt(kafkaDataDir(name), 'Kafka')) {
      stoppers.push((graceMs) => stopLocalKafka(name, graceMs));
      ownedDirs.push(kafkaDataDir(name));
    }
  }
  let sfuUrl: string;
  let sfuAdminSecret: string;
  if (process.env.SHOPCAST_SFU_URL && process.env.SHOPCAST_SFU_ADMIN_SECRET) {
    sfuUrl = process.env.SHOPCAST_SFU_URL;
    sfuAdminSecret = process.env.SHOPCAST_SFU_ADMIN_SECRET;
    progress(`SFU: using ${sfuUrl} from SHOPCAST_SFU_URL`);
  } else {
    const started = Date.now();
    try {
      const sfu = await startLocalSfu(defaultSfuOptions(name), (line) => progress(`SFU: ${line}`));
      sfuUrl = sfu.url;
      sfuAdminSecret = sfu.adminSecret;
      progress(
        `SFU: ${sfu.startedHere ? 'ready' : 'already running'} at ${sfu.url} (${Date.now() - started} ms)`,
      );
      if (sfu.startedHere || adopt(sfuDataDir(name), 'SFU')) {
        stoppers.push((graceMs) => stopLocalSfu(name, graceMs));
        ownedDirs.push(sfuDataDir(name));
      }
    } catch (error) {
      for (const stop of stoppers.reverse()) await stop().catch(() => {});
      throw error;
    }
  }
  if (owned) ownServices(ownedDirs);
  return {
    kafkaBrokers,
    sfuUrl,
    sfuAdminSecret,
    env: {
      SHOPCAST_KAFKA_BROKERS: kafkaBrokers.join(','),
      SHOPCAST_SFU_URL: sfuUrl,
      SHOPCAST_SFU_ADMIN_SECRET: sfuAdminSecret,
    },
    async stop(graceMs?: number) {
      await Promise.all(stoppers.map((stop) => stop(graceMs).catch(() => {})));
    },
  };
}

export async function stopLocalStack(name: string): Promise<void> {
  await stopLocalSfu(name);
  await stopLocalKafka(name);
}

async function cli(): Promise<void> {
  const [command = 'up', ...rest] = process.argv.slice(2);
  const nameIndex = rest.indexOf('--name');
  const name = nameIndex >= 0 ? (rest[nameIndex + 1] ?? 'dev') : 'dev';
  const say = (line: string) => console.log(`[stack] ${line}`);
  try {
    if (command === 'up') {
      const stack = await startLocalStack(name, say, { owned: false });
      say(
        `up: ${Object.entries(stack.env)
          .map(([key, value]) => `${key}=${value}`)
          .join(' ')}`,
      );
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
