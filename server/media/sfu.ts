// The SFU: mediasoup workers, one router per show, WebSocket signaling at
// /signaling and HTTP (health, stats, static files) on the same port.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { showMediaCodecs } from './codecs';
import { createHttpHandler } from './http-routes';
import { notification } from '../../protocol/signaling';
import { MediaWorkers } from './media-workers';
import { PeerSession, type RequestRate } from './peer-session';
import { sameSecret, ShowRooms } from './show-room';
import { ShopperActions } from '../viewer/shopper-actions';
import { PlatformRecordings } from '../recordings/platform-recordings';
import type { KafkaConnection } from '../../protocol/kafka-connection';

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
  /** Kafka (brokers, TLS, SASL) for the viewer page's clicks and viewer presence events. */
  kafka?: KafkaConnection;
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

  const rooms: ShowRooms = new ShowRooms(() => workers.pick(), showMediaCodecs, options.adminSecret);
  const workers = await MediaWorkers.start({
    workerBin,
    count: options.workers ?? 1,
    rtcMinPort: options.rtcMinPort ?? 40000,
    rtcMaxPort: options.rtcMaxPort ?? 49999,
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
  const recordings = options.recordingsDir
    ? new PlatformRecordings(options.recordingsDir, options.adminSecret, log)
    : null;
  const server = createServer(
    createHttpHandler({
      health: () => ({ ok: workers.alive > 0, workers: workers.alive, rooms: rooms.size }),
      roomStats: (showId) => rooms.get(showId)?.stats(),
      staticRoutes: options.staticRoutes ?? {},
      extraRoutes: (req, res, pathname, url) =>
        shop.route(req, res, pathname, url) || (recordings?.route(req, res, pathname, url) ?? false),
    }),
  );
  const sockets = new WebSocketServer({ server, path: '/signaling', maxPayload: MAX_MESSAGE_BYTES });
  const context = {
    adminSecret: options.adminSecret,
    rooms,
    listenIps: [{ ip: options.rtcListenIp ?? '127.0.0.1', announcedIp: options.announcedIp ?? '127.0.0.1' }],
    log,
    // A viewer's whole setup is about ten requests; a studio's about as many. Generous on purpose.
    requestRate: options.requestRate ?? { perSecond: 20, burst: 40 },
    viewerPresence: (change: 'joined' | 'left', showId: string, viewerId: string) =>
      shop.viewerPresence(change, showId, viewerId),
  };

  const alive = new WeakSet<WebSocket>();
  sockets.on('connection', (socket) => {
    const session = new PeerSession(context, (text) => {
      if (socket.readyState === socket.OPEN) socket.send(text);
    });
    alive.add(socket);
    socket.on('pong', () => alive.add(socket));
    socket.on('message', (data) => void session.receive(data.toString()));
    socket.on('close', () => session.end());
    // ws reports oversized or malformed frames here and then closes the socket.
    socket.on('error', (error) => log(`signaling connection error: ${error.message}`));
  });
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
    close() {
      closing ??= (async () => {
        clearInterval(heartbeat);
        rooms.closeWhere(() => true, 'sfu-shutdown');
        for (const socket of sockets.clients) socket.close(1001, 'SFU shutting down');
        await new Promise<void>((resolve) => sockets.close(() => resolve()));
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        workers.close();
        await shop.stop();
      })();
      return closing;
    },
  };
}
