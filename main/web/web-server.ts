// Browser mode's HTTP server: serves the built renderer with the same CSP as the
// Electron shell, and the studio contract over a token-guarded WebSocket.
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, resolve, sep } from 'node:path';
import { contentSecurityPolicy } from '../security';
import type { StudioHost } from '../studio';
import { MEDIA_PATH, serveMedia, type MediaSource } from '../recording';
import { Refusals } from './refusals';
import { attachWsAdapter, tokensMatch } from './ws-adapter';
import { contentTypeFor } from '../../protocol/content-types';

export interface WebServerOptions {
  host: StudioHost;
  rendererDir: string;
  bindAddress?: string;
  port?: number;
  token?: string;
  connectOrigins?: string[];
  /** Where refusals are counted and logged (default: console). */
  refusals?: Refusals;
  /** A show's recording for the replay's <video> (GET /media/recording/<showId>?token=…). */
  media?: (showId: string) => MediaSource | null | Promise<MediaSource | null>;
}

export interface WebServer {
  url: string;
  origin: string;
  token: string;
  /** What was refused or survived so far, by kind. */
  refusals: Refusals;
  close(): Promise<void>;
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

function sendFile(res: ServerResponse, file: string, csp: string): void {
  // Opened before the head goes out, so a file that vanished since the check is a 404.
  const stream = createReadStream(file);
  stream.once('error', () => {
    if (res.headersSent) res.destroy();
    else res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
  });
  stream.once('open', () => {
    res.writeHead(200, {
      'Content-Type': contentTypeFor(file),
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cache-Control': file.endsWith('.html') ? 'no-store' : 'public, max-age=3600',
    });
    stream.pipe(res);
  });
}

/** A URL path decoded, or null when it is malformed (a stray or broken %-escape). */
function decodePath(rawUrl: string): string | null {
  try {
    return decodeURIComponent(new URL(rawUrl, 'http://placeholder').pathname);
  } catch {
    return null;
  }
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

  const refusals = options.refusals ?? new Refusals();
  const isOwnHost = (host: string | undefined) => host === new URL(origin).host;

  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    // Guards against DNS rebinding: only our own address may be named as the host.
    if (!isOwnHost(req.headers.host)) {
      refusals.count('misdirected request', `Host ${String(req.headers.host).slice(0, 100)}`);
      res.writeHead(421, { 'Content-Type': 'text/plain' }).end('Misdirected request');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const pathname = decodePath(req.url ?? '/');
    if (pathname === null || pathname.includes('\0')) {
      refusals.count('bad request', `malformed path ${String(req.url).slice(0, 100)}`);
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('Bad request');
      return;
    }
    if (pathname.startsWith(MEDIA_PATH) && options.media) {
      void answerMedia(req, res, new URL(req.url ?? '/', 'http://placeholder'), token, options.media);
      return;
    }
    const relative = normalize(pathname === '/' ? '/index.html' : pathname);
    const file = join(root, relative);
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
      return;
    }
    sendFile(res, file, csp());
  };
  // Nothing a request carries may take the studio down: an unexpected error is a 400 or 500.
  const server = createServer((req, res) => {
    try {
      serve(req, res);
    } catch (error) {
      refusals.count('request failed', (error as Error).message);
      if (res.headersSent) res.destroy();
      else res.writeHead(500, { 'Content-Type': 'text/plain' }).end('Internal error');
    }
  });
  attachWsAdapter(server, options.host, {
    token,
    allowedOrigins: () => [origin],
    isOwnHost,
    refusals,
  });

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
    refusals,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}
