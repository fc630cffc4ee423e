// The real processes the security tests attack: the studio as `npm run start:web` starts it,
// and the SFU as `npm run sfu` starts it, each a child process so a crash shows as an exit.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { until } from '../../support/until';
import { ensureMediasoupWorker } from '../../../scripts/build-mediasoup-worker';
import type { SfuLimits } from '../../../server/media/limits';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface ChildService {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  alive(): boolean;
  stop(): Promise<void>;
}

function watch(child: ChildProcess): ChildService {
  let output = '';
  let exited = false;
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exit = new Promise<void>((done) =>
    child.once('exit', () => {
      exited = true;
      done();
    }),
  );
  return {
    child,
    output: () => output,
    alive: () => !exited,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

export function ensureBuilt(config: string, index: string): void {
  if (existsSync(join(repoRoot, index))) return;
  const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn', '--config', config], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error(`building with ${config} failed`);
}

export interface StudioProcess extends ChildService {
  /** http://127.0.0.1:<port> */
  origin: string;
  port: number;
  token: string;
}

/**
 * `npm run start:web`, by default against the running test stack (it then starts no Kafka or
 * SFU of its own); `ownStack` leaves the stack's variables out, so it starts its own.
 */
export async function startStudioProcess(
  env: NodeJS.ProcessEnv = {},
  options: { ownStack?: boolean } = {},
): Promise<StudioProcess> {
  ensureBuilt('renderer/vite.config.ts', 'out/renderer/index.html');
  ensureBuilt('server/viewer/vite.config.ts', 'out/viewer/index.html');
  const inherited = { ...process.env };
  if (options.ownStack) {
    for (const name of ['SHOPCAST_KAFKA_BROKERS', 'SHOPCAST_SFU_URL', 'SHOPCAST_SFU_ADMIN_SECRET'])
      delete inherited[name];
  }
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'scripts', 'start.ts'), '--web', '--no-build'],
    {
      cwd: repoRoot,
      env: {
        ...inherited,
        SHOPCAST_WEB_PORT: '0',
        SHOPCAST_DATA_DIR: mkdtempSync(join(tmpdir(), 'shopcast-security-')),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const service = watch(child);
  const url = await until(
    'the studio to print its URL',
    () => {
      if (!service.alive()) throw new Error(`the studio exited:\n${service.output()}`);
      return /Open: (http:\/\/\S+)/.exec(service.output())?.[1];
    },
    120_000,
  );
  const parsed = new URL(url);
  return {
    ...service,
    origin: parsed.origin,
    port: Number(parsed.port),
    token: parsed.searchParams.get('token') ?? '',
  };
}

/** Sends bytes as they are (no URL normalising) and returns the status line of the answer. */
export function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolveAnswer, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
      if (answer.includes('\r\n')) {
        socket.destroy();
        resolveAnswer(answer.slice(0, answer.indexOf('\r\n')));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolveAnswer(answer.split('\r\n')[0] ?? ''));
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
  });
}

export interface SfuProcess extends ChildService {
  /** ws://127.0.0.1:<port>/signaling */
  url: string;
  httpUrl: string;
  port: number;
  adminSecret: string;
}

/**
 * RTC ports for an SFU of the tests' own: the top 100 of SHOPCAST_SFU_RTC_PORTS when set (the
 * test stack's SFU seldom reaches them; mediasoup skips a port in use), else 39900-39999.
 */
export function testRtcPorts(): [number, number] {
  const match = /^(\d+)-(\d+)$/.exec(process.env.SHOPCAST_SFU_RTC_PORTS ?? '');
  const max = match ? Number(match[2]) : 39999;
  return [Math.max(match ? Number(match[1]) : 0, max - 99), max];
}

/** `server/media/main.ts` as `npm run sfu` runs it, with the limits given, serving the viewer page. */
export async function startSfuProcess(limits: Partial<SfuLimits>): Promise<SfuProcess> {
  ensureBuilt('server/viewer/vite.config.ts', 'out/viewer/index.html');
  const adminSecret = `security-test-${process.pid}`;
  const [rtcMin, rtcMax] = testRtcPorts();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repoRoot, 'server', 'media', 'main.ts'),
      '--port',
      '0',
      '--rtc-min-port',
      String(rtcMin),
      '--rtc-max-port',
      String(rtcMax),
      '--static',
      `/viewer=${join(repoRoot, 'out', 'viewer')}`,
      '--limits',
      Object.entries(limits)
        .map(([name, value]) => `${name}=${value}`)
        .join(','),
    ],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        MEDIASOUP_WORKER_BIN: await ensureMediasoupWorker(),
        SHOPCAST_SFU_ADMIN_SECRET: adminSecret,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const service = watch(child);
  const url = await until(
    'the SFU to listen',
    () => {
      if (!service.alive()) throw new Error(`the SFU exited:\n${service.output()}`);
      return /listening on (ws:\/\/\S+\/signaling)/.exec(service.output())?.[1];
    },
    60_000,
  );
  const port = Number(new URL(url).port);
  return { ...service, url, httpUrl: `http://127.0.0.1:${port}`, port, adminSecret };
}

/** One contract call over the studio's WebSocket, as the UI makes it; resolves to the result. */
export async function studioCall(
  studio: StudioProcess,
  op: string,
  request: unknown,
): Promise<{ ok: boolean; response?: unknown; error?: { code: string; message: string } }> {
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(`${studio.origin.replace('http', 'ws')}/studio?token=${studio.token}`);
  try {
    await new Promise((resolveOpen, reject) => {
      ws.once('open', resolveOpen);
      ws.once('error', reject);
    });
    return await new Promise((resolveResult) => {
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data));
        if (frame.kind === 'result' && frame.id === 1) resolveResult(frame.result);
      });
      ws.send(JSON.stringify({ kind: 'call', id: 1, op, request }));
    });
  } finally {
    ws.close();
  }
}

/** The pids of a process's children whose command line contains `match`. */
export function childPids(parent: number, match: string): number[] {
  const ps = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(parent)], { encoding: 'utf8' });
  return ps.stdout
    .split('\n')
    .filter((line) => line.includes(match))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A killed child not yet reaped by its parent is a zombie: gone all the same.
  const stat = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
  return stat !== '' && !stat.startsWith('Z');
}
