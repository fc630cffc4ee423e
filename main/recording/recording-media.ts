// How a show's recording reaches the replay's <video>: served with HTTP Range requests so it
// can seek, from the local file or passed through from the platform. Browser mode's web server
// (behind its per-run token) and Electron's app:// protocol both answer MEDIA_PATH with this.
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const MEDIA_PATH = '/media/recording/';

export type MediaSource =
  | { kind: 'file'; path: string; sizeBytes: number }
  /** Fetched from elsewhere (the recordings platform) and passed through, Range included. */
  | { kind: 'remote'; url: string; headers: Record<string, string> };

/** Parses a single "bytes=a-b" range against a size; null when absent, 'invalid' when unsatisfiable. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | null | 'invalid' {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return 'invalid';
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  return start > end || start >= size ? 'invalid' : { start, end };
}

export async function serveMedia(
  req: IncomingMessage,
  res: ServerResponse,
  source: MediaSource,
): Promise<void> {
  const common = {
    'Content-Type': 'video/webm',
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  };
  if (source.kind === 'remote') {
    const upstream = await fetch(source.url, {
      method: req.method === 'HEAD' ? 'HEAD' : 'GET',
      headers: { ...source.headers, ...(req.headers.range ? { range: req.headers.range } : {}) },
      signal: AbortSignal.timeout(30_000),
    });
    const headers: Record<string, string> = { ...common };
    for (const name of ['content-length', 'content-range']) {
      const value = upstream.headers.get(name);
      if (value) headers[name] = value;
    }
    res.writeHead(upstream.status === 206 || upstream.status === 200 ? upstream.status : 502, headers);
    if (!upstream.body || req.method === 'HEAD') return void res.end();
    for await (const chunk of upstream.body as unknown as AsyncIterable<Uint8Array>) {
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
    return;
  }
  const range = parseRange(req.headers.range, source.sizeBytes);
  if (range === 'invalid') {
    res.writeHead(416, { ...common, 'Content-Range': `bytes */${source.sizeBytes}` }).end();
    return;
  }
  const { start, end } = range ?? { start: 0, end: source.sizeBytes - 1 };
  res.writeHead(range ? 206 : 200, {
    ...common,
    'Content-Length': String(end - start + 1),
    ...(range ? { 'Content-Range': `bytes ${start}-${end}/${source.sizeBytes}` } : {}),
  });
  if (req.method === 'HEAD' || source.sizeBytes === 0) return void res.end();
  createReadStream(source.path, { start, end })
    .on('error', () => res.destroy())
    .pipe(res);
}
