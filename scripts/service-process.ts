// Detached local services (the Kafka broker, the SFU) tracked by a pid file in their
// .stack folder, so any process — npm start, the tests — can stop or kill them.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function readPid(dir: string): number | null {
  const pidFile = join(dir, 'service.pid');
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A service that exited while its parent was busy stays a zombie until reaped; it is gone all the same.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): trust kill(0)
  }
}

export function runningPid(dir: string): number | null {
  const pid = readPid(dir);
  return pid && isAlive(pid) ? pid : null;
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolvePort(true);
    });
    socket.once('error', () => resolvePort(false));
  });
}

export function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts a long-running service detached from this process (it outlives `npm run … start`),
 * logging to dir/service.log. Returns the pid and a promise that rejects if it exits.
 */
export function spawnService(
  dir: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { pid: number; logFile: string; exited: Promise<never> } {
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, 'service.log');
  const out = openSync(logFile, 'a');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out], env });
  child.unref();
  if (!child.pid) throw new Error(`Could not start ${command}`);
  writeFileSync(join(dir, 'service.pid'), String(child.pid));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) =>
      reject(
        new Error(
          `${command} exited during start-up (${signal ?? `code ${code}`}). Last log lines:\n${tail(logFile)}`,
        ),
      ),
    ),
  );
  exited.catch(() => {}); // observed by whoever races it
  return { pid: child.pid, logFile, exited };
}

/** SIGTERM, then SIGKILL after the grace period. Returns false if it was not running. */
export async function stopService(dir: string, graceMs = 15_000): Promise<boolean> {
  rmSync(join(dir, 'service.owner'), { force: true });
  const pid = runningPid(dir);
  if (!pid) return false;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await new Promise((r) => setTimeout(r, 50));
  rmSync(join(dir, 'service.pid'), { force: true });
  return true;
}

/** Kills the service at once, as a crash would. */
export function killService(dir: string): boolean {
  const pid = runningPid(dir);
  if (!pid) return false;
  process.kill(pid, 'SIGKILL');
  return true;
}

/** Freezes (SIGSTOP) or thaws (SIGCONT) the service, as a stalled machine or VM would. */
export function signalService(dir: string, signal: 'SIGSTOP' | 'SIGCONT'): boolean {
  const pid = runningPid(dir);
  if (!pid) return false;
  process.kill(pid, signal);
  return true;
}

/** What `start` reports about a service it found or started. */
export interface ServiceStartReport {
  startedHere: boolean;
  pid: number;
  /** Where it serves, e.g. "127.0.0.1:19092". */
  address: string;
}

/**
 * The shared `start | stop | status [--name N] [--port P]` command line of a local service.
 * `port` is the explicit --port, if given.
 */
export async function runServiceCli(
  label: string,
  service: {
    start(name: string, port: number | null, say: (line: string) => void): Promise<ServiceStartReport>;
    stop(name: string): Promise<boolean>;
    dataDir(name: string): string;
    /** A status line of its own (several processes), or null for the pid file's. */
    status?(name: string): string | null;
  },
  defaultName = 'dev',
): Promise<void> {
  const [command = 'status', ...rest] = process.argv.slice(2);
  const flag = (flagName: string) => {
    const index = rest.indexOf(`--${flagName}`);
    return index >= 0 ? rest[index + 1] : undefined;
  };
  const name = flag('name') ?? defaultName;
  const port = flag('port') ? Number(flag('port')) : null;
  const say = (line: string) => console.log(`[${label}] ${line}`);
  try {
    if (command === 'start') {
      const started = Date.now();
      const report = await service.start(name, port, say);
      say(
        `${report.startedHere ? 'ready' : 'already running'} at ${report.address} ` +
          `(pid ${report.pid}, ${Date.now() - started} ms, data ${service.dataDir(name)})`,
      );
    } else if (command === 'stop') {
      say((await service.stop(name)) ? 'stopped' : 'not running');
    } else if (command === 'status') {
      const own = service.status?.(name);
      const pid = runningPid(service.dataDir(name));
      say(own ?? (pid ? `running (pid ${pid})` : 'not running'));
    } else {
      throw new Error(`Unknown command "${command}". Use start, stop or status.`);
    }
  } catch (error) {
    console.error(`[${label}] ${(error as Error).message}`);
    process.exit(1);
  }
}

// --- Owned services -------------------------------------------------------------------
// `npm start` and the test drivers own the services they start: when the owner dies, even
// by SIGKILL, a small guard process stops them, and a later start takes over any it missed.

/** The pid of the process that owns the service in `dir`, or null when nobody does. */
export function ownerOf(dir: string): number | null {
  const file = join(dir, 'service.owner');
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** A running service whose owner died without stopping it. */
export function isOrphaned(dir: string): boolean {
  const owner = ownerOf(dir);
  return runningPid(dir) !== null && owner !== null && !isAlive(owner);
}

/**
 * Makes `owner` (default: this process) the owner of the services in `dirs`, and starts a
 * detached guard that stops them once the owner is gone. The guard leaves on its own when
 * the owner stopped them first (stopService forgets the owner).
 */
export function ownServices(dirs: string[], owner = process.pid): void {
  if (dirs.length === 0) return;
  for (const dir of dirs) writeFileSync(join(dir, 'service.owner'), String(owner));
  const scripts = dirname(fileURLToPath(import.meta.url));
  // From the repo root, where `--import tsx` finds tsx.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(scripts, 'service-guard.ts'), String(owner), ...dirs],
    {
      cwd: resolve(scripts, '..'),
      detached: true,
      stdio: 'ignore',
    },
  );
  child.unref();
}
