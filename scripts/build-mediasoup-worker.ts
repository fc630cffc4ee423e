// Builds the mediasoup 3.8.4 C++ worker from the npm tarball, which bundles all
// of its C++ dependencies (current releases download them, which cannot happen
// here). Two small source patches make it build with Python 3.11 and current glibc.
//
//   npx tsx scripts/build-mediasoup-worker.ts      # progress on stderr, the worker path on stdout
//
// The result is cached in ${SHOPCAST_CACHE:-$HOME/.cache/shopcast-studio}/mediasoup-3.8.4/.
import { spawn, execFileSync } from 'node:child_process';
import {
  accessSync,
  constants,
  copyFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const VERSION = '3.8.4';

type Progress = (line: string) => void;

interface SourcePatch {
  /** Path inside the extracted package. */
  file: string;
  from: string;
  to: string;
  why: string;
}

const PATCHES: SourcePatch[] = [
  {
    file: 'worker/deps/gyp/pylib/gyp/common.py',
    from: 'class OrderedSet(collections.MutableSet):',
    to: 'class OrderedSet(collections.abc.MutableSet):',
    why: 'collections.MutableSet was removed in Python 3.10',
  },
  {
    file: 'worker/deps/libwebrtc/deps/abseil-cpp/abseil-cpp/absl/debugging/failure_signal_handler.cc',
    from: 'std::max(SIGSTKSZ, 65536)',
    to: 'std::max<long>(SIGSTKSZ, 65536)',
    why: 'SIGSTKSZ is no longer a constant int in current glibc',
  },
];

export function cacheRoot(): string {
  return process.env.SHOPCAST_CACHE || join(homedir(), '.cache', 'shopcast-studio');
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Applies a patch unless already applied; throws if the source no longer matches. */
export function applyPatch(packageDir: string, patch: SourcePatch): 'applied' | 'already' {
  const path = join(packageDir, patch.file);
  if (!existsSync(path)) throw new Error(`patch target not found: ${path} (${patch.why})`);
  const source = readFileSync(path, 'utf8');
  if (source.includes(patch.to)) return 'already';
  if (!source.includes(patch.from)) {
    throw new Error(`patch target text not found in ${path}: "${patch.from}" (${patch.why})`);
  }
  writeFileSync(path, source.split(patch.from).join(patch.to));
  return 'applied';
}

function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; log: string; onLine?: Progress },
): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const log = createWriteStream(opts.log, { flags: 'a' });
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pending = '';
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      if (!opts.onLine) return;
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) opts.onLine(line);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      log.end();
      if (code === 0) resolvePromise();
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}; see ${opts.log}`));
    });
  });
}

function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One build at a time per cache dir (CI setup and `npm start` may race). */
async function withBuildLock<T>(dir: string, onProgress: Progress, body: () => Promise<T>): Promise<T> {
  const lock = join(dir, 'build.lock');
  let waitingSince = 0;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSafe(join(lock, 'pid')));
      if (owner && !processAlive(owner)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!waitingSince) {
        waitingSince = Date.now();
        onProgress(`another process (pid ${owner || '?'}) is building the worker; waiting`);
      }
      // A lock without a pid file for a minute is left over from a crash.
      if (!owner && Date.now() - waitingSince > 60_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    return await body();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * Returns the path of a runnable mediasoup-worker, building it if needed.
 * Honours MEDIASOUP_WORKER_BIN when it points to an executable.
 */
export async function ensureMediasoupWorker(
  onProgress: Progress = (line) => console.log(`[mediasoup-worker] ${line}`),
): Promise<string> {
  const fromEnv = process.env.MEDIASOUP_WORKER_BIN;
  if (fromEnv) {
    if (isExecutable(fromEnv)) {
      onProgress(`using MEDIASOUP_WORKER_BIN=${fromEnv}`);
      return resolve(fromEnv);
    }
    onProgress(`MEDIASOUP_WORKER_BIN=${fromEnv} is not an executable; building our own`);
  }

  const dir = join(cacheRoot(), `mediasoup-${VERSION}`);
  const cachedBin = join(dir, 'mediasoup-worker');
  if (isExecutable(cachedBin)) {
    onProgress(`cached worker: ${cachedBin}`);
    return cachedBin;
  }
  mkdirSync(dir, { recursive: true });

  return withBuildLock(dir, onProgress, async () => {
    // Someone else may have finished while we waited for the lock.
    if (isExecutable(cachedBin)) return cachedBin;
    const started = Date.now();
    const log = join(dir, 'build.log');
    writeFileSync(log, '');

    const tarball = join(dir, `mediasoup-${VERSION}.tgz`);
    if (!existsSync(tarball)) {
      onProgress(`downloading mediasoup@${VERSION} with npm pack`);
      await run('npm', ['pack', `mediasoup@${VERSION}`, '--pack-destination', dir, '--silent'], {
        cwd: dir,
        log,
      });
      if (!existsSync(tarball)) throw new Error(`npm pack did not produce ${tarball}; see ${log}`);
    }

    const packageDir = join(dir, 'package');
    if (!existsSync(join(packageDir, 'worker', 'Makefile'))) {
      onProgress('extracting the tarball (about 11k files)');
      const staging = join(dir, 'extract.tmp');
      rmSync(staging, { recursive: true, force: true });
      mkdirSync(staging);
      execFileSync('tar', ['xzf', tarball, '-C', staging]);
      rmSync(packageDir, { recursive: true, force: true });
      renameSync(join(staging, 'package'), packageDir);
      rmSync(staging, { recursive: true, force: true });
    }

    for (const patch of PATCHES) {
      const result = applyPatch(packageDir, patch);
      onProgress(`patch ${patch.file}: ${result}`);
    }

    onProgress('compiling the worker (about 3 minutes on 2 cores); full output in ' + log);
    // The worker Makefile skips the build entirely when MEDIASOUP_WORKER_BIN is set.
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHON: 'python3', MEDIASOUP_MAX_CORES: '2' };
    delete env.MEDIASOUP_WORKER_BIN;
    let compiled = 0;
    try {
      await run('make', ['-C', 'worker'], {
        cwd: packageDir,
        env,
        log,
        onLine: (line) => {
          if (!/^\s*(CXX|CC)\(/.test(line)) return;
          compiled += 1;
          if (compiled % 50 === 0)
            onProgress(`compiled ${compiled} files (${Math.round((Date.now() - started) / 1000)} s)`);
        },
      });
    } catch (error) {
      onProgress('build failed; last lines of the log:\n' + tail(log, 30));
      throw error;
    }

    const built = join(packageDir, 'worker', 'out', 'Release', 'mediasoup-worker');
    if (!isExecutable(built)) throw new Error(`make finished but ${built} is missing; see ${log}`);
    // Copy then rename so a half-written file is never taken for a finished build.
    copyFileSync(built, cachedBin + '.tmp');
    renameSync(cachedBin + '.tmp', cachedBin);
    onProgress(`built ${cachedBin} in ${Math.round((Date.now() - started) / 1000)} s`);
    return cachedBin;
  });
}

// As a command, progress goes to stderr and only the path to stdout, so that
// `export MEDIASOUP_WORKER_BIN=$(npx tsx scripts/build-mediasoup-worker.ts)` works.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureMediasoupWorker((line) => console.error(`[mediasoup-worker] ${line}`))
    .then((bin) => console.log(bin))
    .catch((error: unknown) => {
      console.error(`[mediasoup-worker] ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    });
}
