// The one owner of chat moderation in the studio: follows the running show's chat and
// moderation decisions on Kafka from the show's start (so a restarted studio rebuilds the
// same state, and every producer's studio converges), turns a producer's actions into
// moderation.decision events, runs auto-moderation on chat that reached Kafka without a
// gate's verdict, and pushes what changed to every window (coalesced, ~10 a second).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { Automod } from '../../protocol/automod';
import { EVENT_VERSIONS, type ShowEvent } from '../../protocol/events';
import {
  automodHoldId,
  ModerationLedger,
  Moderator,
  type AuditEntry,
  type ChatMessageEvent,
  type ModerateRequest,
  type ModerateResult,
  type ModerationDelta,
  type ModerationDecisionEvent,
  type ModerationSnapshot,
} from '../../protocol/moderation';
import { StudioError } from '../../protocol/rpc';
import type { ShowState } from '../../protocol/show';
import { ShowLog, type ModerationLogEvent } from '../../protocol/show-log';
import { ToxicityClassifier, toxicityModelFile } from '../../protocol/toxicity';
import { auditCsv, auditEntries } from './audit';
import { ReviewPresence } from './review-presence';
import type { TopicSettingsInput } from '../../protocol/show-topics';

export interface ModerationOptions {
  kafka: Kafka;
  /** Publishes an event through the studio's one outbox (StudioEventPublisher); returns it. */
  publish: (event: ShowEvent) => ShowEvent;
  /** Where this studio's producer identity is kept. */
  moderatorFile: string | null;
  /** The producer's name when no identity is kept yet. */
  moderatorName?: string;
  onDelta: (delta: ModerationDelta) => void;
  /** Names this studio's consumer groups. */
  instanceId: string;
  /** The exported classifier; default: $SHOPCAST_TOXICITY_MODEL or the setup cache. */
  classifierFile?: string;
  env?: Record<string, string | undefined>;
  /** Show topic settings, if this studio is the first to need the topics. */
  topics?: TopicSettingsInput;
}

const SNAPSHOT_MESSAGES = 2000;
/** A show this studio did not start: read this far back for its start. */
const FOLLOW_LOOKBACK_MS = 12 * 3600_000;
/** Keeps one push well under the browser-mode socket's limits, even with 2,000-character lines. */
const SNAPSHOT_CHARS = 400_000;
const PUSH_INTERVAL_MS = 100;

type Following = ModerationSnapshot['following'];

function loadClassifier(file: string): { classifier: ToxicityClassifier | null; problem: string | null } {
  try {
    return { classifier: ToxicityClassifier.fromJson(readFileSync(file, 'utf8')), problem: null };
  } catch (error) {
    return {
      classifier: null,
      problem: `The toxicity classifier is not set up (${(error as Error).message}); rules still run. Run npx tsx scripts/toxicity-model.ts.`,
    };
  }
}

/** The show being moderated: the one this studio runs, or one a producer follows. */
interface ModeratedShow {
  showId: string;
  startedAt: number;
}

export class Moderation {
  private show: ModeratedShow | null = null;
  private running: ModeratedShow | null = null;
  private followed: ModeratedShow | null = null;
  private ledger = new ModerationLedger();
  private automod: Automod;
  private log: ShowLog | null = null;
  private following: Following = { state: 'stopped', error: null };
  private me: Moderator;
  private readonly classifier: ToxicityClassifier | null;
  private readonly classifierProblem: string | null;
  private readonly presence: ReviewPresence;
  private pushTimer: NodeJS.Timeout | null = null;
  private lastPushAt = -Infinity;
  /** Bumped per show, so a replaced follower's late events are ignored. */
  private generation = 0;

  constructor(private readonly options: ModerationOptions) {
    const env = options.env ?? process.env;
    const file = options.classifierFile ?? toxicityModelFile(env, homedir());
    const loaded = loadClassifier(file);
    this.classifier = loaded.classifier;
    this.classifierProblem = loaded.problem;
    this.automod = new Automod(this.classifier);
    this.me = this.loadModerator();
    this.presence = new ReviewPresence(options.kafka, () => this.schedulePush());
  }

  /** The show this studio runs changed (ShowSession's onChange). */
  setShow(show: ShowState | null): void {
    this.running = show && { showId: show.showId, startedAt: show.startedAt };
    this.switchTo(this.followed ?? this.running);
  }

  /**
   * A producer whose studio does not run the show moderates it by id (null: back to the
   * show this studio runs). Its log is read from 12 hours back to find the show's start.
   */
  follow(showId: string | null): ModerationSnapshot {
    this.followed = showId ? { showId, startedAt: Date.now() - FOLLOW_LOOKBACK_MS } : null;
    this.switchTo(this.followed ?? this.running);
    return this.snapshot();
  }

  private switchTo(show: ModeratedShow | null): void {
    if (show?.showId === this.show?.showId) return;
    this.show = show;
    const generation = ++this.generation;
    const old = this.log;
    this.log = null;
    void old?.stop();
    this.ledger = new ModerationLedger();
    this.automod = new Automod(this.classifier);
    this.presence.setShow(show?.showId ?? null, this.me);
    this.following = { state: show ? 'catching-up' : 'stopped', error: null };
    this.options.onDelta({ ...this.snapshot(), reset: true });
    if (!show) return;
    const log = new ShowLog(this.options.kafka, {
      showId: show.showId,
      fromMs: show.startedAt,
      groupPrefix: `shopcast-studio.${this.options.instanceId}`,
      ...(this.options.topics ? { topics: this.options.topics } : {}),
      onEvent: (event, live) => {
        if (generation === this.generation) this.onEvent(event, live);
      },
      onCaughtUp: () => {
        if (generation !== this.generation) return;
        this.following = { state: 'live', error: null };
        this.schedulePush();
      },
      onError: (message) => {
        if (generation !== this.generation) return;
        this.following = { ...this.following, error: message };
        this.schedulePush();
      },
    });
    this.log = log;
    void log.start();
  }

  snapshot(): ModerationSnapshot {
    return {
      showId: this.show?.showId ?? null,
      messages: this.recentMessages(),
      shoppers: [...this.ledger.shoppers.values()],
      ...this.showFields(),
    };
  }

  /** The newest messages, at most SNAPSHOT_MESSAGES or about SNAPSHOT_CHARS of text. */
  private recentMessages(): ModerationSnapshot['messages'] {
    const all = [...this.ledger.messages.values()];
    let chars = 0;
    let from = all.length;
    while (from > 0 && all.length - from < SNAPSHOT_MESSAGES && chars < SNAPSHOT_CHARS)
      chars += all[--from]!.text.length;
    return all.slice(from);
  }

  audit(): AuditEntry[] {
    return auditEntries(this.ledger);
  }

  exportAudit(): { fileName: string; csv: string } {
    const showId = this.show?.showId ?? 'no-show';
    return { fileName: `moderation-audit-${showId}.csv`, csv: auditCsv(this.audit()) };
  }

  setModerator(change: Pick<Moderator, 'name' | 'kind'>): Moderator {
    this.me = { ...this.me, ...change };
    this.saveModerator();
    this.presence.setShow(this.show?.showId ?? null, this.me);
    this.schedulePush();
    return this.me;
  }

  /** This producer opened (or closed: null) a held message. */
  reviewing(messageEventId: string | null): void {
    this.presence.reviewing(messageEventId);
  }

  moderate(request: ModerateRequest): ModerateResult {
    if (!this.show) throw new StudioError('failed', 'No show is running. Start a show or a rehearsal first.');
    const by = { kind: this.me.kind, id: this.me.id, name: this.me.name };
    const done = (event: ShowEvent, note: string): ModerateResult => ({
      outcome: 'done',
      note,
      eventId: event.id,
    });
    const showId = this.show.showId;
    const envelope = <T extends ShowEvent['type']>(type: T) => ({
      id: randomUUID(),
      type,
      v: EVENT_VERSIONS[type],
      showId,
      ts: Date.now(),
    });
    const decide = (
      body: Omit<ModerationDecisionEvent, 'id' | 'v' | 'ts' | 'showId' | 'type' | 'decidedBy'>,
    ) => this.options.publish({ ...envelope('moderation.decision'), decidedBy: by, ...body } as ShowEvent);

    switch (request.action) {
      case 'hide':
      case 'release':
      case 'confirm':
      case 'pin': {
        const entry = this.ledger.messages.get(request.messageEventId);
        if (!entry) throw new StudioError('failed', 'That message is no longer in the studio’s chat.');
        const wanted =
          request.action === 'release' ? 'visible' : request.action === 'pin' ? 'visible' : 'hidden';
        // Someone else decided first: show their decision rather than a conflict.
        const theirs =
          entry.decidedBy && entry.decidedBy.id !== this.me.id && entry.decidedBy.kind !== 'automod';
        if (request.action !== 'pin' && entry.status === wanted && theirs)
          return {
            outcome: 'already',
            note: `Already ${wanted === 'visible' ? 'released' : 'hidden'} by ${entry.decidedBy!.name ?? entry.decidedBy!.id}`,
            eventId: null,
          };
        if (request.action === 'pin') {
          if (entry.status !== 'visible')
            throw new StudioError('failed', 'Only a message in the chat can be pinned.');
          const event = decide({
            action: 'message_pinned',
            targetViewerId: entry.viewerId,
            messageEventId: entry.id,
            message: { text: entry.text, ...(entry.displayName ? { displayName: entry.displayName } : {}) },
          });
          return done(event, 'Pinned');
        }
        const reason =
          request.action === 'confirm'
            ? `confirmed hold${entry.reason ? `: ${entry.reason}` : ''}`.slice(0, 200)
            : request.action === 'hide'
              ? request.reason || undefined
              : undefined;
        const event = decide({
          action: request.action === 'release' ? 'message_released' : 'message_hidden',
          targetViewerId: entry.viewerId,
          messageEventId: entry.id,
          ...(reason ? { reason } : {}),
        });
        return done(event, request.action === 'release' ? 'Released' : 'Hidden');
      }
      case 'unpin': {
        const pinned = this.ledger.pinned;
        if (!pinned) return { outcome: 'already', note: 'Nothing is pinned', eventId: null };
        return done(
          decide({
            action: 'message_unpinned',
            targetViewerId: pinned.viewerId,
            messageEventId: pinned.messageEventId,
          }),
          'Unpinned',
        );
      }
      case 'mute':
        return done(
          decide({
            action: 'user_muted',
            targetViewerId: request.viewerId,
            ...(request.durationMs !== null ? { durationMs: request.durationMs } : {}),
            ...(request.reason ? { reason: request.reason } : {}),
          }),
          'Muted',
        );
      case 'unmute':
      case 'unban':
        return done(
          decide({
            action: request.action === 'unmute' ? 'user_unmuted' : 'user_unbanned',
            targetViewerId: request.viewerId,
          }),
          request.action === 'unmute' ? 'Unmuted' : 'Unbanned',
        );
      case 'ban':
        return done(
          decide({
            action: 'user_banned',
            targetViewerId: request.viewerId,
            ...(request.reason ? { reason: request.reason } : {}),
          }),
          'Banned',
        );
      case 'slowMode':
        return done(
          decide({ action: 'slow_mode_changed', slowModeSeconds: request.seconds }),
          'Slow mode set',
        );
      case 'rules':
        return done(decide({ action: 'rules_changed', rules: request.rules }), 'Rules saved');
      case 'reply': {
        const event = this.options.publish({
          ...envelope('chat.message'),
          viewerId: `host-${this.me.id}`.slice(0, 128),
          displayName: this.me.name,
          text: request.text,
          fromHost: true,
          ...(request.replyTo ? { replyTo: request.replyTo } : {}),
        } as ShowEvent);
        return done(event, 'Replied as the host');
      }
    }
  }

  async stop(): Promise<void> {
    this.generation++;
    if (this.pushTimer) clearTimeout(this.pushTimer);
    await this.log?.stop();
    await this.presence.stop();
  }

  private onEvent(event: ModerationLogEvent, live: boolean): void {
    if (event.type === 'chat.message') {
      const change = this.ledger.applyChat(event);
      // Chat without a gate's verdict (e.g. rehearsal shoppers write straight to Kafka).
      if (change && live && !event.automod && !event.fromHost) this.checkUngated(event);
    } else {
      const change = this.ledger.applyDecision(event);
      if (change?.show && event.action === 'rules_changed') this.automod.setRules(this.ledger.rules);
      // A producer's decision goes out at once: the others must not act on what it settled.
      if (change && event.decidedBy.kind !== 'automod') {
        this.schedulePush(true);
        return;
      }
    }
    this.schedulePush();
  }

  private checkUngated(event: ChatMessageEvent): void {
    const verdict = this.automod.check(event);
    if (!verdict.held) return;
    const hold: ModerationDecisionEvent = {
      id: automodHoldId(event.id),
      type: 'moderation.decision',
      v: 2,
      showId: event.showId,
      ts: event.ts,
      action: 'message_held',
      targetViewerId: event.viewerId,
      messageEventId: event.id,
      decidedBy: { kind: 'automod', id: 'automod' },
      ...(verdict.reason ? { reason: verdict.reason } : {}),
    };
    this.ledger.applyDecision(hold);
    try {
      this.options.publish(hold);
    } catch (error) {
      console.warn(`Moderation: could not publish an automod hold: ${(error as Error).message}`);
    }
  }

  private showFields() {
    return {
      rules: this.ledger.rules,
      slowModeSeconds: this.ledger.slowModeSeconds,
      pinned: this.ledger.pinned,
      reviewing: this.presence.markers(),
      me: this.me,
      automod: {
        classifier: this.classifier !== null,
        source: this.classifier?.source ?? null,
        problem: this.classifierProblem,
      },
      following: this.following,
      decisions: this.ledger.decisionCount,
    };
  }

  /**
   * A change goes out at once unless a push went out less than PUSH_INTERVAL_MS ago (then
   * with the next one); `now` (a producer's decision, a few a second at most) does not wait.
   */
  private schedulePush(now = false): void {
    if (this.pushTimer && !now) return;
    if (this.pushTimer) clearTimeout(this.pushTimer);
    const wait = now ? 0 : Math.max(0, this.lastPushAt + PUSH_INTERVAL_MS - performance.now());
    this.pushTimer = setTimeout(() => {
      this.pushTimer = null;
      this.lastPushAt = performance.now();
      const { messages, shoppers } = this.ledger.drain();
      this.options.onDelta({
        showId: this.show?.showId ?? null,
        reset: false,
        messages,
        shoppers,
        ...this.showFields(),
      });
    }, wait);
  }

  private loadModerator(): Moderator {
    const file = this.options.moderatorFile;
    if (file && existsSync(file)) {
      try {
        const saved = Moderator.safeParse(JSON.parse(readFileSync(file, 'utf8')));
        if (saved.success) return saved.data;
      } catch {
        // unreadable: a new identity below
      }
    }
    const id = `producer-${randomBytes(4).toString('hex')}`;
    const name = (this.options.moderatorName ?? '').trim().slice(0, 80) || `Producer ${id.slice(-4)}`;
    this.me = { id, name, kind: 'moderator' };
    this.saveModerator();
    return this.me;
  }

  private saveModerator(): void {
    const file = this.options.moderatorFile;
    if (!file) return;
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(this.me));
    } catch (error) {
      console.warn(`Could not keep the producer identity in ${file}: ${(error as Error).message}`);
    }
  }
}
