// The one owner of replays in main: the show library, loading one show's events (from
// Kafka by timestamp, with progress and a cancel, or from the local archive), archiving
// each show at its end, and answering the replay view (timeline, figures and chat at the
// cursor, chat search, CSV exports, the recording's URL).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { ShowState } from '../../protocol/show';
import { StudioError } from '../../protocol/rpc';
import type {
  CsvExportKind,
  ReplayChatMessage,
  ReplayMedia,
  ReplayMoment,
  ReplayStatus,
  ReplayTimeline,
  ShowLibrary,
  ShowLibraryEntry,
} from '../../protocol/replays';
import type { PlatformRecording } from '../../protocol/recording';
import type { Recordings } from '../recording';
import { ReadCancelled } from './kafka-ranges';
import { readShowFromKafka } from './read-show';
import { replayCsv } from './replay-csv';
import { ReplayEngine } from './replay-engine';
import { archiveDirName, readArchiveIndex, writeShowArchive, type ArchiveIndex } from './show-archive';
import { sortLibrary, StudioTopicScan, type KafkaShow } from './show-library';

/** Late shopper events (retries, slow producers) still land after show.ended: wait before archiving. */
const ARCHIVE_DELAY_MS = 3000;
/** An ended show's archive is tried this many times, this far apart, while Kafka is away. */
const ARCHIVE_ATTEMPTS = 10;
const ARCHIVE_RETRY_MS = 15_000;

export interface ReplaysOptions {
  kafka: Kafka;
  dataDir: string;
  recordings: Recordings;
  onStatus: (status: ReplayStatus) => void;
  /** Recordings on the platform side (null when none is configured or it is away). */
  platformRecordings?: () => Promise<PlatformRecording[] | null>;
  /** Delay before a show that just ended is archived (tests shorten it). */
  archiveDelayMs?: number;
}

const idleStatus = (): ReplayStatus => ({
  showId: null,
  state: 'idle',
  source: null,
  read: 0,
  total: 0,
  checkpointsReady: false,
  error: null,
});

export class Replays {
  readonly dir: string;
  private readonly scan: StudioTopicScan;
  private readonly known = new Map<string, KafkaShow>();
  private engine: ReplayEngine | null = null;
  private status: ReplayStatus = idleStatus();
  private loading: AbortController | null = null;
  private lastShowId: string | null = null;
  private readonly archiving = new Map<string, Promise<ArchiveIndex | null>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** The show running before the last change (to archive it once it ended). */
  private lastRunning: ShowState | null = null;
  /** The platform's complete recordings, as last asked. */
  private readonly platform = new Map<string, PlatformRecording>();

  constructor(private readonly opts: ReplaysOptions) {
    this.dir = join(opts.dataDir, 'replays');
    this.scan = new StudioTopicScan(opts.kafka);
  }

  getStatus(): ReplayStatus {
    return this.status;
  }

  async library(): Promise<ShowLibrary> {
    const problems: string[] = [];
    const fromKafka = await this.scan.refresh().catch((error: unknown) => {
      problems.push(`Kafka: ${(error as Error).message}`);
      return [] as KafkaShow[];
    });
    for (const show of fromKafka) this.known.set(show.showId, show);
    const platform = await this.refreshPlatform();
    if (this.opts.platformRecordings && platform === null)
      problems.push('the recordings platform did not answer');
    const local = new Map(this.opts.recordings.list().map((r) => [r.showId, r]));
    const entries = new Map<string, ShowLibraryEntry>();
    const entry = (showId: string): ShowLibraryEntry => {
      let e = entries.get(showId);
      if (!e) {
        e = {
          showId,
          title: showId,
          mode: 'unknown',
          startedAt: 0,
          endedAt: null,
          currency: null,
          orders: null,
          grossRevenueMinor: null,
          recording: 'none',
          recordingBytes: null,
          inKafka: false,
          archived: false,
        };
        entries.set(showId, e);
      }
      return e;
    };
    for (const show of fromKafka) {
      Object.assign(entry(show.showId), {
        title: show.title ?? show.showId,
        mode: show.mode,
        startedAt: show.startedAt,
        endedAt: show.endedAt,
        currency: show.currency,
        inKafka: true,
      });
    }
    for (const index of this.archives()) {
      const e = entry(index.showId);
      const t = index.timeline;
      if (!e.inKafka)
        Object.assign(e, {
          title: t.title,
          mode: t.mode,
          startedAt: t.startedAt,
          endedAt: t.endedAt,
          currency: t.currency,
        });
      Object.assign(e, {
        archived: true,
        orders: index.summary.orders,
        grossRevenueMinor: index.summary.grossRevenueMinor,
      });
    }
    for (const recording of platform ?? []) {
      const e = entry(recording.showId);
      if (!e.inKafka && !e.archived)
        Object.assign(e, { title: recording.title, startedAt: recording.startedAt });
      Object.assign(e, { recording: 'platform', recordingBytes: recording.sizeBytes });
    }
    for (const recording of local.values()) {
      const e = entry(recording.showId);
      if (e.startedAt === 0) Object.assign(e, { title: recording.title, startedAt: recording.startedAt });
      if (this.opts.recordings.playableFile(recording.showId))
        Object.assign(e, { recording: 'here', recordingBytes: recording.sizeBytes });
    }
    return {
      shows: sortLibrary([...entries.values()]),
      problem: problems.length ? problems.join('; ') : null,
    };
  }

  /** Starts loading a show's replay; progress comes as status pushes. */
  open(showId: string): ReplayStatus {
    this.cancel();
    this.engine?.close();
    this.engine = null;
    this.lastShowId = showId;
    const controller = new AbortController();
    this.loading = controller;
    this.setStatus({ ...idleStatus(), showId, state: 'reading' });
    void this.load(showId, controller.signal).finally(() => {
      if (this.loading === controller) this.loading = null;
    });
    return this.status;
  }

  cancel(): ReplayStatus {
    if (this.loading) {
      this.loading.abort();
      this.loading = null;
    }
    return this.status;
  }

  timeline(showId: string): ReplayTimeline {
    return this.ready(showId).timeline;
  }

  moment(showId: string, at: number): ReplayMoment {
    const engine = this.ready(showId);
    return { showId, at, figures: engine.figuresAt(at), chat: engine.chatAt(at) };
  }

  searchChat(showId: string, query: string): ReplayChatMessage[] {
    return this.ready(showId).searchChat(query);
  }

  exportCsv(showId: string, kind: CsvExportKind): { fileName: string; content: string } {
    const engine = this.ready(showId);
    const timeline = engine.timeline;
    const content = replayCsv(kind, {
      timeline,
      final: engine.figuresAt(Number.MAX_SAFE_INTEGER),
      events: () => engine.allEvents(),
      chat: () => engine.allChat(),
    });
    const safe = archiveDirName(showId);
    return { fileName: `${safe}-${kind}.csv`, content };
  }

  async media(showId: string): Promise<ReplayMedia | null> {
    const local = this.opts.recordings.playableFile(showId);
    const manifest = this.opts.recordings.manifest(showId);
    const path = `/media/recording/${encodeURIComponent(showId)}`;
    if (local && manifest)
      return { url: path, startedAt: manifest.startedAt, durationMs: manifest.durationMs, source: 'here' };
    if (!this.platform.has(showId)) await this.refreshPlatform();
    const remote = this.platform.get(showId);
    return remote
      ? { url: path, startedAt: remote.startedAt, durationMs: remote.durationMs, source: 'platform' }
      : null;
  }

  /** Whether the platform holds a complete recording of the show (as last asked). */
  onPlatform(showId: string): boolean {
    return this.platform.has(showId);
  }

  private async refreshPlatform(): Promise<PlatformRecording[] | null> {
    const list = (await this.opts.platformRecordings?.().catch(() => null)) ?? null;
    if (list) {
      this.platform.clear();
      for (const r of list) this.platform.set(r.showId, r);
    }
    return list;
  }

  /** The running show changed: the one that ended gets archived. */
  onShowChange(show: ShowState | null): void {
    const ended = this.lastRunning;
    this.lastRunning = show;
    if (!ended || ended.showId === show?.showId) return;
    const endedAt = Date.now();
    this.archiveLater(ended, endedAt, this.opts.archiveDelayMs ?? ARCHIVE_DELAY_MS, ARCHIVE_ATTEMPTS);
  }

  /** Archives an ended show after delayMs; Kafka may be away just then, so it tries again. */
  private archiveLater(show: ShowState, endedAt: number, delayMs: number, attempts: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.archive(show.showId, show.startedAt, endedAt).catch(() => {
        // archive() logged why; the replay can still read Kafka (or try again) when opened.
        if (attempts > 1) this.archiveLater(show, endedAt, ARCHIVE_RETRY_MS, attempts - 1);
      });
    }, delayMs);
    this.timers.add(timer);
  }

  /** Reads a show from Kafka and writes its archive (one at a time per show). */
  archive(
    showId: string,
    startedAt: number,
    endedAt: number | null,
    signal?: AbortSignal,
  ): Promise<ArchiveIndex | null> {
    const running = this.archiving.get(showId);
    if (running) return running;
    const work = (async () => {
      const events = await readShowFromKafka(this.opts.kafka, {
        showId,
        startedAt,
        endedAt,
        signal,
        onProgress: (read, total) => {
          if (this.status.showId === showId && this.status.state === 'reading')
            this.setStatus({ ...this.status, source: 'kafka', read, total });
        },
      });
      if (events.length === 0) return null;
      return writeShowArchive(this.archiveDir(showId), showId, events, { startedAt, endedAt });
    })()
      .catch((error: unknown) => {
        if (!(error instanceof ReadCancelled))
          console.warn(`Replays: could not archive ${showId}: ${(error as Error).message}`);
        throw error;
      })
      .finally(() => this.archiving.delete(showId));
    this.archiving.set(showId, work);
    return work;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.cancel();
    this.engine?.close();
    this.engine = null;
  }

  private async load(showId: string, signal: AbortSignal): Promise<void> {
    const dir = this.archiveDir(showId);
    try {
      let index = readArchiveIndex(dir);
      let source: 'kafka' | 'archive' = 'archive';
      if (!index?.complete) {
        const show = this.known.get(showId) ?? (await this.findInKafka(showId));
        if (show) {
          try {
            index = (await this.archive(showId, show.startedAt, show.endedAt, signal)) ?? index;
            source = 'kafka';
          } catch (error) {
            // Kafka no longer has it (or is away): the archive, if there is one, still serves.
            if (error instanceof ReadCancelled || !index) throw error;
          }
        }
      }
      if (signal.aborted) throw new ReadCancelled();
      if (!index) throw new Error('Kafka has no events of this show and there is no archive of it here');
      const engine = ReplayEngine.open(dir);
      if (!engine) throw new Error('the archive of this show cannot be read');
      this.engine = engine;
      this.setStatus({
        ...this.status,
        showId,
        state: 'ready',
        source,
        read: index.events,
        total: index.events,
      });
      await engine.buildCheckpoints(signal);
      if (this.engine === engine && !signal.aborted)
        this.setStatus({ ...this.status, checkpointsReady: engine.checkpointsReady });
    } catch (error) {
      if (this.lastShowId !== showId) return;
      if (error instanceof ReadCancelled) this.setStatus({ ...this.status, state: 'cancelled' });
      else this.setStatus({ ...this.status, state: 'failed', error: (error as Error).message });
    }
  }

  private async findInKafka(showId: string): Promise<KafkaShow | null> {
    for (const show of await this.scan.refresh().catch(() => [] as KafkaShow[]))
      this.known.set(show.showId, show);
    return this.known.get(showId) ?? null;
  }

  private ready(showId: string): ReplayEngine {
    if (!this.engine || this.engine.index.showId !== showId || this.status.state !== 'ready')
      throw new StudioError('failed', `The replay of ${showId} is not open (open it first)`);
    return this.engine;
  }

  private archiveDir(showId: string): string {
    return join(this.dir, archiveDirName(showId));
  }

  private archives(): ArchiveIndex[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir).flatMap((name) => {
      const index = readArchiveIndex(join(this.dir, name));
      return index ? [index] : [];
    });
  }

  private setStatus(status: ReplayStatus): void {
    this.status = status;
    this.opts.onStatus(status);
  }
}
