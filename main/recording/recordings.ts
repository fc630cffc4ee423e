// The one owner of show recordings in the studio's data dir. The renderer's MediaRecorder
// streams chunks here as they come; each is appended to the part file at once, so a killed
// studio (or renderer) leaves a file that plays up to within a chunk or two of the kill.
// A part is one MediaRecorder run (a reload mid-show starts the next part). The playable
// recording (recording.webm: duration, cues, parts at their times) is rebuilt from the
// parts whenever a part ends, when the show ends, and at start for parts a crash left open.
//
//   recordings/<showId>/manifest.json   what is known about the recording
//   recordings/<showId>/part-<n>.webm   MediaRecorder's bytes, as received
//   recordings/<showId>/recording.webm  the playable, seekable recording
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  RecordingState,
  UploadState,
  type AppendRecordingChunkResponse,
  type DiskSpace,
  type RecordingStatus,
  type RecordingSummary,
} from '../../protocol/recording';
import { StudioError } from '../../protocol/rpc';
import type { ShowState } from '../../protocol/show';
import { diskSpaceAt, formatBytes, type DiskThresholds } from './disk-space';
import { joinWebmParts } from './webm-remux';

const Manifest = z.object({
  showId: z.string(),
  title: z.string(),
  mode: z.enum(['live', 'rehearsal']),
  state: RecordingState,
  startedAt: z.number(),
  parts: z.array(
    z.object({
      part: z.number().int(),
      mimeType: z.string(),
      startedAt: z.number(),
      open: z.boolean(),
    }),
  ),
  durationMs: z.number().nullable(),
  note: z.string().nullable(),
  upload: z.object({ state: UploadState, uploadedBytes: z.number(), error: z.string().nullable() }),
});
type Manifest = z.infer<typeof Manifest>;

export interface RecordingsOptions {
  dataDir: string;
  /** Mutable on purpose: tests lower the bar to see the studio stop recording. */
  disk: DiskThresholds;
  /** The show the studio is running now. */
  currentShow: () => ShowState | null;
  onStatus: (status: RecordingStatus) => void;
  /** A recording became complete (the uploader takes it from here). */
  onComplete?: (showId: string) => void;
  /** How often appends look at the free space (default 2 s). */
  diskCheckMs?: number;
  finishGraceMs?: number;
}

const DISK_CHECK_MS = 2000;
/** How long a part may stay open after its show ended, for the renderer's last chunks. */
const FINISH_GRACE_MS = 15_000;
const FILE = { manifest: 'manifest.json', recording: 'recording.webm' } as const;
const partFile = (part: number) => `part-${part}.webm`;

export class Recordings {
  readonly dir: string;
  private readonly manifests = new Map<string, Manifest>();
  /** Open part files: "showId:part" → fd and bytes on disk. */
  private readonly open = new Map<string, { fd: number; size: number }>();
  /** One chain of rebuilds per show, so two never write recording.webm at once. */
  private readonly work = new Map<string, Promise<void>>();
  private disk: DiskSpace;
  private lastDiskCheck = 0;
  private stoppedFor: string | null = null;
  private readonly graceTimers = new Set<NodeJS.Timeout>();
  private runningShowId: string | null;

  constructor(private readonly opts: RecordingsOptions) {
    this.dir = join(opts.dataDir, 'recordings');
    this.runningShowId = opts.currentShow()?.showId ?? null;
    mkdirSync(this.dir, { recursive: true });
    this.disk = diskSpaceAt(this.dir, opts.disk);
    for (const name of readdirSync(this.dir)) {
      const file = join(this.dir, name, FILE.manifest);
      if (!existsSync(file)) continue;
      try {
        const manifest = Manifest.parse(JSON.parse(readFileSync(file, 'utf8')));
        this.manifests.set(manifest.showId, manifest);
      } catch (error) {
        console.warn(`Recordings: ignoring ${file}: ${(error as Error).message}`);
      }
    }
  }

  /**
   * Parts a killed studio or renderer left open are closed and the recording rebuilt, so
   * it has a duration and seeks. Resolves when every repair is done.
   */
  repairUnfinished(): Promise<void> {
    const current = this.opts.currentShow()?.showId;
    const repairs: Promise<void>[] = [];
    for (const manifest of this.manifests.values()) {
      const unfinished = manifest.parts.some((p) => p.open) || manifest.state === 'recording';
      const showOver = manifest.showId !== current && manifest.state !== 'complete';
      if (!unfinished && !showOver) continue;
      for (const part of manifest.parts) part.open = false;
      manifest.note ??= unfinished ? 'repaired after the studio stopped unexpectedly' : null;
      repairs.push(this.rebuild(manifest.showId));
    }
    return Promise.all(repairs).then(() => {});
  }

  status(): RecordingStatus {
    const show = this.opts.currentShow();
    const active = show ? this.manifests.get(show.showId) : undefined;
    return {
      active: active ? this.summary(active) : null,
      disk: this.disk,
      message: this.message(),
    };
  }

  list(): RecordingSummary[] {
    return [...this.manifests.values()].map((m) => this.summary(m)).sort((a, b) => b.startedAt - a.startedAt);
  }

  /** Disk space for the go-live preflight (and the status). */
  checkDisk(): DiskSpace {
    this.disk = diskSpaceAt(this.dir, this.opts.disk);
    this.lastDiskCheck = Date.now();
    return this.disk;
  }

  start(request: { showId: string; mimeType: string; startedAt: number }): {
    showId: string;
    part: number;
    offset: number;
  } {
    const show = this.opts.currentShow();
    if (!show || show.showId !== request.showId)
      throw new StudioError('failed', `Show ${request.showId} is not the show this studio is running`);
    if (this.checkDisk().level === 'full') {
      this.stoppedFor = request.showId;
      this.publish();
      throw new StudioError(
        'failed',
        `Not recording: only ${formatBytes(this.disk.freeBytes)} of disk space left`,
      );
    }
    let manifest = this.manifests.get(show.showId);
    if (!manifest) {
      manifest = {
        showId: show.showId,
        title: show.title,
        mode: show.mode,
        state: 'recording',
        startedAt: request.startedAt,
        parts: [],
        durationMs: null,
        note: null,
        upload: { state: 'off', uploadedBytes: 0, error: null },
      };
      this.manifests.set(show.showId, manifest);
    }
    // A part still open here belongs to a renderer that went away (reload, crash).
    const leftOpen = manifest.parts.filter((p) => p.open);
    for (const part of leftOpen) this.closePart(manifest, part.part);
    if (leftOpen.length) void this.rebuild(show.showId);
    const part = (manifest.parts.at(-1)?.part ?? 0) + 1;
    mkdirSync(join(this.dir, show.showId), { recursive: true });
    const fd = openSync(join(this.dir, show.showId, partFile(part)), 'w');
    this.open.set(`${show.showId}:${part}`, { fd, size: 0 });
    manifest.parts.push({ part, mimeType: request.mimeType, startedAt: request.startedAt, open: true });
    manifest.state = 'recording';
    this.stoppedFor = null;
    this.save(manifest);
    this.publish();
    return { showId: show.showId, part, offset: 0 };
  }

  /** Appends at `offset`; a chunk sent again (same offset) is acknowledged, not written twice. */
  append(request: {
    showId: string;
    part: number;
    offset: number;
    bytes: Uint8Array;
  }): AppendRecordingChunkResponse {
    const file = this.open.get(`${request.showId}:${request.part}`);
    if (!file)
      throw new StudioError('failed', `Recording part ${request.part} of ${request.showId} is not open`);
    const end = request.offset + request.bytes.byteLength;
    if (request.offset > file.size)
      throw new StudioError(
        'invalid-request',
        `Chunk at ${request.offset} leaves a gap: the part has ${file.size} bytes`,
      );
    if (Date.now() - this.lastDiskCheck >= (this.opts.diskCheckMs ?? DISK_CHECK_MS)) {
      const level = this.disk.level;
      if (this.checkDisk().level === 'full') {
        this.stoppedFor = request.showId;
        const manifest = this.manifests.get(request.showId)!;
        manifest.note = `recording stopped: only ${formatBytes(this.disk.freeBytes)} of disk space left`;
        this.closePart(manifest, request.part);
        this.publish();
        return { offset: file.size, accepting: false, reason: manifest.note };
      }
      if (this.disk.level !== level) this.publish();
    }
    if (end > file.size) {
      const fresh = request.bytes.subarray(file.size - request.offset);
      writeSync(file.fd, fresh, 0, fresh.byteLength, file.size);
      file.size = end;
    }
    return { offset: file.size, accepting: true, reason: null };
  }

  /** The renderer stopped this part (show ended, or disk full). */
  finish(ref: { showId: string; part: number }): Promise<RecordingSummary> {
    const manifest = this.manifests.get(ref.showId);
    if (!manifest) throw new StudioError('failed', `No recording of ${ref.showId}`);
    this.closePart(manifest, ref.part);
    return this.rebuild(ref.showId).then(() => this.summary(manifest));
  }

  /**
   * The running show changed: a recording whose show is over gets its final rebuild. A part
   * still open gets a grace period first: the renderer is sending its last chunks, then
   * finishes it (a renderer that went away does not, and the part closes after the grace).
   */
  onShowChange(show: ShowState | null): void {
    // Pins and sold-out marks change the show too: only a different show matters here.
    if ((show?.showId ?? null) === this.runningShowId) return;
    this.runningShowId = show?.showId ?? null;
    for (const manifest of this.manifests.values()) {
      if (manifest.showId === show?.showId || manifest.state === 'complete') continue;
      if (!manifest.parts.some((p) => p.open)) {
        void this.rebuild(manifest.showId);
        continue;
      }
      const timer = setTimeout(() => {
        this.graceTimers.delete(timer);
        const open = manifest.parts.filter((p) => p.open);
        if (open.length === 0) return;
        for (const part of open) this.closePart(manifest, part.part);
        void this.rebuild(manifest.showId);
      }, this.opts.finishGraceMs ?? FINISH_GRACE_MS);
      this.graceTimers.add(timer);
    }
    this.publish();
  }

  /** Waits for pending rebuilds of a show (tests, the uploader). */
  async settled(showId: string): Promise<void> {
    while (this.work.has(showId)) await this.work.get(showId);
  }

  /** The playable file of a show's recording, when there is one. */
  playableFile(showId: string): { path: string; sizeBytes: number } | null {
    const manifest = this.manifests.get(showId);
    if (!manifest || manifest.durationMs === null) return null;
    const path = join(this.dir, showId, FILE.recording);
    return existsSync(path) ? { path, sizeBytes: statSync(path).size } : null;
  }

  manifest(showId: string): Readonly<Manifest> | null {
    return this.manifests.get(showId) ?? null;
  }

  setUpload(showId: string, upload: Manifest['upload']): void {
    const manifest = this.manifests.get(showId);
    if (!manifest) return;
    manifest.upload = upload;
    this.save(manifest);
    this.publish();
  }

  async delete(showId: string): Promise<RecordingSummary[]> {
    const manifest = this.manifests.get(showId);
    if (!manifest) throw new StudioError('failed', `No recording of ${showId}`);
    if (showId === this.opts.currentShow()?.showId)
      throw new StudioError('failed', 'The show is still running; end it before deleting its recording');
    await this.settled(showId);
    this.manifests.delete(showId);
    rmSync(join(this.dir, showId), { recursive: true, force: true });
    this.publish();
    return this.list();
  }

  stop(): void {
    for (const timer of this.graceTimers) clearTimeout(timer);
    for (const { fd } of this.open.values()) closeSync(fd);
    this.open.clear();
  }

  private closePart(manifest: Manifest, part: number): void {
    const key = `${manifest.showId}:${part}`;
    const file = this.open.get(key);
    if (file) closeSync(file.fd);
    this.open.delete(key);
    const entry = manifest.parts.find((p) => p.part === part);
    if (entry) entry.open = false;
    this.save(manifest);
  }

  /** Rebuilds recording.webm from the closed parts (queued behind earlier rebuilds of the show). */
  private rebuild(showId: string): Promise<void> {
    const previous = this.work.get(showId) ?? Promise.resolve();
    const next = previous.then(() => this.rebuildNow(showId));
    const tracked = next.finally(() => {
      if (this.work.get(showId) === tracked) this.work.delete(showId);
    });
    this.work.set(showId, tracked);
    return tracked;
  }

  private async rebuildNow(showId: string): Promise<void> {
    const manifest = this.manifests.get(showId);
    if (!manifest) return;
    const dir = join(this.dir, showId);
    const parts = manifest.parts
      .filter(
        (p) =>
          !p.open &&
          existsSync(join(dir, partFile(p.part))) &&
          statSync(join(dir, partFile(p.part))).size > 0,
      )
      .map((p) => ({
        path: join(dir, partFile(p.part)),
        offsetMs: Math.max(0, p.startedAt - manifest.startedAt),
      }));
    const showOver = showId !== this.opts.currentShow()?.showId;
    const stillOpen = manifest.parts.some((p) => p.open);
    try {
      if (parts.length > 0) {
        const temp = join(dir, `${FILE.recording}.tmp`);
        const joined = await joinWebmParts(parts, temp);
        renameSync(temp, join(dir, FILE.recording));
        manifest.durationMs = joined.durationMs;
        if (joined.skipped.length)
          console.warn(
            `Recordings: ${showId}: left out ${joined.skipped.map((s) => `${s.path} (${s.reason})`).join(', ')}`,
          );
      }
      manifest.state = stillOpen
        ? 'recording'
        : showOver
          ? manifest.durationMs === null
            ? 'failed'
            : 'complete'
          : 'paused';
      if (manifest.state === 'failed') manifest.note ??= 'nothing was recorded';
      if (manifest.state === 'complete') {
        // The parts live on in recording.webm.
        for (const p of manifest.parts) rmSync(join(dir, partFile(p.part)), { force: true });
      }
    } catch (error) {
      manifest.state = stillOpen ? 'recording' : 'failed';
      manifest.note = `could not rebuild the recording: ${(error as Error).message}`;
      console.warn(`Recordings: ${showId}: ${manifest.note}`);
    }
    this.save(manifest);
    this.publish();
    if (manifest.state === 'complete') this.opts.onComplete?.(showId);
  }

  private summary(m: Manifest): RecordingSummary {
    const dir = join(this.dir, m.showId);
    let sizeBytes = 0;
    if (existsSync(dir))
      for (const name of readdirSync(dir))
        if (name.endsWith('.webm')) sizeBytes += statSync(join(dir, name)).size;
    return {
      showId: m.showId,
      title: m.title,
      state: m.state,
      startedAt: m.startedAt,
      durationMs: m.durationMs,
      sizeBytes,
      parts: m.parts.length,
      note: m.note,
      upload: m.upload,
    };
  }

  private message(): string | null {
    const free = formatBytes(this.disk.freeBytes);
    if (this.stoppedFor) return `Recording stopped: only ${free} of disk space left. The show goes on.`;
    if (this.disk.level === 'full') return `Only ${free} of disk space left: the show will not be recorded.`;
    if (this.disk.level === 'low')
      return `Disk space is low (${free} free): recording stops below ${formatBytes(this.disk.stopBelowBytes)}.`;
    return null;
  }

  private publish(): void {
    this.opts.onStatus(this.status());
  }

  private save(manifest: Manifest): void {
    try {
      const dir = join(this.dir, manifest.showId);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, FILE.manifest);
      writeFileSync(`${file}.tmp`, JSON.stringify(manifest));
      renameSync(`${file}.tmp`, file);
    } catch (error) {
      console.warn(
        `Recordings: could not save the manifest of ${manifest.showId}: ${(error as Error).message}`,
      );
    }
  }
}
