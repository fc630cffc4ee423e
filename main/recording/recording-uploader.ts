// Uploads each complete recording to the platform side (server/recordings, in the SFU
// process) in the background, so a brand manager's studio on another machine can play it.
// Resumable: it asks the platform how much it holds and sends the rest in offset-based
// chunks (a chunk sent twice is harmless), then completes with the size and SHA-256.
// A studio restarted mid-upload picks it up again.
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { MAX_UPLOAD_CHUNK_BYTES, PlatformRecording, UploadStatusAnswer } from '../../protocol/recording';
import type { SfuConfig } from '../studio';
import type { Recordings } from './recordings';

const RETRY_MS = { first: 1000, max: 30_000 };
const REQUEST_TIMEOUT_MS = 30_000;

/** The platform's HTTP base from the SFU's signaling URL (ws://host:port/signaling → http://host:port). */
export function platformBase(config: SfuConfig): string | null {
  if (!config.url || !config.adminSecret) return null;
  const url = new URL(config.url);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  return url.origin;
}

export class RecordingUploader {
  private readonly queue = new Set<string>();
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly config: SfuConfig,
    private readonly recordings: Recordings,
  ) {}

  get enabled(): boolean {
    return platformBase(this.config) !== null;
  }

  private get auth(): Record<string, string> {
    return { authorization: `Bearer ${this.config.adminSecret}` };
  }

  /** Queues every complete recording the platform does not have yet (at start, and after each show). */
  resume(): void {
    for (const r of this.recordings.list())
      if (r.state === 'complete' && r.upload.state !== 'done') this.enqueue(r.showId);
  }

  enqueue(showId: string): void {
    if (!this.enabled || this.stopped) return;
    this.queue.add(showId);
    const manifest = this.recordings.manifest(showId);
    if (manifest && manifest.upload.state !== 'uploading')
      this.recordings.setUpload(showId, { ...manifest.upload, state: 'waiting', error: null });
    this.running ??= this.work().finally(() => (this.running = null));
  }

  /** The platform's complete recordings, or null when it cannot be asked. */
  async list(): Promise<PlatformRecording[] | null> {
    const base = platformBase(this.config);
    if (!base) return null;
    const response = await fetch(`${base}/recordings`, {
      headers: this.auth,
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) return null;
    const parsed = PlatformRecording.array().safeParse(await response.json());
    return parsed.success ? parsed.data : null;
  }

  /** Where the platform serves a show's recording (fetched with the admin secret). */
  mediaUrl(showId: string): { url: string; headers: Record<string, string> } | null {
    const base = platformBase(this.config);
    return base
      ? { url: `${base}/recordings/${encodeURIComponent(showId)}/media`, headers: this.auth }
      : null;
  }

  stop(): void {
    this.stopped = true;
  }

  private async work(): Promise<void> {
    while (this.queue.size && !this.stopped) {
      const showId = this.queue.values().next().value!;
      for (let wait = RETRY_MS.first; !this.stopped; wait = Math.min(wait * 2, RETRY_MS.max)) {
        try {
          await this.upload(showId);
          break;
        } catch (error) {
          const manifest = this.recordings.manifest(showId);
          if (!manifest) break;
          this.recordings.setUpload(showId, {
            ...manifest.upload,
            state: 'failed',
            error: (error as Error).message,
          });
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
      }
      this.queue.delete(showId);
    }
  }

  private async upload(showId: string): Promise<void> {
    const base = platformBase(this.config)!;
    const file = this.recordings.playableFile(showId);
    const manifest = this.recordings.manifest(showId);
    if (!file || !manifest) return;
    const at = `${base}/recordings/${encodeURIComponent(showId)}`;
    const status = await this.request<UploadStatusAnswer>(
      `${at}/upload`,
      { method: 'GET' },
      UploadStatusAnswer,
    );
    if (status.complete) {
      this.recordings.setUpload(showId, { state: 'done', uploadedBytes: file.sizeBytes, error: null });
      return;
    }
    let offset = status.size;
    const fd = openSync(file.path, 'r');
    try {
      while (offset < file.sizeBytes && !this.stopped) {
        const chunk = Buffer.alloc(Math.min(MAX_UPLOAD_CHUNK_BYTES, file.sizeBytes - offset));
        readSync(fd, chunk, 0, chunk.length, offset);
        const answer = await this.request<UploadStatusAnswer>(
          `${at}/upload?offset=${offset}`,
          { method: 'PUT', body: chunk, headers: { 'content-type': 'application/octet-stream' } },
          UploadStatusAnswer,
          true,
        );
        // The platform says where it stands (it may have more, or less after losing data).
        offset = answer.size;
        this.recordings.setUpload(showId, { state: 'uploading', uploadedBytes: offset, error: null });
      }
    } finally {
      closeSync(fd);
    }
    if (this.stopped) return;
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(file.path)) hash.update(chunk as Buffer);
    await this.request(
      `${at}/complete`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          size: file.sizeBytes,
          sha256: hash.digest('hex'),
          durationMs: manifest.durationMs,
          title: manifest.title.slice(0, 200),
          startedAt: manifest.startedAt,
        }),
      },
      PlatformRecording,
    );
    this.recordings.setUpload(showId, { state: 'done', uploadedBytes: file.sizeBytes, error: null });
  }

  private async request<T>(
    url: string,
    init: RequestInit,
    schema: { parse(value: unknown): T },
    conflictIsAnswer = false,
  ): Promise<T> {
    const response = await fetch(url, {
      ...init,
      headers: { ...this.auth, ...(init.headers as Record<string, string>) },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body: unknown = await response.json().catch(() => null);
    if (response.ok || (conflictIsAnswer && response.status === 409)) return schema.parse(body);
    throw new Error(
      `the platform answered HTTP ${response.status}: ${(body as { error?: string })?.error ?? ''}`,
    );
  }
}
