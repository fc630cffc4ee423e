// The SFU's plain HTTP side: health, per-show stats, and static files (the
// shopper viewer page is served from here later, through `staticRoutes`).
import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve, sep } from 'node:path';
import { contentTypeFor } from '../../protocol/content-types';
import type { Refusals } from './limits';

export interface HttpRoutesOptions {
  health: () => { ok: boolean; workers: number; rooms: number };
  /** Per-show figures, for the studio (admin secret as a Bearer token). */
  roomStats: (showId: string) => object | undefined;
  isAdmin: (secret: string) => boolean;
  refusals: Refusals;
  /** URL prefix → directory, e.g. `{ '/viewer': '/abs/path/to/server/viewer/dist' }`. */
  staticRoutes: Record<string, string>;
  /** Routes of other owners (the viewer page's shop), tried first; true when handled. */
  extraRoutes?: (req: IncomingMessage, res: ServerResponse, pathname: string, url: URL) => boolean;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/** Resolves a URL path inside `root`, or null when it would escape it. */
export function staticFilePath(root: string, relativeUrlPath: string): string | null {
  const decoded = safeDecode(relativeUrlPath);
  if (decoded === null || decoded.includes('\0')) return null;
  const base = resolve(root);
  const target = resolve(join(base, decoded));
  if (target !== base && !target.startsWith(base + sep)) return null;
  return target;
}

/** Pages served here may not be framed by another site (clickjacking the buy button). */
const PAGE_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

function serveStatic(res: ServerResponse, method: string, root: string, relativeUrlPath: string): void {
  let path = staticFilePath(root, relativeUrlPath);
  if (!path) return sendJson(res, 404, { error: 'not found' });
  try {
    if (statSync(path).isDirectory()) path = join(path, 'index.html');
    const stats = statSync(path);
    if (!stats.isFile()) return sendJson(res, 404, { error: 'not found' });
    res.writeHead(200, {
      'content-type': contentTypeFor(path),
      'content-length': stats.size,
      ...PAGE_HEADERS,
    });
    if (method === 'HEAD') return void res.end();
    // A file removed since the stat must not be an unhandled stream error.
    createReadStream(path)
      .on('error', () => res.destroy())
      .pipe(res);
  } catch {
    sendJson(res, 404, { error: 'not found' });
  }
}

function bearer(req: IncomingMessage): string {
  return (req.headers.authorization ?? '').replace(/^Bearer /, '');
}

export function createHttpHandler(options: HttpRoutesOptions) {
  // Longest prefix first, so '/viewer/assets' wins over '/viewer'.
  const statics = Object.entries(options.staticRoutes)
    .map(([prefix, dir]) => [prefix.replace(/\/+$/, ''), dir] as const)
    .sort((a, b) => b[0].length - a[0].length);

  const route = (req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://sfu.local');
    } catch {
      options.refusals.count('bad request', `malformed URL ${String(req.url).slice(0, 100)}`);
      return sendJson(res, 400, { error: 'bad request' });
    }
    const { pathname } = url;
    if (options.extraRoutes?.(req, res, pathname, url)) return;
    if (method !== 'GET' && method !== 'HEAD') return sendJson(res, 405, { error: 'method not allowed' });

    if (pathname === '/health') {
      const health = options.health();
      return sendJson(res, health.ok ? 200 : 503, health);
    }
    const stats = /^\/rooms\/([^/]+)\/stats$/.exec(pathname);
    if (stats) {
      if (!options.isAdmin(bearer(req))) return sendJson(res, 401, { error: 'wrong admin secret' });
      const showId = safeDecode(stats[1] as string);
      const body = showId === null ? undefined : options.roomStats(showId);
      return body ? sendJson(res, 200, body) : sendJson(res, 404, { error: 'no such show' });
    }
    for (const [prefix, dir] of statics) {
      if (pathname === prefix || pathname.startsWith(prefix + '/') || prefix === '') {
        return serveStatic(res, method, dir, pathname.slice(prefix.length) || '/');
      }
    }
    sendJson(res, 404, { error: 'not found' });
  };
  // Nothing a request carries may take the SFU down: an unexpected error is a 500, counted.
  return (req: IncomingMessage, res: ServerResponse): void => {
    try {
      route(req, res);
    } catch (error) {
      options.refusals.count('request failed', (error as Error).message);
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: 'internal error' });
    }
  };
}
