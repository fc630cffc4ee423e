// Findings 1, 2 and the Host check of issue 12, against the real studio process in browser
// mode: nothing a stranger sends to its port may take it down, and it keeps serving.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_STUDIO_FRAME_BYTES } from '../../../protocol/rpc';
import { MAX_CATALOG_IMPORT_CHARS } from '../../../protocol/contract';
import { rawRequest, startStudioProcess, type StudioProcess } from './processes';

let studio: StudioProcess;

beforeAll(async () => {
  studio = await startStudioProcess();
});

afterAll(async () => {
  await studio?.stop();
});

function openSocket(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${studio.origin.replace('http', 'ws')}/studio?token=${studio.token}`);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function closeCode(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

function call(ws: WebSocket, id: number, op: string, request: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const frame = JSON.parse(String(data));
      if (frame.kind !== 'result' || frame.id !== id) return;
      ws.off('message', onMessage);
      resolve(frame.result);
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ kind: 'call', id, op, request }));
  });
}

/** The process is up, serves the UI and answers a contract call. */
async function expectServing(): Promise<void> {
  expect(studio.alive()).toBe(true);
  expect((await fetch(`${studio.origin}/`)).status).toBe(200);
  const ws = await openSocket();
  expect(await call(ws, 1, 'getStatus', {})).toMatchObject({ ok: true });
  ws.close();
}

const upgrade = (path: string, host: string) =>
  `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

describe('the studio in browser mode under attack', () => {
  it('answers a malformed %-escape with 400 (finding 1: one request killed the studio)', async () => {
    expect((await fetch(`${studio.origin}/%E0%A4%A`)).status).toBe(400);
    expect((await fetch(`${studio.origin}/%E0`)).status).toBe(400);
    await expectServing();
  });

  it('answers a request target that is no valid URL with 400', async () => {
    const host = `127.0.0.1:${studio.port}`;
    expect(await rawRequest(studio.port, `GET //a:99999/ HTTP/1.1\r\nHost: ${host}\r\n\r\n`)).toContain(
      '400',
    );
    expect(await rawRequest(studio.port, upgrade('//a:99999/studio', host))).toContain('400');
    await expectServing();
  });

  it('closes a connection that sends a frame over the limit with 1009 (finding 2)', async () => {
    const ws = await openSocket();
    const closed = closeCode(ws);
    ws.send('x'.repeat(MAX_STUDIO_FRAME_BYTES + 1));
    expect(await closed).toBe(1009);
    await expectServing();
  });

  it('closes a connection that sends text that is not UTF-8 with 1007 (finding 2)', async () => {
    const ws = await openSocket();
    const closed = closeCode(ws);
    ws.send(Buffer.from([0xff, 0xfe, 0xfd, 0xfc]), { binary: false });
    expect(await closed).toBe(1007);
    await expectServing();
  });

  it('answers the largest catalog the contract allows, even as U+FFFD (a Latin-1 file read as UTF-8)', async () => {
    const ws = await openSocket();
    // Three bytes a character as UTF-8: the frame is about 2.3 MB, over the old 1 MiB limit.
    const content = '\uFFFD'.repeat(MAX_CATALOG_IMPORT_CHARS);
    const result = await call(ws, 2, 'importCatalog', { fileName: 'latin1.csv', content });
    expect(result).toMatchObject({ ok: true, response: { imported: 0 } });
    ws.close();
    await expectServing();
  });

  it('refuses a WebSocket upgrade that names another host (DNS rebinding) with 421', async () => {
    const answer = await rawRequest(studio.port, upgrade(`/studio?token=${studio.token}`, 'evil.example'));
    expect(answer).toContain('421');
    await expectServing();
    expect(studio.output()).toContain('misdirected upgrade');
  });
});
