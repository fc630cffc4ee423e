// Electron's side of the replay's media route: app://studio/media/recording/<showId> answers
// with the recording (a local file, or the platform's copy passed through), Range included.
// Browser mode's equivalent is main/web/media-route.ts.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { StudioServices } from '../studio';
import { MEDIA_PATH, parseRange } from '../recording';

export { MEDIA_PATH };

export async function recordingResponse(
  services: StudioServices | null,
  pathname: string,
  request: Request,
): Promise<Response> {
  let showId: string;
  try {
    showId = decodeURIComponent(pathname.slice(MEDIA_PATH.length));
  } catch {
    return new Response('Bad show id', { status: 400 });
  }
  const source = await services?.recordingMedia(showId).catch(() => null);
  if (!source) return new Response('No recording of this show', { status: 404 });
  const rangeHeader = request.headers.get('range') ?? undefined;
  if (source.kind === 'remote') {
    return fetch(source.url, {
      headers: { ...source.headers, ...(rangeHeader ? { range: rangeHeader } : {}) },
    });
  }
  const headers = { 'Content-Type': 'video/webm', 'Accept-Ranges': 'bytes' };
  const range = parseRange(rangeHeader, source.sizeBytes);
  if (range === 'invalid')
    return new Response(null, {
      status: 416,
      headers: { ...headers, 'Content-Range': `bytes */${source.sizeBytes}` },
    });
  const { start, end } = range ?? { start: 0, end: source.sizeBytes - 1 };
  const body = Readable.toWeb(createReadStream(source.path, { start, end })) as ReadableStream;
  return new Response(body, {
    status: range ? 206 : 200,
    headers: {
      ...headers,
      'Content-Length': String(end - start + 1),
      ...(range ? { 'Content-Range': `bytes ${start}-${end}/${source.sizeBytes}` } : {}),
    },
  });
}
