// The SFU: mediasoup workers, one router per show, WebSocket signaling at
// /signaling and HTTP (health, stats, static files) on the same port.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { showMediaCodecs } from './codecs';
import { createHttpHandler } from './http-routes';
import { notification } from '../../protocol/signaling';
import { DEFAULT_SFU_LIMITS, Refusals, TransportBudget, type SfuLimits } from './limits';
import { MediaWorkers } from './media-workers';
import { PeerSession, type RequestRate } from './peer-session';
import { sameSecret, ShowRooms } from './show-room';
import { ShopperActions } from '../viewer/shopper-actions';
import { PlatformRecordings } from '../recordings/platform-recordings';
import type { KafkaConnection } from '../../protocol/kafka-connection';
import type { ToxicityClassifier } from '../../protocol/toxicity';
import { ChatService } from '../chat/show-chat';

export interface SfuOptions {
  /** HTTP + WebSocket port; 0 picks a free one. */
  port: number;
  /** Interface for HTTP and signaling. Default 127.0.0.1. */
  host?: string;
  /** Studio main process's secret for openShow/closeShow. */
  adminSecret: string;
  /** Path of the mediasoup-worker binary. Default: $MEDIASOUP_WORKER_BIN. */
  workerBin?: string;
  /** Address put in ICE candidates. Default 127.0.0.1: Chromium's host candidates here are not loopback. */
  announcedIp?: string;
  /** Address the RTC sockets bind to. Default 127.0.0.1; use 0.0.0.0 (with announcedIp) to serve other machines. */
  rtcListenIp?: string;
  /** UDP/TCP port range for media. Default 40000–49999. */
  rtcMinPort?: number;
  rtcMaxPort?: number;
  /** mediasoup worker processes. Default 1. */
  workers?: number;
  /** URL prefix → directory of static files (the shopper viewer page). */
  staticRoutes?: Record<string, string>;
  /** How often silent signaling connections are probed; one missed pong drops them. Default 30 s. */
  heartbeatMs?: number;
  /** Requests one signaling connection may send. Default 40 at once, 20 a second after that. */
  requestRate?: RequestRate;
  /** Connection, transport and consumer limits and timeouts (see ./limits.ts for the defaults). */
  limits?: Partial<SfuLimits>;
  /** Kafka (brokers, TLS, SASL) for the viewer page's clicks, chat and viewer presence events. */
  kafka?: KafkaConnection;
  /** The trained toxicity classifier for the chat gate's auto-moderation (rules run without it). */
  classifier?: ToxicityClassifier | null;
  /** Chat messages one shopper may send: `burst` at once, then `perSecond`. Default 3, then 1 a second. */
  shopperChatRate?: { perSecond: number; burst: number };
  /** Where uploaded show recordings are kept (server/recordings); none: recordings are not served. */
  recordingsDir?: string;
  log?: (line: string) => void;
}

export interface RunningSfu {
  /** Signaling URL, e.g. ws://127.0.0.1:4443/signaling (what SHOPCAST_SFU_URL holds). */
  url: string;
  /** Base URL of the HTTP side, e.g. http://127.0.0.1:4443. */
  httpUrl: string;
  port: number;
  /** Process ids of the running mediasoup workers (for ops and tests). */
  workerPids(): number[];
  /** The limits in force. */
  limits: SfuLimits;
  close(): Promise<void>;
}

const HEARTBEAT_MS = 30_000;
const MAX_MESSAGE_BYTES = 256 * 1024;

export async function startSfu(options: SfuOptions): Promise<RunningSfu> {
  const log = options.log ?? ((line: string) => console.log(`[sfu] ${line}`));
  const host = options.host ?? '127.0.0.1';
  const workerBin = options.workerBin ?? process.env.MEDIASOUP_WORKER_BIN;
  if (!workerBin) {
    throw new Error(
      'no mediasoup worker binary: pass workerBin or set MEDIASOUP_WORKER_BIN (npx tsx scripts/build-mediasoup-worker.ts builds one)',
    );
  }
  if (!options.adminSecret) throw new Error('adminSecret must not be empty');

  const rtcMinPort = options.rtcMinPort ?? 40000;
  const rtcMaxPort = options.rtcMaxPort ?? 49999;
  const limits: SfuLimits = { ...DEFAULT_SFU_LIMITS, ...options.limits };
  // All workers bind in the same range, so it bounds transports for the whole process.
  if (limits.maxTransports === 0) limits.maxTransports = rtcMaxPort - rtcMinPort + 1;
  const refusals = new Refusals(log);

  const rooms: ShowRooms = new ShowRooms(
    () => workers.pick(),
    showMediaCodecs,
    options.adminSecret,
    limits.viewerCountIntervalMs,
  );
  const workers = await MediaWorkers.start({
    workerBin,
    count: options.workers ?? 1,
    rtcMinPort,
    rtcMaxPort,
    log,
    onWorkerLost: (worker) => rooms.closeWhere((room) => room.worker === worker, 'media-worker-restarted'),
  });

  const shop = new ShopperActions({
    kafka: options.kafka ?? { brokers: [], ssl: false },
    roleFor: (showId, token) => rooms.get(showId)?.roleFor(token) ?? null,
    isAdmin: (secret) => sameSecret(secret, options.adminSecret),
    onPinned: (showId, product) => rooms.get(showId)?.tellViewers(notification('pinnedProduct', { product })),
    log,
  });
  const chat = new ChatService({
    kafka: options.kafka ?? { brokers: [], ssl: false },
    produce: (event) => shop.produce(event),
    tellViewers: (showId, message) => rooms.get(showId)?.tellViewers(message),
    isOpen: (showId) => rooms.get(showId) !== undefined,
    classifier: options.classifier ?? null,
    ...(options.shopperChatRate ? { shopperRate: options.shopperChatRate } : {}),
    log,
  });
  const recordings = options.recordingsDir
    ? new PlatformRecordings(options.recordingsDir, options.adminSecret, log)
    : null;
  const server = createServer(
    createHttpHandler({
      // Full is unhealthy too: the studio's status and a load balancer should not promise signaling.
      health: () => ({
        ok: workers.alive > 0 && sessions.size < limits.maxConnections,
        workers: workers.alive,
        rooms: rooms.size,
      }),
      roomStats: (showId) => rooms.get(showId)?.stats(),
      isAdmin: (secret) => sameSecret(secret, options.adminSecret),
      refusals,
      staticRoutes: options.staticRoutes ?? {},
      extraRoutes: (req, res, pathname, url) =>
        shop.route(req, res, pathname, url) || (recordings?.route(req, res, pathname, url) ?? false),
    }),
  );
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const transports = new TransportBudget(limits.maxTransports, limits.hostReservedTransports);
  const context = {
    adminSecret: options.adminSecret,
    rooms,
    listenIps: [{ ip: options.rtcListenIp ?? '127.0.0.1', announcedIp: options.announcedIp ?? '127.0.0.1' }],
    log,
    // A viewer's whole setup is about ten requests; a studio's about as many. Generous on purpose.
    requestRate: options.requestRate ?? { perSecond: 20, burst: 40 },
    limits,
    transports,
    viewerPresence: (change: 'joined' | 'left', showId: string, viewerId: string) =>
      shop.viewerPresence(change, showId, viewerId),
    chat,
  };

  const sessions = new Map<WebSocket, PeerSession>();
  const perAddress = new Map<string, number>();
  const refuse = (socket: Duplex, status: number, text: string, kind: string, detail: string) => {
    refusals.count(kind, detail);
    socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroy();
  };
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node hands the raw socket over without an error listener; a reset must not be fatal.
    socket.on('error', (error) => refusals.count('socket error', error.message));
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/signaling') return refuse(socket, 404, 'Not Found', 'unknown upgrade path', String(path));
    if (sessions.size >= limits.maxConnections)
      return refuse(socket, 503, 'Service Unavailable', 'too many connections', `${sessions.size} open`);
    const address = request.socket.remoteAddress ?? 'unknown';
    const fromAddress = perAddress.get(address) ?? 0;
    if (limits.maxConnectionsPerAddress > 0 && fromAddress >= limits.maxConnectionsPerAddress)
      return refuse(socket, 429, 'Too Many Requests', 'too many connections from one address', address);
    try {
      sockets.handleUpgrade(request, socket, head, (ws) => accept(ws, address));
    } catch (error) {
      refusals.count('upgrade failed', (error as Error).message);
      socket.destroy();
    }
  });

  const alive = new WeakSet<WebSocket>();
  function accept(socket: WebSocket, address: string): void {
    perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
    const session = new PeerSession(context, (text) => {
      if (socket.readyState === socket.OPEN) socket.send(text);
    });
    sessions.set(socket, session);
    alive.add(socket);
    socket.on('pong', () => alive.add(socket));
    socket.on('message', (data, isBinary) => {
      if (isBinary) return refusals.count('binary frame', 'signaling is JSON text');
      void session.receive(data.toString());
    });
    socket.on('close', () => {
      sessions.delete(socket);
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left > 0) perAddress.set(address, left);
      else perAddress.delete(address);
      session.end();
    });
    // ws reports oversized or malformed frames here and then closes the socket (1009 / 1007).
    socket.on('error', (error) => refusals.count('broken frame', error.message));
  }

  // Drop connections that stopped answering, so viewer counts stay honest.
  const heartbeat = setInterval(() => {
    for (const socket of sockets.clients) {
      if (!alive.has(socket)) {
        socket.terminate();
        continue;
      }
      alive.delete(socket);
      socket.ping();
    }
  }, options.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref();
  // Connections that never showed a token, or sit idle outside any show, are closed.
  const sweepMs = Math.min(5000, Math.max(100, Math.min(limits.preAuthTimeoutMs, limits.idleTimeoutMs) / 4));
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const [socket, session] of sessions) {
      if (socket.readyState !== socket.OPEN) continue;
      const reason = session.expired(now, limits.preAuthTimeoutMs, limits.idleTimeoutMs);
      if (!reason) continue;
      refusals.count('connection timed out', reason);
      socket.close(1008, reason);
      // A peer that does not answer the close handshake is cut off.
      setTimeout(() => socket.terminate(), 2000).unref();
    }
  }, sweepMs);
  sweep.unref();

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    clearInterval(heartbeat);
    clearInterval(sweep);
    workers.close();
    throw error;
  }

  const port = (server.address() as AddressInfo).port;
  const publicHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `ws://${publicHost}:${port}/signaling`;
  log(
    `listening on ${url} (HTTP: http://${publicHost}:${port}/health); RTC on ${context.listenIps[0]?.ip} announced as ${context.listenIps[0]?.announcedIp}`,
  );

  let closing: Promise<void> | null = null;
  return {
    url,
    httpUrl: `http://${publicHost}:${port}`,
    port,
    workerPids: () => workers.pids(),
    limits,
    close() {
      closing ??= (async () => {
        clearInterval(heartbeat);
        clearInterval(sweep);
        rooms.closeWhere(() => true, 'sfu-shutdown');
        for (const socket of sockets.clients) socket.close(1001, 'SFU shutting down');
        await new Promise<void>((resolve) => sockets.close(() => resolve()));
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        workers.close();
        await chat.stop();
        await shop.stop();
      })();
      return closing;
    },
  };
}
