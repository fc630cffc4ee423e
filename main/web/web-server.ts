// Browser mode's HTTP server: serves the built renderer with the same CSP as the
// Electron shell, and the studio contract over a token-guarded WebSocket.
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, resolve, sep } from 'node:path';
import { contentSecurityPolicy } from '../security';
import type { StudioHost } from '../studio';
import { attachWsAdapter, tokensMatch } from './ws-adapter';
import { MEDIA_PATH, serveMedia, type MediaSource } from '../recording';
import { contentTypeFor } from '../../protocol/content-types';

export interface WebServerOptions {
  host: StudioHost;
  rendererDir: string;
  bindAddress?: string;
  port?: number;
  token?: string;
  connectOrigins?: string[];
  /** A show's recording for the replay's <video> (GET /media/recording/<showId>?token=…). */
  media?: (showId: string) => MediaSource | null | Promise<MediaSource | null>;
}

export interface WebServer {
  url: string;
  origin: string;
  token: string;
  close(): Promise<void>;
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

function sendFile(res: ServerResponse, file: string, csp: string): void {
  res.writeHead(200, {
    'Content-Type': contentTypeFor(file),
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cache-Control': file.endsWith('.html') ? 'no-store' : 'public, max-age=3600',
  });
  createReadStream(file).pipe(res);
}

async function answerMedia(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  token: string,
  media: NonNullable<WebServerOptions['media']>,
): Promise<void> {
  try {
    if (!tokensMatch(token, url.searchParams.get('token'))) {
      res.writeHead(401, { 'Content-Type': 'text/plain' }).end('Unauthorized');
      return;
    }
    let showId: string;
    try {
      showId = decodeURIComponent(url.pathname.slice(MEDIA_PATH.length));
    } catch {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('Bad show id');
      return;
    }
    const source = await media(showId);
    if (!source) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('No recording of this show');
      return;
    }
    await serveMedia(req, res, source);
  } catch (error) {
    if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' }).end('Recording unavailable');
    else res.destroy();
    console.warn(`Media route: ${(error as Error).message}`);
  }
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const root = resolve(options.rendererDir);
  if (!existsSync(join(root, 'index.html'))) {
    throw new Error(
      `The renderer is not built (${join(root, 'index.html')} is missing). Run \`npm run build:renderer\`.`,
    );
  }
  const token = options.token ?? newToken();
  const bindAddress = options.bindAddress ?? '127.0.0.1';
  let origin = '';
  const csp = () => contentSecurityPolicy({ connectOrigins: options.connectOrigins ?? [] });

  const server = createServer((req, res) => {
    // Guards against DNS rebinding: only our own address may be named as the host.
    if (req.headers.host !== new URL(origin).host) {
      res.writeHead(421, { 'Content-Type': 'text/plain' }).end('Misdirected request');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const requestUrl = new URL(req.url ?? '/', 'http://placeholder');
    if (requestUrl.pathname.startsWith(MEDIA_PATH) && options.media) {
      void answerMedia(req, res, requestUrl, token, options.media);
      return;
    }
    const pathname = decodeURIComponent(requestUrl.pathname);
    const relative = normalize(pathname === '/' ? '/index.html' : pathname);
    const file = join(root, relative);
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
      return;
    }
    sendFile(res, file, csp());
  });
  attachWsAdapter(server, options.host, { token, allowedOrigins: () => [origin] });

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port ?? 0, bindAddress, () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://${bindAddress}:${port}`;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}
