// What audience churn costs the SFU (issue 12, finding 5): a show with --viewers viewers
// while --churn of them a second leave and are replaced, for --seconds. Measured for the SFU
// process: its CPU, the viewer-count pushes each viewer gets, and the latency of a probe's
// requests. Two runs, same machine, same load: counts coalesced (the default, 250 ms), and
// counts pushed on every change (viewerCountIntervalMs=0, as before the fix). Prints JSON.
//
//   npx tsx bench/viewer-churn.ts [--viewers 1000] [--churn 20] [--seconds 10]
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { ensureMediasoupWorker } from '../scripts/build-mediasoup-worker';

const flag = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : Number(process.argv[at + 1]) || fallback;
};
const viewers = flag('--viewers', 1000);
const churn = flag('--churn', 20);
const seconds = flag('--seconds', 10);
const repoRoot = resolve(import.meta.dirname, '..');
const log = (line: string) => console.error(`[bench] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))] ??
  NaN;
const round = (value: number) => Math.round(value * 10) / 10;
const ADMIN_SECRET = 'bench-viewer-churn';

/** CPU seconds a process used so far (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s)
}

async function startSfuProcess(intervalMs: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repoRoot, 'server', 'media', 'main.ts'),
      '--port',
      '0',
      '--limits',
      `maxConnectionsPerAddress=0,viewerCountIntervalMs=${intervalMs}`,
    ],
    {
      env: {
        ...process.env,
        MEDIASOUP_WORKER_BIN: await ensureMediasoupWorker(),
        SHOPCAST_SFU_ADMIN_SECRET: ADMIN_SECRET,
        SHOPCAST_KAFKA_BROKERS: '', // signaling cost only: no presence events to Kafka
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  for (let i = 0; i < 300; i++) {
    const url = /listening on (ws:\/\/\S+\/signaling)/.exec(output)?.[1];
    if (url) return { child, url };
    await sleep(100);
  }
  child.kill();
  throw new Error(`the SFU did not start:\n${output}`);
}

/** A signaling client that answers requests in order and counts viewer-count pushes. */
class Client {
  pushes = 0;
  private nextId = 1;
  private readonly waiting = new Map<number, (answer: { ok: boolean; data?: unknown }) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as { type: string; id?: number; ok: boolean; method?: string };
      if (message.type === 'notification' && message.method === 'viewerCount') this.pushes += 1;
      else if (typeof message.id === 'number') this.waiting.get(message.id)?.(message);
    });
  }

  static connect(url: string): Promise<Client> {
    return new Promise((resolveClient, reject) => {
      const socket = new WebSocket(url);
      socket.once('open', () => resolveClient(new Client(socket)));
      socket.once('error', reject);
    });
  }

  request(method: string, data: unknown): Promise<{ ok: boolean; data?: unknown }> {
    const id = this.nextId++;
    return new Promise((resolveAnswer) => {
      this.waiting.set(id, resolveAnswer);
      this.socket.send(JSON.stringify({ id, method, data }));
    });
  }

  close(): void {
    this.socket.close();
  }
}

async function run(intervalMs: number) {
  const { child, url } = await startSfuProcess(intervalMs);
  try {
    // The probe is the studio's admin connection: signed in with the secret, so never idle-closed early.
    const admin = await Client.connect(url);
    const opened = await admin.request('openShow', { showId: 'churn', adminSecret: ADMIN_SECRET });
    const tokens = opened.data as { viewerToken: string };
    const join = async () => {
      const client = await Client.connect(url);
      await client.request('join', { showId: 'churn', token: tokens.viewerToken });
      return client;
    };
    const audience: Client[] = [];
    for (let i = 0; i < viewers; i += 50)
      audience.push(...(await Promise.all(Array.from({ length: Math.min(50, viewers - i) }, join))));
    log(`${intervalMs} ms: ${audience.length} viewers in; churning ${churn}/s for ${seconds} s`);
    await sleep(1000);
    const watcher = audience[0]!;
    const pushesBefore = watcher.pushes;
    const cpuBefore = cpuSeconds(child.pid!);
    const started = performance.now();

    const probeMs: number[] = [];
    const probing = (async () => {
      while (performance.now() - started < seconds * 1000) {
        const sent = performance.now();
        await admin.request('getRouterRtpCapabilities', {});
        probeMs.push(performance.now() - sent);
        await sleep(100);
      }
    })();
    let replaced = 0;
    while (performance.now() - started < seconds * 1000) {
      // Never the watcher: it stays to count what every viewer receives.
      const leaving = audience.splice(1 + Math.floor(Math.random() * (audience.length - 1)), 1)[0]!;
      leaving.close();
      audience.push(await join());
      replaced += 1;
      const due = started + (replaced * 1000) / churn;
      await sleep(Math.max(0, due - performance.now()));
    }
    await probing;
    const elapsed = (performance.now() - started) / 1000;
    const result = {
      viewerCountIntervalMs: intervalMs,
      joinsAndLeavesPerSecond: round((replaced * 2) / elapsed),
      sfuCpuPercentOfOneCore: round(((cpuSeconds(child.pid!) - cpuBefore) / elapsed) * 100),
      viewerCountPushesPerViewerPerSecond: round((watcher.pushes - pushesBefore) / elapsed),
      probeMs: {
        median: round(percentile(probeMs, 50)),
        p99: round(percentile(probeMs, 99)),
        max: round(Math.max(...probeMs)),
      },
    };
    log(JSON.stringify(result));
    for (const client of audience) client.close();
    admin.close();
    return result;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolveExit) => child.once('exit', resolveExit));
  }
}

const coalesced = await run(250);
const everyChange = await run(0);
console.log(
  JSON.stringify(
    {
      bench: 'viewer-churn',
      date: new Date().toISOString(),
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
      loadAverage: loadavg().map(round),
      viewers,
      seconds,
      runs: { coalesced, everyChange },
    },
    null,
    2,
  ),
);
