// Watches the running show pipeline against what the Kafka cluster says, so its status tells
// the truth and a stuck consumer does not stay stuck:
// - while the show's partitions have no leader, the pipeline reads "electing" with the reason
//   ("Kafka is electing a new leader (2 of 3 brokers up)") instead of "live";
// - if it counts nothing for stallMs while the show's partitions have leaders and new events
//   arrive on them, it is reported stalled once (the owner gives it a fresh Kafka consumer,
//   which resumes where the old one was), with a growing wait before the next report, so a
//   pipeline that cannot progress is not restarted in a loop.
import type { Admin, Kafka } from 'kafkajs';
import { SHOW_TOPICS } from '../../protocol/events';
import type { ShowPipelineStatus } from '../../protocol/metrics';
import { describeElection, leaderlessFor, showPartition, type ClusterHealth } from '../kafka';

export interface PipelineWatchOptions {
  kafka: Kafka;
  /** The cluster as the Kafka health probe last saw it. */
  cluster: () => ClusterHealth | null;
  /** The pipeline made no progress although it could: restart its consumer (false: nothing to restart yet). */
  onStalled: (reason: string) => boolean;
  /** No progress for this long, with leaders and new events, is a stall (default 8 s). */
  stallMs?: number;
}

const MAX_STALL_MS = 120_000;
/** Before its first count a pipeline joins a group and seeks; give that longer on a busy machine. */
const FIRST_COUNT_MS = 30_000;
/** How long "replaced" stays on the dashboard. */
const NOTICE_MS = 30_000;

export class PipelineWatch {
  private readonly baseStallMs: number;
  private stallMs: number;
  private showId: string | null = null;
  private processed = -1;
  /** Since when the pipeline has had a fair chance: progress, or leaders back. */
  private quietSince = Date.now();
  /** The show partitions' end offsets when the quiet spell was first checked. */
  private endAtSuspicion: number | null = null;
  private checking = false;
  private admin: Admin | null = null;
  private notice: { text: string; until: number } | null = null;

  constructor(private readonly opts: PipelineWatchOptions) {
    this.baseStallMs = this.stallMs = opts.stallMs ?? 8000;
  }

  /** A new pipeline for this show (or none) starts: nothing observed yet. */
  reset(showId: string | null): void {
    this.showId = showId;
    this.processed = -1;
    this.quietSince = Date.now();
    this.endAtSuspicion = null;
  }

  async stop(): Promise<void> {
    await this.admin?.disconnect().catch(() => {});
    this.admin = null;
  }

  /**
   * Each status the pipeline reports (about once a second): returns the status to show, and
   * checks for a stall.
   */
  observe(status: ShowPipelineStatus): ShowPipelineStatus {
    const now = Date.now();
    const health = this.opts.cluster();
    const electing = this.showId !== null && health !== null && leaderlessFor(health, this.showId).length > 0;
    const running = status.state === 'live' || status.state === 'catching-up';
    if (status.processed !== this.processed || electing || !running) {
      if (status.processed !== this.processed && now - this.quietSince > 60_000)
        this.stallMs = this.baseStallMs;
      this.processed = status.processed;
      this.quietSince = now;
      this.endAtSuspicion = null;
    } else if (now - this.quietSince >= this.window() / 2) {
      void this.checkStall(now);
    }
    if (electing) return { ...status, state: 'electing', notice: describeElection(health) };
    if (this.notice && now < this.notice.until) return { ...status, notice: this.notice.text };
    return status;
  }

  private window(): number {
    return this.processed > 0 ? this.stallMs : Math.max(this.stallMs, FIRST_COUNT_MS);
  }

  /** Quiet with leaders: a stall if events reached the show's partitions meanwhile. */
  private async checkStall(now: number): Promise<void> {
    if (this.checking || this.showId === null) return;
    this.checking = true;
    const showId = this.showId;
    try {
      const end = await this.showEndOffsets(showId);
      if (showId !== this.showId || end === null) return;
      if (this.endAtSuspicion === null) {
        this.endAtSuspicion = end;
        return;
      }
      const quietFor = now - this.quietSince;
      if (end > this.endAtSuspicion && quietFor >= this.window()) {
        const reason =
          `Live metrics counted nothing for ${Math.round(quietFor / 1000)} s while Kafka had leaders ` +
          `for the show's partitions and ${end - this.endAtSuspicion} new events: restarted its Kafka ` +
          `consumer (figures resume where they were)`;
        this.reset(showId);
        if (!this.opts.onStalled(reason)) return;
        console.warn(reason);
        this.notice = { text: reason, until: Date.now() + NOTICE_MS };
        this.stallMs = Math.min(this.stallMs * 2, MAX_STALL_MS);
      }
    } finally {
      this.checking = false;
    }
  }

  /** Sum of the end offsets of the show's partitions (shopper and studio), or null if Kafka did not say. */
  private async showEndOffsets(showId: string): Promise<number | null> {
    try {
      if (!this.admin) {
        this.admin = this.opts.kafka.admin();
        await this.admin.connect();
      }
      let sum = 0;
      for (const topic of [SHOW_TOPICS.shopper, SHOW_TOPICS.studio]) {
        const offsets = await this.admin.fetchTopicOffsets(topic);
        const partition = showPartition(topic, showId, offsets.length);
        sum += Number(offsets.find((o) => o.partition === partition)?.high ?? 0);
      }
      return sum;
    } catch {
      const admin = this.admin;
      this.admin = null;
      void admin?.disconnect().catch(() => {});
      return null;
    }
  }
}
