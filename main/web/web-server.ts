// Browser mode's HTTP server: serves the built renderer with the same CSP as the
// Electron shell, and the studio contract over a token-guarded WebSocket.
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, resolve, sep } from 'node:path';
import { contentSecurityPolicy } from '../security';
import type { StudioHost } from '../studio';
import { attachWsAdapter } from './ws-adapter';
import { contentTypeFor } from '../../protocol/content-types';

export interface WebServerOptions {
  host: StudioHost;
  rendererDir: string;
  bindAddress?: string;
  port?: number;
  token?: string;
  connectOrigins?: string[];
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
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://placeholder').pathname);
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
