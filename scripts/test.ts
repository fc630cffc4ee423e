// `npm test`: everything, against the real stack. Type check, lint, unit tests, then
// the local test stack (Kafka broker, mediasoup SFU) for integration and e2e tests.
// Ends with one summary line "N passed, N failed".
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDependencyPatches } from './patch-dependencies';
import { ensureConsoleProducerJars, KAFKA_4_VERSION } from './kafka';
import { startLocalStack, type LocalStack } from './stack';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const reports = join(repoRoot, '.stack', 'reports');
const say = (line: string) => console.log(`\n[test] ${line}`);

interface StepResult {
  name: string;
  ok: boolean;
  passed: number;
  failed: number;
  seconds: number;
}

const results: StepResult[] = [];
/** The test stack running now (the interrupt handler stops it). */
let activeStack: LocalStack | null = null;

async function step(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  count?: () => { passed: number; failed: number },
) {
  say(`${name}…`);
  const started = Date.now();
  // Async, so this process keeps reaping the stack services it started while a step runs.
  const status = await new Promise<number | null>((resolve) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: 'inherit', env });
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  const ok = status === 0;
  const tally = count?.() ?? { passed: ok ? 1 : 0, failed: ok ? 0 : 1 };
  // A runner that crashed before writing its report still counts as a failure.
  if (!ok && tally.failed === 0) tally.failed = 1;
  results.push({ name, ok, ...tally, seconds: (Date.now() - started) / 1000 });
}

function vitestCounts(file: string) {
  return () => {
    if (!existsSync(file)) return { passed: 0, failed: 0 };
    const report = JSON.parse(readFileSync(file, 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
    };
    return { passed: report.numPassedTests, failed: report.numFailedTests };
  };
}

function playwrightCounts(file: string) {
  return () => {
    if (!existsSync(file)) return { passed: 0, failed: 0 };
    const report = JSON.parse(readFileSync(file, 'utf8')) as {
      stats: { expected: number; unexpected: number; flaky: number };
    };
    return { passed: report.stats.expected, failed: report.stats.unexpected + report.stats.flaky };
  };
}

function vitest(project: string, env?: NodeJS.ProcessEnv, label = `${project} tests`, extra: string[] = []) {
  const report = join(reports, `${label.replace(/\W+/g, '-')}.json`);
  return step(
    label,
    'npx',
    [
      'vitest',
      'run',
      '--project',
      project,
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
      ...extra,
    ],
    env,
    vitestCounts(report),
  );
}

// The newest Kafka 4.x runs the integration tests too, so a protocol removal is caught the day
// it lands. The cluster drills (minutes of broker kills) run on the default version only.
const DRILLS = 'tests/integration/kafka/cluster-drills.test.ts';

async function integrationOnKafka4(): Promise<void> {
  let stack: LocalStack | null = null;
  process.env.SHOPCAST_KAFKA_VERSION = KAFKA_4_VERSION;
  try {
    say(`Starting the local test stack on Kafka ${KAFKA_4_VERSION}…`);
    stack = activeStack = await startLocalStack('test', (line) => console.log(`[test] ${line}`));
    // The compressed-stream tests write with Kafka's console producer, which 4.x keeps apart.
    ensureConsoleProducerJars((line) => console.log(`[test] ${line}`));
    await vitest(
      'integration',
      { ...process.env, ...stack.env },
      `integration tests (Kafka ${KAFKA_4_VERSION})`,
      ['--exclude', DRILLS],
    );
  } catch (error) {
    console.error(
      `[test] The Kafka ${KAFKA_4_VERSION} test stack did not start: ${(error as Error).message}`,
    );
    results.push({
      name: `Kafka ${KAFKA_4_VERSION} test stack`,
      ok: false,
      passed: 0,
      failed: 1,
      seconds: 0,
    });
  } finally {
    await stack?.stop();
    delete process.env.SHOPCAST_KAFKA_VERSION;
  }
}

async function main(): Promise<void> {
  rmSync(reports, { recursive: true, force: true });
  mkdirSync(reports, { recursive: true });
  const started = Date.now();
  // Before anything loads kafkajs (.npmrc keeps npm from running install steps).
  ensureDependencyPatches((line) => console.log(`[test] ${line}`));

  await step('Type check', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
  await step('Lint', 'npx', ['eslint', '.', '--max-warnings', '0']);
  await step('Formatting', 'npx', ['prettier', '--check', '--log-level', 'warn', '.']);
  await step('Electron shell bundle', 'npx', ['tsx', 'scripts/build-electron.ts']);
  await vitest('unit');

  let stack: LocalStack | null = null;
  const interrupted = () => {
    console.log('\n[test] Interrupted; stopping the test stack…');
    void (activeStack?.stop(3000) ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    say('Starting the local test stack…');
    stack = activeStack = await startLocalStack('test', (line) => console.log(`[test] ${line}`));
    const env = { ...process.env, ...stack.env };
    await vitest('integration', env);
    const e2eReport = join(reports, 'e2e.json');
    await step(
      'End-to-end tests (Chromium)',
      'npx',
      ['playwright', 'test', '-c', 'tests/e2e/playwright.config.ts', '--reporter=list,json'],
      { ...env, PLAYWRIGHT_JSON_OUTPUT_NAME: e2eReport },
      playwrightCounts(e2eReport),
    );
  } catch (error) {
    console.error(`[test] The local test stack did not start: ${(error as Error).message}`);
    results.push({ name: 'Local test stack', ok: false, passed: 0, failed: 1, seconds: 0 });
  } finally {
    await stack?.stop();
  }
  await integrationOnKafka4();

  console.log('\n[test] Summary');
  for (const result of results) {
    const mark = result.ok ? 'ok  ' : 'FAIL';
    console.log(
      `  ${mark} ${result.name.padEnd(30)} ${result.passed} passed, ${result.failed} failed (${result.seconds.toFixed(1)} s)`,
    );
  }
  const passed = results.reduce((sum, result) => sum + result.passed, 0);
  const failed = results.reduce((sum, result) => sum + result.failed, 0);
  console.log(`[test] Total time ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(results.every((result) => result.ok) ? 0 : 1);
}

void main();
