// The platform side of recordings, in the SFU process's HTTP server: a studio uploads a
// show's finished recording in offset-based, idempotent chunks (so an upload resumes where it
// stopped), completes it with its size and SHA-256, and any studio with the admin secret, or
// anyone holding the show's read token, plays it back with HTTP Range requests.
//
//   GET  /recordings                          admin: the complete recordings (JSON)
//   GET  /recordings/:showId/upload           admin: { size, complete }
//   PUT  /recordings/:showId/upload?offset=N  admin: body = bytes (≤ 512 KiB) → { size, complete }
//   POST /recordings/:showId/complete         admin: CompleteUploadRequest → PlatformRecording
//   GET  /recordings/:showId/media            admin, or ?token=<read token>; Range supported
import { createHash, createHmac } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  closeSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import {
  CompleteUploadRequest,
  MAX_UPLOAD_CHUNK_BYTES,
  PlatformRecording,
  RecordingShowId,
  type UploadStatusAnswer,
} from '../../protocol/recording';
import { sameSecret } from '../media/show-room';

/** Larger recordings are refused (about 10 hours of 720p30). */
export const MAX_RECORDING_BYTES = 16 * 1024 ** 3;

/** The read token of a show's recording: derived from the admin secret, so it survives restarts. */
export function recordingReadToken(adminSecret: string, showId: string): string {
  return createHmac('sha256', adminSecret).update(`recording:${showId}`).digest('base64url');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw new Error(`body larger than ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export class PlatformRecordings {
  constructor(
    private readonly dir: string,
    private readonly adminSecret: string,
    private readonly log: (line: string) => void = () => {},
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /** Handles /recordings…; false for other paths. Never throws. */
  route(req: IncomingMessage, res: ServerResponse, pathname: string, url: URL): boolean {
    if (pathname !== '/recordings' && !pathname.startsWith('/recordings/')) return false;
    void this.handle(req, res, pathname, url).catch((error: unknown) => {
      this.log(`recordings: ${(error as Error).message}`);
      if (!res.headersSent) sendJson(res, 400, { error: (error as Error).message });
      else res.destroy();
    });
    return true;
  }

  private isAdmin(req: IncomingMessage): boolean {
    return sameSecret((req.headers.authorization ?? '').replace(/^Bearer /, ''), this.adminSecret);
  }

  private async handle(req: IncomingMessage, res: ServerResponse, pathname: string, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    if (pathname === '/recordings') {
      if (!this.isAdmin(req)) return sendJson(res, 401, { error: 'wrong admin secret' });
      if (method !== 'GET') return sendJson(res, 405, { error: 'method not allowed' });
      return sendJson(res, 200, this.list());
    }
    const match = /^\/recordings\/([^/]+)\/(upload|complete|media)$/.exec(pathname);
    const showId = RecordingShowId.safeParse(match?.[1]);
    if (!match || !showId.success) return sendJson(res, 404, { error: 'not found' });
    const id = showId.data;
    const what = match[2];
    if (what === 'media') {
      const token = url.searchParams.get('token') ?? '';
      if (!this.isAdmin(req) && !sameSecret(token, recordingReadToken(this.adminSecret, id)))
        return sendJson(res, 401, { error: 'wrong token' });
      if (method !== 'GET' && method !== 'HEAD') return sendJson(res, 405, { error: 'method not allowed' });
      return this.serve(req, res, id);
    }
    if (!this.isAdmin(req)) return sendJson(res, 401, { error: 'wrong admin secret' });
    if (what === 'upload' && method === 'GET') return sendJson(res, 200, this.status(id));
    if (what === 'upload' && method === 'PUT') {
      const offset = Number(url.searchParams.get('offset'));
      if (!Number.isInteger(offset) || offset < 0)
        return sendJson(res, 400, { error: 'offset must be a byte offset' });
      const body = await readBody(req, MAX_UPLOAD_CHUNK_BYTES);
      return this.append(res, id, offset, body);
    }
    if (what === 'complete' && method === 'POST') {
      const parsed = CompleteUploadRequest.safeParse(
        JSON.parse((await readBody(req, 16 * 1024)).toString('utf8')),
      );
      if (!parsed.success)
        return sendJson(res, 400, { error: 'expected { size, sha256, durationMs, title, startedAt }' });
      return this.complete(res, id, parsed.data);
    }
    sendJson(res, 405, { error: 'method not allowed' });
  }

  private paths(showId: string) {
    const dir = join(this.dir, showId);
    return { dir, data: join(dir, 'recording.webm'), meta: join(dir, 'recording.json') };
  }

  status(showId: string): UploadStatusAnswer {
    const { data, meta } = this.paths(showId);
    return { showId, size: existsSync(data) ? statSync(data).size : 0, complete: existsSync(meta) };
  }

  private append(res: ServerResponse, showId: string, offset: number, body: Buffer): void {
    const status = this.status(showId);
    if (status.complete) return sendJson(res, 409, { ...status, error: 'this recording is complete' });
    if (offset > status.size)
      return sendJson(res, 409, { ...status, error: `expected offset ${status.size}` });
    const end = offset + body.length;
    if (end > MAX_RECORDING_BYTES) return sendJson(res, 413, { ...status, error: 'recording too large' });
    if (end > status.size) {
      const { dir, data } = this.paths(showId);
      mkdirSync(dir, { recursive: true });
      const fd = openSync(data, existsSync(data) ? 'r+' : 'w');
      try {
        const fresh = body.subarray(status.size - offset);
        writeSync(fd, fresh, 0, fresh.length, status.size);
      } finally {
        closeSync(fd);
      }
    }
    sendJson(res, 200, this.status(showId));
  }

  private async complete(res: ServerResponse, showId: string, request: CompleteUploadRequest): Promise<void> {
    const { data, meta } = this.paths(showId);
    const status = this.status(showId);
    if (status.size !== request.size)
      return sendJson(res, 409, { ...status, error: `holds ${status.size} bytes, not ${request.size}` });
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(data)) hash.update(chunk as Buffer);
    if (hash.digest('hex') !== request.sha256)
      return sendJson(res, 409, { ...status, error: 'SHA-256 does not match' });
    const recording: PlatformRecording = {
      showId,
      title: request.title,
      startedAt: request.startedAt,
      durationMs: request.durationMs,
      sizeBytes: request.size,
    };
    writeFileSync(`${meta}.tmp`, JSON.stringify(recording));
    renameSync(`${meta}.tmp`, meta);
    sendJson(res, 200, recording);
  }

  list(): PlatformRecording[] {
    return readdirSync(this.dir).flatMap((name) => {
      const meta = join(this.dir, name, 'recording.json');
      if (!existsSync(meta)) return [];
      const parsed = PlatformRecording.safeParse(JSON.parse(readFileSync(meta, 'utf8')));
      return parsed.success ? [parsed.data] : [];
    });
  }

  private serve(req: IncomingMessage, res: ServerResponse, showId: string): void {
    const { data } = this.paths(showId);
    if (!this.status(showId).complete)
      return sendJson(res, 404, { error: 'no complete recording of this show' });
    const size = statSync(data).size;
    const match = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    let start = 0;
    let end = size - 1;
    if (match && (match[1] || match[2])) {
      start = match[1] ? Number(match[1]) : Math.max(0, size - Number(match[2]));
      end = match[1] && match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
      if (start > end || start >= size) {
        res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
        return;
      }
    }
    const partial = Boolean(match && (match[1] || match[2]));
    res.writeHead(partial ? 206 : 200, {
      'content-type': 'video/webm',
      'accept-ranges': 'bytes',
      'content-length': String(end - start + 1),
      'x-content-type-options': 'nosniff',
      ...(partial ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(data, { start, end })
      .on('error', () => res.destroy())
      .pipe(res);
  }
}
