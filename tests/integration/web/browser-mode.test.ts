// Browser mode end to end at the protocol level: the real services host answers
// contract calls over the token-guarded WebSocket, connected to the real broker.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../main/studio/config';
import { RENDERER_DIR, startBrowserMode, type BrowserMode } from '../../../main/web/browser-mode';

let studio: BrowserMode;

function open(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function nextFrame(ws: WebSocket, match: (frame: Record<string, unknown>) => boolean = () => true) {
  return new Promise<Record<string, unknown>>((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const frame = JSON.parse(String(data));
      if (!match(frame)) return;
      ws.off('message', onMessage);
      resolve(frame);
    };
    ws.on('message', onMessage);
  });
}

beforeAll(async () => {
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
    const build = spawnSync(
      'npx',
      ['vite', 'build', '--logLevel', 'warn', '--config', 'renderer/vite.config.ts'],
      {
        stdio: 'inherit',
      },
    );
    expect(build.status).toBe(0);
  }
  studio = await startBrowserMode(
    loadConfig({
      SHOPCAST_KAFKA_BROKERS: process.env.SHOPCAST_KAFKA_BROKERS,
      SHOPCAST_DATA_DIR: mkdtempSync(join(tmpdir(), 'shopcast-it-')),
    }),
  );
});

afterAll(async () => {
  await studio?.stop();
});

const socketUrl = (token: string) => `${studio.web.origin.replace('http', 'ws')}/studio?token=${token}`;

describe('browser mode services host', () => {
  it('serves the renderer with a strict CSP', async () => {
    const response = await fetch(studio.web.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(await response.text()).toContain('<div id="root">');
  });

  it('refuses requests that name another host (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(studio.web.origin);
      request(
        { host: url.hostname, port: url.port, path: '/', headers: { Host: 'evil.example:80' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      )
        .on('error', reject)
        .end();
    });
    expect(status).toBe(421);
  });

  it('does not serve files outside the renderer folder', async () => {
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json']) {
      const response = await fetch(`${studio.web.origin}${path}`);
      expect(response.status).toBe(404);
    }
  });

  it('answers a contract call over WebSocket with the live Kafka status', async () => {
    const ws = await open(socketUrl(studio.web.token));
    // The gateway probes the broker every second; wait for it to report connected.
    let kafkaState = '';
    for (let attempt = 0; attempt < 20 && kafkaState !== 'connected'; attempt++) {
      const reply = nextFrame(ws, (frame) => frame.kind === 'result');
      ws.send(JSON.stringify({ kind: 'call', id: attempt, op: 'getStatus', request: {} }));
      const frame = (await reply) as { result: { ok: boolean; response: { kafka: { state: string } } } };
      expect(frame.result.ok).toBe(true);
      kafkaState = frame.result.response.kafka.state;
      if (kafkaState !== 'connected') await new Promise((r) => setTimeout(r, 250));
    }
    expect(kafkaState).toBe('connected');
    ws.close();
  });

  it('rejects an invalid request with a clear error, without dropping the connection', async () => {
    const ws = await open(socketUrl(studio.web.token));
    const invalid = nextFrame(ws);
    ws.send(JSON.stringify({ kind: 'call', id: 1, op: 'getStatus', request: { nope: 1 } }));
    expect(await invalid).toMatchObject({
      kind: 'result',
      id: 1,
      result: { ok: false, error: { code: 'invalid-request' } },
    });
    const garbage = nextFrame(ws);
    ws.send('{not json');
    expect(await garbage).toMatchObject({ kind: 'error', error: { code: 'invalid-request' } });
    const unknown = nextFrame(ws);
    ws.send(JSON.stringify({ kind: 'call', id: 2, op: 'formatDisk', request: {} }));
    expect(await unknown).toMatchObject({ result: { ok: false, error: { code: 'unknown-operation' } } });
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });

  it('refuses a connection with a wrong or missing token', async () => {
    await expect(open(socketUrl('wrong-token'))).rejects.toThrow('HTTP 401');
    await expect(open(`${studio.web.origin.replace('http', 'ws')}/studio`)).rejects.toThrow('HTTP 401');
  });

  it('refuses a page from another origin even with the token', async () => {
    await expect(open(socketUrl(studio.web.token), { Origin: 'https://evil.example' })).rejects.toThrow(
      'HTTP 403',
    );
  });
});
