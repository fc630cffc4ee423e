// `npm start`: build, bring up the local stack, then launch the Electron studio — or,
// where the Electron binary is not available, the same studio in browser mode.
// `npm run start:web` goes straight to browser mode. Ctrl-C stops everything it started.
// `--no-build` uses the UIs already built in out/ (the security tests start it that way).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../main/studio/config';
import { startBrowserMode } from '../main/web/browser-mode';
import { ensureDependencyPatches } from './patch-dependencies';
import { startLocalStack, type LocalStack } from './stack';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const say = (line: string) => console.log(`[shopcast] ${line}`);

function run(step: string, command: string, args: string[]): void {
  say(`${step}…`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`${step} failed (exit ${result.status ?? result.signal})`);
  say(`${step}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * The Electron binary's path, or null when it cannot be had. The electron package
 * fetches its binary on first use; where its release host is unreachable (as on
 * these machines) that fails, quietly here, and the studio falls back to browser mode.
 */
export function electronBinary(): string | null {
  const probe = "process.stdout.write(require('electron'))";
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    const packageDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const pathFile = join(packageDir, 'path.txt');
    const binary = existsSync(pathFile)
      ? join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim())
      : null;
    return binary && existsSync(binary) ? binary : null;
  }
  say('Looking for the Electron binary (fetched once on first run)…');
  const result = spawnSync(process.execPath, ['-e', probe], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 300_000,
  });
  const binary = result.status === 0 ? result.stdout.trim() : null;
  return binary && existsSync(binary) ? binary : null;
}

async function main(): Promise<void> {
  const webOnly = process.argv.includes('--web');
  const build = !process.argv.includes('--no-build');
  const port = Number(process.env.SHOPCAST_WEB_PORT ?? 0);
  let stack: LocalStack | null = null;
  let electron: ChildProcess | null = null;
  let stopBrowser: (() => Promise<void>) | null = null;
  let stopping = false;

  const shutdown = async (code: number) => {
    if (stopping) {
      say('Stopping now.');
      process.exit(code || 130); // a second Ctrl-C
    }
    stopping = true;
    say('Stopping…');
    // Within seconds whatever state the cluster is in: the studio gets 5 s to stop cleanly,
    // the local brokers and the SFU 3 s each before SIGKILL.
    setTimeout(() => {
      say('Some service did not stop in time; exiting anyway.');
      process.exit(code);
    }, 12_000).unref();
    electron?.kill('SIGTERM');
    await Promise.race([stopBrowser?.(), new Promise((r) => setTimeout(r, 5000))]);
    await stack?.stop(3000);
    say('Stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  // A bug that escapes every handler still must not leave Kafka and the SFU running unowned.
  process.on('uncaughtException', (error) => {
    console.error(`[shopcast] Unexpected error, stopping: ${error.stack ?? error.message}`);
    void shutdown(1);
  });

  try {
    ensureDependencyPatches(say);
    if (build) {
      run('Building the studio UI', 'npx', [
        'vite',
        'build',
        '--logLevel',
        'warn',
        '--config',
        'renderer/vite.config.ts',
      ]);
      run('Building the shopper viewer page', 'npx', [
        'vite',
        'build',
        '--logLevel',
        'warn',
        '--config',
        'server/viewer/vite.config.ts',
      ]);
    }
    // SHOPCAST_STACK_NAME: a stack of its own (.stack/kafka-<name>, .stack/sfu-<name>), for tests.
    stack = await startLocalStack(process.env.SHOPCAST_STACK_NAME ?? 'dev', say);
    const env = { ...process.env, ...stack.env };

    const binary = webOnly ? null : electronBinary();
    if (binary) {
      run('Building the Electron shell', 'npx', ['tsx', 'scripts/build-electron.ts']);
      say('Launching the studio (Electron)…');
      electron = spawn(binary, [join(repoRoot, 'out', 'main', 'electron-main.cjs')], {
        env,
        stdio: 'inherit',
      });
      electron.on('exit', (code) => void shutdown(code ?? 0));
      return;
    }
    if (!webOnly)
      say('The Electron binary is not available on this machine, so the studio runs in browser mode.');
    const browser = await startBrowserMode(loadConfig(env), { port });
    stopBrowser = browser.stop;
    say(`Studio ready in browser mode. Open: ${browser.web.url}`);
    say('Press Ctrl-C to stop.');
  } catch (error) {
    console.error(`[shopcast] ${(error as Error).message}`);
    await shutdown(1);
  }
}

void main();
