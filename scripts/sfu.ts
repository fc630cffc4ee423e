// Local mediasoup SFU for development and tests: builds (or finds) the worker, then
// runs server/media/main.ts as a detached service with a persistent admin secret.
//
//   npx tsx scripts/sfu.ts start|stop|status [--name dev]
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureMediasoupWorker } from './build-mediasoup-worker';
import { ensureToxicityModel } from './toxicity-model';
import { defaultKafkaOptions, type Progress } from './kafka';
import {
  killService,
  portOpen,
  runningPid,
  runServiceCli,
  spawnService,
  stopService,
} from './service-process';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface LocalSfuOptions {
  name: string;
  port: number;
  rtcMinPort: number;
  rtcMaxPort: number;
}

export interface LocalSfu {
  /** Signaling URL for SHOPCAST_SFU_URL. */
  url: string;
  httpUrl: string;
  adminSecret: string;
  pid: number;
  startedHere: boolean;
}

export function sfuDataDir(name: string): string {
  return join(repoRoot, '.stack', `sfu-${name}`);
}

export function defaultSfuOptions(name = 'dev'): LocalSfuOptions {
  const port = Number(process.env.SHOPCAST_SFU_PORT ?? (name === 'test' ? 24443 : 4443));
  // Separate RTC port ranges so a dev and a test SFU can run side by side;
  // SHOPCAST_SFU_RTC_PORTS=min-max gives a third one its own.
  const [rtcMinPort, rtcMaxPort] =
    rtcPortRange(process.env.SHOPCAST_SFU_RTC_PORTS) ?? (name === 'test' ? [45000, 49999] : [40000, 44999]);
  return { name, port, rtcMinPort, rtcMaxPort };
}

function rtcPortRange(text: string | undefined): [number, number] | null {
  const match = /^(\d+)-(\d+)$/.exec(text?.trim() ?? '');
  if (!match) return null;
  const [min, max] = [Number(match[1]), Number(match[2])];
  if (min < 1024 || max > 65535 || min >= max) {
    throw new Error(`SHOPCAST_SFU_RTC_PORTS must be min-max within 1024-65535, got "${text}".`);
  }
  return [min, max];
}

function adminSecretFor(dir: string): string {
  const file = join(dir, 'admin-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dir, { recursive: true });
  const secret = randomBytes(24).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

async function waitForHealth(
  httpUrl: string,
  exited: Promise<never> | null,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'not tried';
  while (Date.now() < deadline) {
    try {
      const response = await Promise.race([
        fetch(`${httpUrl}/health`, { signal: AbortSignal.timeout(1000) }),
        ...(exited ? [exited] : []),
      ]);
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      if (exited && (error as Error).message.includes('exited during start-up')) throw error;
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`The SFU at ${httpUrl} did not become healthy within ${timeoutMs} ms: ${last}`);
}

export async function startLocalSfu(
  options: LocalSfuOptions,
  progress: Progress = () => {},
): Promise<LocalSfu> {
  const dir = sfuDataDir(options.name);
  const adminSecret = adminSecretFor(dir);
  const httpUrl = `http://127.0.0.1:${options.port}`;
  const url = `ws://127.0.0.1:${options.port}/signaling`;
  const running = runningPid(dir);
  if (running && (await portOpen(options.port))) {
    await waitForHealth(httpUrl, null);
    return { url, httpUrl, adminSecret, pid: running, startedHere: false };
  }
  if (await portOpen(options.port)) {
    throw new Error(
      `Port ${options.port} is already taken by another program, so the local SFU cannot start there. ` +
        'Stop that program or set SHOPCAST_SFU_PORT to a free port.',
    );
  }
  const workerBin = await ensureMediasoupWorker(progress);
  // The chat gate's classifier; without it the SFU still starts and moderates by rules.
  await ensureToxicityModel(progress).catch((error: unknown) =>
    progress(`Toxicity model unavailable: ${(error as Error).message}`),
  );
  progress(`Starting the SFU on 127.0.0.1:${options.port}…`);
  // node --import tsx keeps the SFU a single process, so killing its pid really kills it.
  const { pid, exited } = spawnService(
    dir,
    process.execPath,
    [
      '--import',
      'tsx',
      join(repoRoot, 'server', 'media', 'main.ts'),
      '--port',
      String(options.port),
      '--rtc-min-port',
      String(options.rtcMinPort),
      '--rtc-max-port',
      String(options.rtcMaxPort),
      '--static',
      `/viewer=${join(repoRoot, 'out', 'viewer')}`,
      // Recordings the studios upload (server/recordings).
      '--recordings-dir',
      join(dir, 'recordings'),
    ],
    {
      ...process.env,
      MEDIASOUP_WORKER_BIN: workerBin,
      SHOPCAST_SFU_ADMIN_SECRET: adminSecret,
      // Shoppers' clicks on the viewer page become Kafka events: the same-named local broker unless told otherwise.
      SHOPCAST_KAFKA_BROKERS:
        process.env.SHOPCAST_KAFKA_BROKERS ?? `127.0.0.1:${defaultKafkaOptions(options.name).port}`,
    },
  );
  await waitForHealth(httpUrl, exited);
  return { url, httpUrl, adminSecret, pid, startedHere: true };
}

export function stopLocalSfu(name: string, graceMs?: number): Promise<boolean> {
  return stopService(sfuDataDir(name), graceMs);
}

export function killLocalSfu(name: string): boolean {
  return killService(sfuDataDir(name));
}

async function cli(): Promise<void> {
  await runServiceCli('sfu', {
    async start(name, port, say) {
      const options = defaultSfuOptions(name);
      if (port) options.port = port;
      const sfu = await startLocalSfu(options, say);
      return { startedHere: sfu.startedHere, pid: sfu.pid, address: sfu.url };
    },
    stop: stopLocalSfu,
    dataDir: sfuDataDir,
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) void cli();
