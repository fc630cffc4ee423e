// Local Apache Kafka for development and tests: a single KRaft node (broker +
// controller) assembled from Maven Central jars and bound to 127.0.0.1.
//
//   npx tsx scripts/kafka.ts start [--name dev] [--port 19092]   start and wait until ready
//   npx tsx scripts/kafka.ts stop [--name dev]                   stop cleanly
//   npx tsx scripts/kafka.ts status [--name dev]
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import {
  killService,
  portOpen,
  runningPid,
  runServiceCli,
  signalService,
  spawnService,
  stopService,
} from './service-process';

export const KAFKA_VERSION = '3.9.2';
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export type Progress = (line: string) => void;

export interface LocalKafkaOptions {
  /** Instance name: its data lives in .stack/kafka-<name>. */
  name: string;
  port: number;
  controllerPort: number;
  heap?: string;
  /** Partitions for auto-created topics. */
  partitions?: number;
  /** Also listen for SASL/PLAIN clients on this port, with these users (name → password). */
  sasl?: { port: number; users: Record<string, string> };
}

export interface LocalKafka {
  brokers: string[];
  dataDir: string;
  logFile: string;
  pid: number;
  /** True when this call started the broker (false when one was already running). */
  startedHere: boolean;
}

export function cacheDir(): string {
  return process.env.SHOPCAST_CACHE ?? join(homedir(), '.cache', 'shopcast-studio');
}

export function kafkaDataDir(name: string): string {
  return join(repoRoot, '.stack', `kafka-${name}`);
}

export function defaultKafkaOptions(name = 'dev'): LocalKafkaOptions {
  const base = name === 'test' ? 29092 : 19092;
  const port = Number(process.env.SHOPCAST_KAFKA_PORT ?? base);
  return { name, port, controllerPort: port + 1 };
}

class MissingToolError extends Error {}

function requireJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new MissingToolError(
      'Java 17 or newer is required for the local Kafka broker, but `java` was not found. ' +
        'Install it (Debian/Ubuntu: `apt-get install -y openjdk-17-jre-headless`) or point the studio at your own cluster with SHOPCAST_KAFKA_BROKERS.',
    );
  }
  const match = /version "(\d+)/.exec(result.stderr + result.stdout);
  const major = match ? Number(match[1]) : 0;
  if (major < 17) {
    throw new MissingToolError(
      `Java 17 or newer is required for Kafka ${KAFKA_VERSION}; found Java ${major}.`,
    );
  }
}

function requireMaven(): void {
  const result = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new MissingToolError(
      'Maven is required once, to fetch the Kafka jars from Maven Central, but `mvn` was not found. ' +
        'Install it (Debian/Ubuntu: `apt-get install -y maven`).',
    );
  }
}

/** Resolves the Kafka jars into the cache (once) and returns the folder holding them. */
export function ensureKafkaJars(progress: Progress = () => {}): string {
  const libs = join(cacheDir(), `kafka-${KAFKA_VERSION}`, 'libs');
  const marker = join(libs, '.complete');
  if (existsSync(marker)) return libs;
  requireMaven();
  progress(`Fetching Apache Kafka ${KAFKA_VERSION} jars from Maven Central (once)…`);
  rmSync(libs, { recursive: true, force: true });
  mkdirSync(libs, { recursive: true });
  const result = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      join(repoRoot, 'scripts', 'kafka-jars', 'pom.xml'),
      'dependency:copy-dependencies',
      `-DoutputDirectory=${libs}`,
      '-DincludeScope=runtime',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (result.status !== 0) {
    throw new Error(`Maven could not fetch the Kafka jars:\n${result.stdout}\n${result.stderr}`);
  }
  if (!readdirSync(libs).some((file) => file.startsWith(`kafka_2.13-${KAFKA_VERSION}`))) {
    throw new Error(`Maven finished but kafka_2.13-${KAFKA_VERSION}.jar is not in ${libs}`);
  }
  writeFileSync(marker, new Date().toISOString());
  return libs;
}

function serverProperties(options: LocalKafkaOptions, dataDir: string): string {
  const sasl = options.sasl;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${options.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${options.port},CONTROLLER://127.0.0.1:${options.controllerPort}${sasl ? `,SASL_PLAINTEXT://127.0.0.1:${sasl.port}` : ''}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${options.port}${sasl ? `,SASL_PLAINTEXT://127.0.0.1:${sasl.port}` : ''}`,
    'controller.listener.names=CONTROLLER',
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${sasl ? ',SASL_PLAINTEXT:SASL_PLAINTEXT' : ''}`,
    ...(sasl
      ? [
          'sasl.enabled.mechanisms=PLAIN',
          `listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ${Object.entries(
            sasl.users,
          )
            .map(([user, password]) => `user_${user}="${password}"`)
            .join(' ')};`,
        ]
      : []),
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${join(dataDir, 'data')}`,
    `num.partitions=${options.partitions ?? 3}`,
    // Single node: internal topics cannot have more than one replica.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    // New consumer groups start at once instead of waiting 3 s for more members.
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=true',
    'log.retention.hours=168',
    '',
  ].join('\n');
}

const log4jProperties = [
  'log4j.rootLogger=INFO, stdout',
  'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
  'log4j.logger.kafka=INFO',
  'log4j.logger.org.apache.kafka=WARN',
  'log4j.logger.state.change.logger=WARN',
  '',
].join('\n');

function java(libs: string, args: string[], extraJvm: string[] = []): string[] {
  return [...extraJvm, '-cp', join(libs, '*'), ...args];
}

/** Waits until a kafkajs admin client can list topics (the broker really serves requests). */
export async function waitForKafka(brokers: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'not tried';
  while (Date.now() < deadline) {
    const admin = new Kafka({
      clientId: 'shopcast-stack-probe',
      brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1000,
      retry: { retries: 0 },
    }).admin();
    try {
      await admin.connect();
      await admin.listTopics();
      await admin.disconnect();
      return;
    } catch (error) {
      lastError = (error as Error).message;
      await admin.disconnect().catch(() => {});
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  throw new Error(`Kafka at ${brokers.join(',')} did not become ready within ${timeoutMs} ms: ${lastError}`);
}

/**
 * Starts the named local broker (formatting its storage on first use) and waits until
 * it serves requests. If it is already running, returns it as is.
 */
export async function startLocalKafka(
  options: LocalKafkaOptions,
  progress: Progress = () => {},
): Promise<LocalKafka> {
  const dataDir = kafkaDataDir(options.name);
  const logFile = join(dataDir, 'service.log');
  const brokers = [`127.0.0.1:${options.port}`];
  const running = runningPid(dataDir);
  if (running && (await portOpen(options.port))) {
    await waitForKafka(brokers);
    return { brokers, dataDir, logFile, pid: running, startedHere: false };
  }
  if (await portOpen(options.port)) {
    throw new Error(
      `Port ${options.port} is already taken by another program, so the local Kafka cannot start there. ` +
        'Stop that program or set SHOPCAST_KAFKA_PORT to a free port.',
    );
  }
  requireJava();
  const libs = ensureKafkaJars(progress);
  mkdirSync(dataDir, { recursive: true });
  const propsFile = join(dataDir, 'server.properties');
  const log4jFile = join(dataDir, 'log4j.properties');
  writeFileSync(propsFile, serverProperties(options, dataDir));
  writeFileSync(log4jFile, log4jProperties);
  const jvmLogging = [`-Dlog4j.configuration=file:${log4jFile}`];

  if (!existsSync(join(dataDir, 'data', 'meta.properties'))) {
    progress(`Formatting Kafka storage in ${dataDir}…`);
    const clusterId = randomBytes(16).toString('base64url');
    // `--cluster-id=<id>`: a random id may start with "-", which a separate argument would turn into an option.
    const format = spawnSync(
      'java',
      java(
        libs,
        ['kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', propsFile],
        jvmLogging,
      ),
      { encoding: 'utf8' },
    );
    if (format.status !== 0)
      throw new Error(`Kafka storage format failed:\n${format.stdout}\n${format.stderr}`);
  }

  progress(`Starting Kafka ${KAFKA_VERSION} on 127.0.0.1:${options.port}…`);
  const heap = options.heap ?? '512m';
  const { pid, exited } = spawnService(
    dataDir,
    'java',
    java(
      libs,
      ['kafka.Kafka', propsFile],
      [`-Xms${heap}`, `-Xmx${heap}`, '-XX:+UseG1GC', '-Djava.awt.headless=true', ...jvmLogging],
    ),
  );
  await Promise.race([waitForKafka(brokers), exited]);
  return { brokers, dataDir, logFile, pid, startedHere: true };
}

/** Stops the named local broker (SIGTERM, then SIGKILL after the grace period). */
export function stopLocalKafka(name: string, graceMs = 15_000): Promise<boolean> {
  return stopService(kafkaDataDir(name), graceMs);
}

/** Kills the broker at once, as a crash or power cut would. */
export function killLocalKafka(name: string): boolean {
  return killService(kafkaDataDir(name));
}

/** Pauses the broker (SIGSTOP) until resumeLocalKafka: it holds its connections and answers nothing. */
export function pauseLocalKafka(name: string): boolean {
  return signalService(kafkaDataDir(name), 'SIGSTOP');
}

export function resumeLocalKafka(name: string): boolean {
  return signalService(kafkaDataDir(name), 'SIGCONT');
}

/**
 * Produces records with Kafka's own Java client (the console producer in the broker's jars):
 * a producer independent of kafkajs, e.g. to write batches compressed as the JVM does.
 * Keys and values are single lines of text without tabs; the records share one request per
 * `lingerMs` window, so several of them land in one compressed batch.
 */
export function produceWithJavaClient(options: {
  brokers: string[];
  topic: string;
  records: { key: string; value: string }[];
  compression: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  lingerMs?: number;
  /** Larger values need a larger request (the default allows 1 MiB). */
  maxRequestBytes?: number;
}): void {
  const libs = ensureKafkaJars();
  const input = options.records.map(({ key, value }) => {
    if (/[\t\n]/.test(key + value)) throw new Error('keys and values must have no tabs or newlines');
    return `${key}\t${value}\n`;
  });
  const result = spawnSync(
    'java',
    java(
      libs,
      [
        'kafka.tools.ConsoleProducer',
        '--bootstrap-server',
        options.brokers.join(','),
        '--topic',
        options.topic,
        '--compression-codec',
        options.compression,
        '--property',
        'parse.key=true',
        '--request-required-acks',
        'all',
        '--producer-property',
        `linger.ms=${options.lingerMs ?? 200}`,
        '--producer-property',
        `max.request.size=${options.maxRequestBytes ?? 1_048_576}`,
        '--producer-property',
        'batch.size=1048576',
      ],
      ['-Dlog4j.configuration=file:/dev/null', '-Xmx256m'],
    ),
    { input: input.join(''), encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  if (result.status !== 0 || /ERROR|Exception/.test(result.stderr)) {
    throw new Error(`The Java producer failed (${result.status}):\n${result.stderr.slice(-2000)}`);
  }
}

async function cli(): Promise<void> {
  await runServiceCli('kafka', {
    async start(name, port, say) {
      const options = defaultKafkaOptions(name);
      if (port) Object.assign(options, { port, controllerPort: port + 1 });
      const kafka = await startLocalKafka(options, say);
      return { startedHere: kafka.startedHere, pid: kafka.pid, address: kafka.brokers.join(',') };
    },
    stop: stopLocalKafka,
    dataDir: kafkaDataDir,
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) void cli();
