// Local Apache Kafka for development and tests: KRaft nodes (each broker + controller)
// assembled from Maven Central jars and bound to 127.0.0.1. One node by default; a cluster
// of several (e.g. 3, for failover) on request.
//
//   npx tsx scripts/kafka.ts start [--name dev] [--port 19092] [--brokers 3] [--version 4.4.0]
//   npx tsx scripts/kafka.ts stop [--name dev]                   stop cleanly
//   npx tsx scripts/kafka.ts status [--name dev]
//
// Node i of a cluster listens on port + 2(i-1) for clients and the next port for its controller.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import {
  isAlive,
  killService,
  portOpen,
  runningPid,
  runServiceCli,
  signalService,
  spawnService,
  stopService,
  tail,
} from './service-process';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The Kafka the local stack runs unless SHOPCAST_KAFKA_VERSION says otherwise. */
export const KAFKA_VERSION = '3.9.2';
/** The newest 4.x line CI also runs the integration tests against. */
export const KAFKA_4_VERSION = '4.4.0';

/** What each supported version needs: 3.x logs through reload4j (log4j 1), 4.x through log4j2. */
interface KnownVersion {
  logging: 'log4j' | 'log4j2';
  binding: [string, string, string];
  /** Kafka's console producer: its class, and the artifact holding it (4.x moved it out of core). */
  consoleProducer: { artifact: KafkaArtifact; mainClass: string };
}
type KafkaArtifact = 'kafka_2.13' | 'kafka-tools';

const VERSIONS: Record<string, KnownVersion> = {
  '3.9.2': {
    logging: 'log4j',
    binding: ['org.slf4j', 'slf4j-reload4j', '1.7.36'],
    consoleProducer: { artifact: 'kafka_2.13', mainClass: 'kafka.tools.ConsoleProducer' },
  },
  [KAFKA_4_VERSION]: {
    logging: 'log4j2',
    binding: ['org.apache.logging.log4j', 'log4j-slf4j-impl', '2.25.5'],
    consoleProducer: { artifact: 'kafka-tools', mainClass: 'org.apache.kafka.tools.ConsoleProducer' },
  },
};

/** The version to run: SHOPCAST_KAFKA_VERSION, else KAFKA_VERSION. */
export function kafkaVersion(env: NodeJS.ProcessEnv = process.env): string {
  const version = env.SHOPCAST_KAFKA_VERSION?.trim() || KAFKA_VERSION;
  if (!VERSIONS[version]) {
    throw new Error(
      `Kafka ${version} is not one the local stack knows; use one of ${Object.keys(VERSIONS).join(', ')}.`,
    );
  }
  return version;
}
export type Progress = (line: string) => void;

export interface LocalKafkaOptions {
  /** Instance name: its data lives in .stack/kafka-<name>. */
  name: string;
  /** Client port of the first node (node i: port + 2(i-1)). */
  port: number;
  /** Controller port of the first node (node i: controllerPort + 2(i-1)). */
  controllerPort: number;
  /** Number of KRaft nodes, each a broker and a controller (default 1). */
  brokers?: number;
  /** Kafka version (default: kafkaVersion()). */
  version?: string;
  heap?: string;
  /** Partitions for auto-created topics. */
  partitions?: number;
  /** Also listen for SASL/PLAIN clients on this port, with these users (name → password). Single node only. */
  sasl?: { port: number; users: Record<string, string> };
}

/** One node of a local cluster. */
export interface KafkaNode {
  id: number;
  port: number;
  controllerPort: number;
  /** Its folder: service.pid, service.log, server.properties, data/. */
  dir: string;
}

export interface LocalKafka {
  brokers: string[];
  dataDir: string;
  logFile: string;
  /** The first node's pid. */
  pid: number;
  nodes: KafkaNode[];
  version: string;
  /** True when this call started a node (false when all were already running). */
  startedHere: boolean;
}

/** What a cluster was created with, kept beside its nodes so later commands agree. */
interface ClusterLayout {
  version: string;
  clusterId: string;
  options: Omit<LocalKafkaOptions, 'name'>;
}

export function cacheDir(): string {
  return process.env.SHOPCAST_CACHE ?? join(homedir(), '.cache', 'shopcast-studio');
}

/**
 * Where an instance keeps its data. Another version than the default gets its own folder
 * (`kafka-test-4.4.0`), so the same tests can run on either without sharing storage.
 */
export function kafkaDataDir(name: string, version = kafkaVersion()): string {
  return join(repoRoot, '.stack', `kafka-${name}${version === KAFKA_VERSION ? '' : `-${version}`}`);
}

/**
 * Defaults per instance name: the dev broker on 19092, the test broker on 29092 (or
 * SHOPCAST_KAFKA_PORT). A cluster sits 10 ports above, so it runs beside the single broker.
 */
export function defaultKafkaOptions(name = 'dev', brokers = 1): LocalKafkaOptions {
  const base = name === 'test' || name.startsWith('test-') ? 29092 : 19092;
  const port = Number(process.env.SHOPCAST_KAFKA_PORT ?? base) + (brokers > 1 ? 10 : 0);
  return { name, port, controllerPort: port + 1, brokers };
}

/** The nodes of a cluster with these options. */
export function kafkaNodes(options: LocalKafkaOptions): KafkaNode[] {
  const count = options.brokers ?? 1;
  const root = kafkaDataDir(options.name, options.version);
  return Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    port: options.port + 2 * i,
    controllerPort: options.controllerPort + 2 * i,
    // A single node keeps the layout it always had.
    dir: count === 1 ? root : join(root, `node-${i + 1}`),
  }));
}

class MissingToolError extends Error {}

function requireJava(version: string): void {
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
    throw new MissingToolError(`Java 17 or newer is required for Kafka ${version}; found Java ${major}.`);
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

/**
 * Resolves the Kafka jars into the cache (once) and returns the folder holding them: the
 * broker's (kafka_2.13), or another Kafka artifact's with its dependencies, in a folder of its own.
 */
export function ensureKafkaJars(
  progress: Progress = () => {},
  version = kafkaVersion(),
  artifact: KafkaArtifact = 'kafka_2.13',
): string {
  const known = VERSIONS[version];
  if (!known) throw new Error(`Kafka ${version} is not one the local stack knows.`);
  const libs = join(cacheDir(), `kafka-${version}`, artifact === 'kafka_2.13' ? 'libs' : `${artifact}-libs`);
  const marker = join(libs, '.complete');
  if (existsSync(marker)) return libs;
  requireMaven();
  progress(`Fetching Apache Kafka ${version} jars from Maven Central (once)…`);
  rmSync(libs, { recursive: true, force: true });
  mkdirSync(libs, { recursive: true });
  const [groupId, artifactId, bindingVersion] = known.binding;
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
      `-Dkafka.version=${version}`,
      `-Dkafka.artifactId=${artifact}`,
      `-Dbinding.groupId=${groupId}`,
      `-Dbinding.artifactId=${artifactId}`,
      `-Dbinding.version=${bindingVersion}`,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (result.status !== 0) {
    throw new Error(`Maven could not fetch the Kafka jars:\n${result.stdout}\n${result.stderr}`);
  }
  if (!readdirSync(libs).some((file) => file.startsWith(`${artifact}-${version}`))) {
    throw new Error(`Maven finished but ${artifact}-${version}.jar is not in ${libs}`);
  }
  writeFileSync(marker, new Date().toISOString());
  return libs;
}

function serverProperties(options: LocalKafkaOptions, node: KafkaNode, nodes: KafkaNode[]): string {
  const sasl = options.sasl;
  // Replicated internal topics need as many nodes; a single node keeps one copy.
  const replicas = Math.min(3, nodes.length);
  const minIsr = Math.min(2, nodes.length);
  return [
    'process.roles=broker,controller',
    `node.id=${node.id}`,
    `controller.quorum.voters=${nodes.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(',')}`,
    `listeners=PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}${sasl ? `,SASL_PLAINTEXT://127.0.0.1:${sasl.port}` : ''}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${node.port}${sasl ? `,SASL_PLAINTEXT://127.0.0.1:${sasl.port}` : ''}`,
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
    `log.dirs=${join(node.dir, 'data')}`,
    `num.partitions=${options.partitions ?? 3}`,
    `default.replication.factor=${replicas}`,
    `min.insync.replicas=${minIsr}`,
    `offsets.topic.replication.factor=${replicas}`,
    `transaction.state.log.replication.factor=${replicas}`,
    `transaction.state.log.min.isr=${minIsr}`,
    `share.coordinator.state.topic.replication.factor=${replicas}`,
    `share.coordinator.state.topic.min.isr=${minIsr}`,
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

// The same levels for Kafka 4.x, which logs through log4j2.
const log4j2Properties = [
  'status = warn',
  'appender.stdout.type = Console',
  'appender.stdout.name = STDOUT',
  'appender.stdout.layout.type = PatternLayout',
  'appender.stdout.layout.pattern = [%d] %p %m (%c)%n',
  'rootLogger.level = INFO',
  'rootLogger.appenderRef.stdout.ref = STDOUT',
  'logger.kafka.name = kafka',
  'logger.kafka.level = INFO',
  'logger.apache.name = org.apache.kafka',
  'logger.apache.level = WARN',
  'logger.statechange.name = state.change.logger',
  'logger.statechange.level = WARN',
  '',
].join('\n');

/** Writes the node's logging config and returns the JVM flag that points at it. */
function loggingFlags(version: string, dir: string): string[] {
  if (VERSIONS[version]?.logging === 'log4j2') {
    const file = join(dir, 'log4j2.properties');
    writeFileSync(file, log4j2Properties);
    return [`-Dlog4j2.configurationFile=${file}`];
  }
  const file = join(dir, 'log4j.properties');
  writeFileSync(file, log4jProperties);
  return [`-Dlog4j.configuration=file:${file}`];
}

// A console tool logs its errors, and only those, to stderr (where its caller looks for them).
const consoleLog4j2Properties = [
  'appender.stderr.type = Console',
  'appender.stderr.name = STDERR',
  'appender.stderr.target = SYSTEM_ERR',
  'appender.stderr.layout.type = PatternLayout',
  'appender.stderr.layout.pattern = %p %m%n',
  'rootLogger.level = ERROR',
  'rootLogger.appenderRef.stderr.ref = STDERR',
  '',
].join('\n');

/** Logging for a console tool run from `libs`: none on log4j 1 (3.x); errors only on log4j2. */
function consoleLoggingFlags(libs: string): string[] {
  if (!readdirSync(libs).some((file) => file.startsWith('log4j-core-'))) {
    return ['-Dlog4j.configuration=file:/dev/null'];
  }
  const file = join(libs, '..', 'console-log4j2.properties');
  writeFileSync(file, consoleLog4j2Properties);
  return [`-Dlog4j2.configurationFile=${file}`];
}

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

/** Waits until the cluster's metadata lists `count` brokers. */
async function waitForBrokers(brokers: string[], count: number, timeoutMs = 60_000): Promise<void> {
  if (count === 1) return;
  const admin = new Kafka({ clientId: 'shopcast-stack-probe', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    for (const deadline = Date.now() + timeoutMs; ;) {
      const listed = (await admin.describeCluster().catch(() => ({ brokers: [] }))).brokers.length;
      if (listed >= count) return;
      if (Date.now() > deadline)
        throw new Error(`Only ${listed} of ${count} Kafka nodes registered within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await admin.disconnect();
  }
}

function layoutFile(name: string, version?: string): string {
  return join(kafkaDataDir(name, version), 'cluster.json');
}

function readLayout(name: string, version?: string): ClusterLayout | null {
  try {
    return JSON.parse(readFileSync(layoutFile(name, version), 'utf8')) as ClusterLayout;
  } catch {
    return null;
  }
}

/** The layout of an instance: the one on disk, or a new one for these options. */
function layoutFor(options: LocalKafkaOptions): ClusterLayout {
  const { name, ...rest } = options;
  const version = options.version ?? kafkaVersion();
  const count = options.brokers ?? 1;
  if (count > 1 && options.sasl) throw new Error('SASL is set up for a single local node only.');
  const onDisk = readLayout(name, version);
  if (onDisk) {
    const diskCount = onDisk.options.brokers ?? 1;
    if (diskCount !== count || onDisk.version !== version) {
      throw new Error(
        `The local Kafka "${name}" was created as ${diskCount} node(s) of Kafka ${onDisk.version}, not ${count} of ${version}. ` +
          `Delete ${kafkaDataDir(name, version)} or use another --name.`,
      );
    }
    return { ...onDisk, options: { ...rest, brokers: count } };
  }
  // An older single-node folder formatted before cluster.json existed keeps its storage.
  const legacyId = readClusterId(kafkaNodes({ ...options, version })[0]!.dir);
  return {
    version,
    clusterId: legacyId ?? randomBytes(16).toString('base64url'),
    options: { ...rest, brokers: count },
  };
}

function readClusterId(dir: string): string | null {
  try {
    const meta = readFileSync(join(dir, 'data', 'meta.properties'), 'utf8');
    return /^cluster\.id=(.+)$/m.exec(meta)?.[1]?.trim() ?? null;
  } catch {
    return null;
  }
}

/** Formats (first time) and spawns one node; returns its pid and a promise that rejects if it exits. */
function spawnNode(
  layout: ClusterLayout,
  options: LocalKafkaOptions,
  node: KafkaNode,
  nodes: KafkaNode[],
  libs: string,
  progress: Progress,
): { pid: number; exited: Promise<never> } {
  mkdirSync(node.dir, { recursive: true });
  const propsFile = join(node.dir, 'server.properties');
  writeFileSync(propsFile, serverProperties(options, node, nodes));
  const jvmLogging = loggingFlags(layout.version, node.dir);
  if (!existsSync(join(node.dir, 'data', 'meta.properties'))) {
    progress(`Formatting Kafka storage in ${node.dir}…`);
    // `--cluster-id=<id>`: a random id may start with "-", which a separate argument would turn into an option.
    const format = spawnSync(
      'java',
      java(
        libs,
        ['kafka.tools.StorageTool', 'format', `--cluster-id=${layout.clusterId}`, '-c', propsFile],
        jvmLogging,
      ),
      { encoding: 'utf8' },
    );
    if (format.status !== 0)
      throw new Error(`Kafka storage format failed:\n${format.stdout}\n${format.stderr}`);
  }
  const heap = options.heap ?? (nodes.length > 1 ? '384m' : '512m');
  return spawnService(
    node.dir,
    'java',
    java(
      libs,
      ['kafka.Kafka', propsFile],
      [`-Xms${heap}`, `-Xmx${heap}`, '-XX:+UseG1GC', '-Djava.awt.headless=true', ...jvmLogging],
    ),
  );
}

/**
 * Starts the named local Kafka (formatting storage on first use): every node that is not
 * running, then waits until each one serves requests. Nodes already running stay as they are.
 */
export async function startLocalKafka(
  options: LocalKafkaOptions,
  progress: Progress = () => {},
): Promise<LocalKafka> {
  const layout = layoutFor(options);
  const opts = { ...layout.options, name: options.name, version: layout.version };
  const nodes = kafkaNodes(opts);
  const brokers = nodes.map((node) => `127.0.0.1:${node.port}`);
  const toStart: KafkaNode[] = [];
  for (const node of nodes) {
    const running = runningPid(node.dir);
    if (running && (await portOpen(node.port))) continue;
    if (await portOpen(node.port)) {
      throw new Error(
        `Port ${node.port} is already taken by another program, so the local Kafka cannot start there. ` +
          'Stop that program or set SHOPCAST_KAFKA_PORT to a free port.',
      );
    }
    toStart.push(node);
  }
  const result = (startedHere: boolean): LocalKafka => ({
    brokers,
    dataDir: kafkaDataDir(options.name, layout.version),
    logFile: join(nodes[0]!.dir, 'service.log'),
    pid: runningPid(nodes[0]!.dir) ?? 0,
    nodes,
    version: layout.version,
    startedHere,
  });
  if (toStart.length === 0) {
    await waitForKafka(brokers);
    return result(false);
  }
  requireJava(layout.version);
  const libs = ensureKafkaJars(progress, layout.version);
  mkdirSync(kafkaDataDir(options.name, layout.version), { recursive: true });
  writeFileSync(layoutFile(options.name, layout.version), JSON.stringify(layout, null, 2));
  progress(
    nodes.length === 1
      ? `Starting Kafka ${layout.version} on 127.0.0.1:${nodes[0]!.port}…`
      : `Starting ${toStart.length} of ${nodes.length} Kafka ${layout.version} nodes on ${toStart.map((n) => `127.0.0.1:${n.port}`).join(', ')}…`,
  );
  // All at once: a KRaft quorum of several controllers forms only when a majority is up.
  const spawned = toStart.map((node) => spawnNode(layout, opts, node, nodes, libs, progress));
  try {
    await Promise.race([
      Promise.all(toStart.map((node) => waitForKafka([`127.0.0.1:${node.port}`], 90_000))),
      ...spawned.map((s) => s.exited),
    ]);
    // Each node answers once it has registered, but may not have heard of the others yet;
    // a topic created now would get fewer replicas than the cluster has.
    await waitForBrokers(brokers, nodes.length);
  } catch (error) {
    // A cluster half started helps nobody: stop what this call started.
    await Promise.all(toStart.map((node) => stopService(node.dir, 5000)));
    throw error;
  }
  return result(true);
}

/** Starts one node of an existing local cluster again (after a kill or stop) and waits until it serves. */
export async function startKafkaNode(name: string, id: number): Promise<KafkaNode> {
  const layout = readLayout(name);
  if (!layout) throw new Error(`No local Kafka "${name}" to restart a node of.`);
  const opts = { ...layout.options, name };
  const nodes = kafkaNodes(opts);
  const node = nodes.find((n) => n.id === id);
  if (!node) throw new Error(`The local Kafka "${name}" has no node ${id}.`);
  if (runningPid(node.dir)) return node;
  const libs = ensureKafkaJars(() => {}, layout.version);
  const { exited } = spawnNode(layout, opts, node, nodes, libs, () => {});
  await Promise.race([waitForKafka([`127.0.0.1:${node.port}`], 90_000), exited]);
  return node;
}

/** The nodes of a local cluster as created (none if it never was). */
export function localKafkaNodes(name: string): KafkaNode[] {
  const layout = readLayout(name);
  return layout ? kafkaNodes({ ...layout.options, name }) : [];
}

/** The pid of a node, if it runs. */
export function kafkaNodePid(name: string, id: number): number | null {
  const node = localKafkaNodes(name).find((n) => n.id === id);
  return node ? runningPid(node.dir) : null;
}

function nodeDirs(name: string): string[] {
  const nodes = localKafkaNodes(name);
  return nodes.length ? nodes.map((n) => n.dir) : [kafkaDataDir(name)];
}

/** Stops the named local Kafka, every node (SIGTERM, then SIGKILL after the grace period). */
export async function stopLocalKafka(name: string, graceMs = 15_000): Promise<boolean> {
  const stopped = await Promise.all(nodeDirs(name).map((dir) => stopService(dir, graceMs)));
  return stopped.some(Boolean);
}

/** Stops one node of a local cluster cleanly (a rolling restart's first half). */
export function stopKafkaNode(name: string, id: number, graceMs = 15_000): Promise<boolean> {
  const node = localKafkaNodes(name).find((n) => n.id === id);
  return node ? stopService(node.dir, graceMs) : Promise.resolve(false);
}

/** Kills the broker at once, as a crash or power cut would (every node, or the one given). */
export function killLocalKafka(name: string, id?: number): boolean {
  const dirs =
    id === undefined ? nodeDirs(name) : localKafkaNodes(name).flatMap((n) => (n.id === id ? [n.dir] : []));
  return dirs.map((dir) => killService(dir)).some(Boolean);
}

/** Waits until a killed node's process is really gone (its pid reaped). */
export async function waitForNodeExit(name: string, id: number, timeoutMs = 10_000): Promise<void> {
  const node = localKafkaNodes(name).find((n) => n.id === id);
  const pid = node ? Number(readFileSync(join(node.dir, 'service.pid'), 'utf8')) : 0;
  const deadline = Date.now() + timeoutMs;
  while (pid && isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (pid && isAlive(pid))
    throw new Error(
      `Kafka node ${id} (pid ${pid}) is still alive: ${tail(join(node!.dir, 'service.log'), 5)}`,
    );
}

/** Pauses the broker (SIGSTOP) until resumeLocalKafka: it holds its connections and answers nothing. */
export function pauseLocalKafka(name: string): boolean {
  return signalService(kafkaDataDir(name), 'SIGSTOP');
}

export function resumeLocalKafka(name: string): boolean {
  return signalService(kafkaDataDir(name), 'SIGCONT');
}

/** The jars of the version's console producer (fetched once; the broker's own on 3.x). */
export function ensureConsoleProducerJars(progress: Progress = () => {}, version = kafkaVersion()): string {
  return ensureKafkaJars(progress, version, VERSIONS[version]!.consoleProducer.artifact);
}

/**
 * Produces records with Kafka's own Java client (its console producer, from the version's jars):
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
  const { mainClass } = VERSIONS[kafkaVersion()]!.consoleProducer;
  const libs = ensureConsoleProducerJars();
  const input = options.records.map(({ key, value }) => {
    if (/[\t\n]/.test(key + value)) throw new Error('keys and values must have no tabs or newlines');
    return `${key}\t${value}\n`;
  });
  const result = spawnSync(
    'java',
    java(
      libs,
      [
        mainClass,
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
      [...consoleLoggingFlags(libs), '-Xmx256m'],
    ),
    { input: input.join(''), encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  if (result.status !== 0 || /ERROR|Exception/.test(result.stderr)) {
    throw new Error(`The Java producer failed (${result.status}):\n${result.stderr.slice(-2000)}`);
  }
}

async function cli(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (flagName: string) => {
    const index = args.indexOf(`--${flagName}`);
    return index >= 0 ? args[index + 1] : undefined;
  };
  const brokers = Number(flag('brokers') ?? 1);
  if (!Number.isInteger(brokers) || brokers < 1 || brokers > 9) {
    console.error('[kafka] --brokers takes a number from 1 to 9.');
    process.exit(1);
  }
  const version = flag('version');
  // Every later step (data folder, stop, status) follows the chosen version.
  if (version) process.env.SHOPCAST_KAFKA_VERSION = version;
  await runServiceCli(
    'kafka',
    {
      async start(name, port, say) {
        const options = { ...defaultKafkaOptions(name, brokers), ...(version ? { version } : {}) };
        if (port) Object.assign(options, { port, controllerPort: port + 1 });
        const kafka = await startLocalKafka(options, say);
        if (kafka.nodes.length > 1) say(`use it: SHOPCAST_KAFKA_BROKERS=${kafka.brokers.join(',')}`);
        return { startedHere: kafka.startedHere, pid: kafka.pid, address: kafka.brokers.join(',') };
      },
      stop: stopLocalKafka,
      dataDir: kafkaDataDir,
      status(name) {
        const nodes = localKafkaNodes(name);
        if (nodes.length <= 1) return null;
        return nodes
          .map((n) => {
            const pid = runningPid(n.dir);
            return `node ${n.id} 127.0.0.1:${n.port} ${pid ? `running (pid ${pid})` : 'not running'}`;
          })
          .join('; ');
      },
    },
    brokers > 1 ? 'cluster' : 'dev',
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) void cli();
