// Runs the SFU on its own:
//   npx tsx server/media/main.ts [--port 4443] [--host 127.0.0.1] [--announced-ip 127.0.0.1]
//        [--rtc-listen-ip 127.0.0.1] [--rtc-min-port 40000] [--rtc-max-port 49999] [--workers 1]
//        [--admin-secret S] [--static /viewer=server/viewer/dist] [--recordings-dir DIR]
//        [--limits maxConnectionsPerAddress=50,preAuthTimeoutMs=10000,…]  (see ./limits.ts)
// Each flag also reads from the environment: SHOPCAST_SFU_PORT, SHOPCAST_SFU_HOST,
// SHOPCAST_SFU_ANNOUNCED_IP, SHOPCAST_SFU_RTC_LISTEN_IP, SHOPCAST_SFU_RTC_MIN_PORT,
// SHOPCAST_SFU_RTC_MAX_PORT, SHOPCAST_SFU_WORKERS, SHOPCAST_SFU_ADMIN_SECRET, SHOPCAST_SFU_LIMITS,
// SHOPCAST_SFU_RECORDINGS_DIR. SHOPCAST_KAFKA_BROKERS (with _SSL and _SASL_* as for the studio) is
// where the viewer page's clicks and chat go. SHOPCAST_TOXICITY_MODEL is the exported classifier
// (default: the setup cache).
// Without an admin secret a random one is generated and printed.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureMediasoupWorker } from '../../scripts/build-mediasoup-worker';
import { parseLimits, type SfuLimits } from './limits';
import { startSfu } from './sfu';
import { kafkaConnectionFromEnv } from '../../protocol/kafka-connection';
import { loadToxicityClassifier } from '../chat/classifier-file';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'announced-ip': { type: 'string' },
    'rtc-listen-ip': { type: 'string' },
    'rtc-min-port': { type: 'string' },
    'rtc-max-port': { type: 'string' },
    workers: { type: 'string' },
    'admin-secret': { type: 'string' },
    static: { type: 'string', multiple: true },
    limits: { type: 'string' },
    'recordings-dir': { type: 'string' },
  },
});

function limits(text: string | undefined): Partial<SfuLimits> {
  try {
    return parseLimits(text);
  } catch (error) {
    console.error(`[sfu] --limits: ${(error as Error).message}`);
    process.exit(2);
  }
}

function integer(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    console.error(`[sfu] --${flag} must be an integer between 0 and 65535, got "${text}"`);
    process.exit(2);
  }
  return value;
}

function staticRoutes(specs: string[] | undefined): Record<string, string> {
  const routes: Record<string, string> = {};
  for (const spec of specs ?? []) {
    const [prefix, dir] = spec.split('=');
    if (!prefix?.startsWith('/') || !dir) {
      console.error(`[sfu] --static expects /prefix=directory, got "${spec}"`);
      process.exit(2);
    }
    routes[prefix] = resolve(dir);
  }
  return routes;
}

const env = process.env;
let adminSecret = values['admin-secret'] ?? env.SHOPCAST_SFU_ADMIN_SECRET ?? '';
if (!adminSecret) {
  adminSecret = randomBytes(18).toString('base64url');
  console.log(`[sfu] no admin secret given; generated SHOPCAST_SFU_ADMIN_SECRET=${adminSecret}`);
}

const sfu = await startSfu({
  port: integer('port', values.port ?? env.SHOPCAST_SFU_PORT, 4443),
  host: values.host ?? env.SHOPCAST_SFU_HOST ?? '127.0.0.1',
  announcedIp: values['announced-ip'] ?? env.SHOPCAST_SFU_ANNOUNCED_IP ?? '127.0.0.1',
  rtcListenIp: values['rtc-listen-ip'] ?? env.SHOPCAST_SFU_RTC_LISTEN_IP ?? '127.0.0.1',
  rtcMinPort: integer('rtc-min-port', values['rtc-min-port'] ?? env.SHOPCAST_SFU_RTC_MIN_PORT, 40000),
  rtcMaxPort: integer('rtc-max-port', values['rtc-max-port'] ?? env.SHOPCAST_SFU_RTC_MAX_PORT, 49999),
  workers: integer('workers', values.workers ?? env.SHOPCAST_SFU_WORKERS, 1) || 1,
  adminSecret,
  workerBin: await ensureMediasoupWorker(),
  staticRoutes: staticRoutes(values.static),
  limits: limits(values.limits ?? env.SHOPCAST_SFU_LIMITS),
  kafka: kafkaConnectionFromEnv(env),
  classifier: loadToxicityClassifier(env, (line) => console.log(`[sfu] ${line}`)),
  ...((values['recordings-dir'] ?? env.SHOPCAST_SFU_RECORDINGS_DIR)
    ? { recordingsDir: resolve((values['recordings-dir'] ?? env.SHOPCAST_SFU_RECORDINGS_DIR)!) }
    : {}),
}).catch((error: unknown) => {
  console.error(`[sfu] could not start: ${(error as Error).message}`);
  process.exit(1);
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`[sfu] ${signal}: shutting down`);
    // A hung close must not keep the process around forever.
    setTimeout(() => process.exit(1), 5000).unref();
    void sfu.close().then(() => process.exit(0));
  });
}
