// Browser-mode transport: the studio contract over a loopback WebSocket, guarded by a
// per-run token. Mirrors the Electron IPC adapter; both dispatch through StudioHost.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
  CallFrame,
  decodeBinaryCall,
  describeIssues,
  MAX_STUDIO_FRAME_BYTES,
  type ServerFrame,
} from '../../protocol/rpc';
import type { StudioHost } from '../studio';
import { Refusals } from './refusals';

export const STUDIO_SOCKET_PATH = '/studio';
// A slow client skips pushes rather than growing memory without bound.
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export function tokensMatch(expected: string, given: string | null): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface WsAdapterOptions {
  token: string;
  /** Origins whose pages may connect (browsers always send Origin; other clients need only the token). */
  allowedOrigins: () => string[];
  /** The Host header names this server (DNS rebinding guard); default: any. */
  isOwnHost?: (host: string | undefined) => boolean;
  refusals?: Refusals;
}

function reject(socket: Duplex, status: number, text: string): void {
  socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

function searchToken(rawUrl: string | undefined): { pathname: string; token: string | null } | null {
  try {
    const url = new URL(rawUrl ?? '/', 'http://placeholder');
    return { pathname: url.pathname, token: url.searchParams.get('token') };
  } catch {
    return null;
  }
}

export function attachWsAdapter(
  server: Server,
  host: StudioHost,
  options: WsAdapterOptions,
): WebSocketServer {
  const refusals = options.refusals ?? new Refusals();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_STUDIO_FRAME_BYTES });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node hands the raw socket over without an error listener; a reset must not be fatal.
    socket.on('error', (error) => refusals.count('socket error', error.message));
    try {
      if (options.isOwnHost && !options.isOwnHost(request.headers.host)) {
        refusals.count('misdirected upgrade', `Host ${String(request.headers.host).slice(0, 100)}`);
        return reject(socket, 421, 'Misdirected Request');
      }
      const url = searchToken(request.url);
      if (!url) {
        refusals.count('bad upgrade', `malformed URL ${String(request.url).slice(0, 100)}`);
        return reject(socket, 400, 'Bad Request');
      }
      if (url.pathname !== STUDIO_SOCKET_PATH) return reject(socket, 404, 'Not Found');
      if (!tokensMatch(options.token, url.token)) return reject(socket, 401, 'Unauthorized');
      const origin = request.headers.origin;
      if (origin && !options.allowedOrigins().includes(origin)) return reject(socket, 403, 'Forbidden');
      wss.handleUpgrade(request, socket, head, (ws) => serveConnection(ws, host, refusals));
    } catch (error) {
      refusals.count('upgrade failed', (error as Error).message);
      socket.destroy();
    }
  });
  return wss;
}

function send(ws: WebSocket, frame: ServerFrame): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
}

function serveConnection(ws: WebSocket, host: StudioHost, refusals: Refusals): void {
  const unsubscribe = host.subscribe((event, payload) => {
    if (ws.bufferedAmount < MAX_BUFFERED_BYTES) send(ws, { kind: 'push', event, payload });
  });
  ws.on('close', unsubscribe);
  // ws reports protocol errors here (a frame over the limit, text that is not UTF-8) and then
  // closes the connection with 1009 or 1007 itself. Without a listener they would be fatal.
  ws.on('error', (error) => refusals.count('broken frame', error.message));
  ws.on('message', (data, isBinary) => {
    handleFrame(ws, host, data, isBinary).catch((error: unknown) => {
      refusals.count('frame failed', (error as Error).message);
      send(ws, {
        kind: 'error',
        error: { code: 'failed', message: 'The studio could not handle that frame' },
      });
    });
  });
}

async function handleFrame(ws: WebSocket, host: StudioHost, data: RawData, isBinary: boolean): Promise<void> {
  if (isBinary) {
    // A call that carries bytes (see decodeBinaryCall); validated by the host like any other.
    const bytes = Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.isBuffer(data)
        ? data
        : Buffer.from(data);
    const decoded = decodeBinaryCall(bytes);
    if (!decoded.ok) {
      return send(ws, { kind: 'error', error: { code: 'invalid-request', message: decoded.error } });
    }
    const result = await host.call(decoded.call.op, decoded.call.request);
    return send(ws, { kind: 'result', id: decoded.call.id, result });
  }
  let json: unknown;
  try {
    json = JSON.parse(data.toString());
  } catch (error) {
    return send(ws, {
      kind: 'error',
      error: { code: 'invalid-request', message: `Unreadable frame: ${(error as Error).message}` },
    });
  }
  const frame = CallFrame.safeParse(json);
  if (!frame.success) {
    return send(ws, {
      kind: 'error',
      error: { code: 'invalid-request', message: `Malformed call: ${describeIssues(frame.error)}` },
    });
  }
  const result = await host.call(frame.data.op, frame.data.request);
  send(ws, { kind: 'result', id: frame.data.id, result });
}
