// The SFU's plain HTTP side: health, per-show stats, and static files (the
// shopper viewer page is served from here later, through `staticRoutes`).
import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve, sep } from 'node:path';
import { contentTypeFor } from '../../protocol/content-types';

export interface HttpRoutesOptions {
  health: () => { ok: boolean; workers: number; rooms: number };
  roomStats: (showId: string) => object | undefined;
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
      'x-content-type-options': 'nosniff',
    });
    if (method === 'HEAD') return void res.end();
    createReadStream(path).pipe(res);
  } catch {
    sendJson(res, 404, { error: 'not found' });
  }
}

export function createHttpHandler(options: HttpRoutesOptions) {
  // Longest prefix first, so '/viewer/assets' wins over '/viewer'.
  const statics = Object.entries(options.staticRoutes)
    .map(([prefix, dir]) => [prefix.replace(/\/+$/, ''), dir] as const)
    .sort((a, b) => b[0].length - a[0].length);

  return (req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://sfu.local');
    const { pathname } = url;
    if (options.extraRoutes?.(req, res, pathname, url)) return;
    if (method !== 'GET' && method !== 'HEAD') return sendJson(res, 405, { error: 'method not allowed' });

    if (pathname === '/health') {
      const health = options.health();
      return sendJson(res, health.ok ? 200 : 503, health);
    }
    const stats = /^\/rooms\/([^/]+)\/stats$/.exec(pathname);
    if (stats) {
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
}
