// The studio against a broker that demands SASL/PLAIN: wrong credentials are reported as
// such, right ones connect, and a rehearsal's simulated shoppers (a separate process that
// gets the studio's settings in its environment) reach the dashboard through the same login.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricsState, StudioStatus } from '../../../protocol/contract';
import { KAFKA_ENV } from '../../../protocol/kafka-connection';
import { loadConfig } from '../../../main/studio/config';
import { startStudioServices, type StudioServices } from '../../../main/studio/studio';
import { startLocalKafka, stopLocalKafka } from '../../../scripts/kafka';

// Its own broker, next to the test broker's ports.
const base = Number(process.env.SHOPCAST_KAFKA_PORT ?? 29092) + 100;
const BROKER = { name: 'test-sasl', port: base, controllerPort: base + 1 };
const saslPort = base + 2;
const USER = 'studio';
const PASSWORD = 'rehearse-me';

const running: StudioServices[] = [];

function studioWith(password: string): StudioServices {
  const config = loadConfig({
    SHOPCAST_CONFIG: join(tmpdir(), 'no-such-shopcast-config.json'),
    SHOPCAST_DATA_DIR: mkdtempSync(join(tmpdir(), 'shopcast-sasl-')),
    [KAFKA_ENV.brokers]: `127.0.0.1:${saslPort}`,
    [KAFKA_ENV.saslMechanism]: 'plain',
    [KAFKA_ENV.saslUsername]: USER,
    [KAFKA_ENV.saslPassword]: password,
  });
  const services = startStudioServices(config);
  running.push(services);
  return services;
}

async function call<T>(services: StudioServices, op: string, request: object = {}): Promise<T> {
  const result = (await services.host.call(op as never, request)) as
    { ok: true; response: T } | { ok: false; error: { message: string } };
  if (!result.ok) throw new Error(`${op}: ${result.error.message}`);
  return result.response;
}

beforeAll(async () => {
  await startLocalKafka({ ...BROKER, sasl: { port: saslPort, users: { [USER]: PASSWORD } } });
}, 120_000);

afterAll(async () => {
  for (const services of running) await services.stop();
  await stopLocalKafka(BROKER.name);
}, 60_000);

describe('a Kafka cluster that requires SASL', () => {
  it('reports rejected credentials in the status bar', async () => {
    const studio = studioWith('not-the-password');
    await expect
      .poll(async () => (await call<StudioStatus>(studio, 'getStatus')).kafka, { timeout: 20_000 })
      .toMatchObject({ state: 'disconnected', reason: expect.stringMatching(/rejected the credentials/) });
  });

  it('connects with the right credentials, and a rehearsal reaches the dashboard through them', async () => {
    const studio = studioWith(PASSWORD);
    await expect
      .poll(async () => (await call<StudioStatus>(studio, 'getStatus')).kafka.state, { timeout: 20_000 })
      .toBe('connected');
    await call(studio, 'startRehearsal', { title: 'SASL rehearsal', rate: 200, seed: 3 });
    await expect
      .poll(async () => (await call<MetricsState>(studio, 'getMetrics')).snapshot?.events.accepted ?? 0, {
        timeout: 60_000,
        interval: 500,
      })
      .toBeGreaterThan(100);
    const metrics = await call<MetricsState>(studio, 'getMetrics');
    expect(metrics.rehearsal.state).toBe('running');
    expect(metrics.snapshot?.viewers.unique).toBeGreaterThan(0);
    await call(studio, 'stopRehearsal');
    await call(studio, 'endShow');
  }, 120_000);
});
