// The SFU process's side of shopper chat: the gate every viewer page's message passes
// (banned, muted, slow mode, a per-shopper rate limit, then auto-moderation before the
// message exists), and the chat every page sees, which follows the show's Kafka log so
// decisions from any studio reach every page. Held messages are never pushed to shoppers.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Automod } from '../../protocol/automod';
import type { ShowEvent } from '../../protocol/events';
import type { KafkaConnection } from '../../protocol/kafka-connection';
import {
  automodHoldId,
  ModerationLedger,
  type ChatEntry,
  type ChatMessageEvent,
  type LedgerChange,
} from '../../protocol/moderation';
import { ShowLog, type ModerationLogEvent } from '../../protocol/show-log';
import { notification, type SignalingNotification } from '../../protocol/signaling';
import type { ToxicityClassifier } from '../../protocol/toxicity';
import type { ViewerChat, ViewerChatMessage } from '../../protocol/viewer-chat';
import { topicSettingsFromEnv } from '../../protocol/show-topics';

/** A refused send, in words the page shows; `retryAfterMs` when waiting helps. */
export class ChatRefusal extends Error {
  constructor(
    readonly code: 'chat-refused' | 'rate-limited' | 'internal',
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface ChatServiceOptions {
  kafka: KafkaConnection;
  /** The SFU's one Kafka producer (ShopperActions). */
  produce: (event: ShowEvent) => Promise<void>;
  /** Sends a notification to every viewer page in the show's room. */
  tellViewers: (showId: string, message: SignalingNotification) => void;
  /** Whether the show's room is open (chats of closed rooms are stopped). */
  isOpen: (showId: string) => boolean;
  classifier: ToxicityClassifier | null;
  /** Per shopper: `burst` messages at once, then `perSecond`. Default 3, then 1 a second. */
  shopperRate?: { perSecond: number; burst: number };
  log: (line: string) => void;
}

/** What a page gets at join and in pushes: the last messages shoppers may see. */
const PAGE_MESSAGES = 100;
/** Shows whose room closed are followed this much longer (a restart re-opens them). */
const IDLE_STOP_MS = 60_000;
/** Without a known start, read this far back. */
const LOOKBACK_MS = 12 * 3600_000;
const READY_TIMEOUT_MS = 5000;
const SHOPPERS_TRACKED = 50_000;

const forPage = (entry: ChatEntry): ViewerChatMessage => ({
  id: entry.id,
  ts: entry.ts,
  viewerId: entry.viewerId,
  displayName: entry.displayName,
  text: entry.text,
  fromHost: entry.fromHost,
});

/** "40 seconds", "a minute", "5 minutes": how long a mute still runs. */
function timeLeft(ms: number): string {
  if (ms < 60_000) {
    const s = Math.max(1, Math.ceil(ms / 1000));
    return s === 1 ? 'a second' : `${s} seconds`;
  }
  const m = Math.ceil(ms / 60_000);
  return m <= 1 ? 'a minute' : `${m} minutes`;
}

/** Remembers a bounded number of shoppers (oldest first out). */
class ShopperMap<T> extends Map<string, T> {
  override set(key: string, value: T): this {
    this.delete(key);
    super.set(key, value);
    if (this.size > SHOPPERS_TRACKED) this.delete(this.keys().next().value as string);
    return this;
  }
}

class ShowChat {
  readonly ledger = new ModerationLedger({
    messages: 5000,
    decisions: 20_000,
    shoppers: 50_000,
    pending: 5000,
  });
  readonly automod: Automod;
  private readonly log: ShowLog;
  private live = false;
  private readonly ready: Promise<void>;
  private markReady!: () => void;
  private readonly budgets = new ShopperMap<{ tokens: number; at: number }>();
  private readonly lastAccepted = new ShopperMap<number>();
  /** Visible messages waiting to be pushed (coalesced per tick). */
  private outgoing: ViewerChatMessage[] = [];
  private removed: string[] = [];
  private flushScheduled = false;
  closedSince: number | null = null;

  constructor(
    readonly showId: string,
    kafka: Kafka,
    fromMs: number,
    private readonly options: ChatServiceOptions,
  ) {
    this.automod = new Automod(options.classifier);
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.log = new ShowLog(kafka, {
      showId,
      fromMs,
      groupPrefix: 'shopcast-sfu-chat',
      topics: topicSettingsFromEnv(process.env),
      onEvent: (event, live) => this.onEvent(event, live),
      onCaughtUp: () => {
        this.live = true;
        this.markReady();
        options.log(`chat of ${showId}: caught up (${this.ledger.messages.size} messages)`);
      },
      onError: (message) => options.log(`chat of ${showId}: ${message}`),
    });
    void this.log.start().catch(() => {});
  }

  stop(): Promise<void> {
    return this.log.stop();
  }

  snapshot(): ViewerChat {
    const messages: ViewerChatMessage[] = [];
    for (const entry of this.ledger.messages.values())
      if (entry.status === 'visible') messages.push(forPage(entry));
    return { messages: messages.slice(-PAGE_MESSAGES), ...this.state() };
  }

  async send(
    viewerId: string,
    text: string,
    displayName: string,
  ): Promise<{ message: ViewerChatMessage; held: boolean }> {
    const now = Date.now();
    if (!this.live) {
      const timeout = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), READY_TIMEOUT_MS));
      if ((await Promise.race([this.ready, timeout])) === 'late')
        throw new ChatRefusal('internal', 'The chat is starting; try again in a moment.', 1000);
    }
    const restriction = this.ledger.restriction(viewerId, now);
    if (restriction?.kind === 'banned')
      throw new ChatRefusal('chat-refused', 'You cannot chat in this show.');
    if (restriction?.kind === 'muted') {
      if (restriction.until === null)
        throw new ChatRefusal('chat-refused', 'You are muted for the rest of this show.');
      const wait = restriction.until - now;
      throw new ChatRefusal('chat-refused', `You are muted for ${timeLeft(wait)} more.`, wait);
    }
    const slowMs = this.ledger.slowModeSeconds * 1000;
    const last = this.lastAccepted.get(viewerId);
    if (slowMs > 0 && last !== undefined && now - last < slowMs) {
      const wait = slowMs - (now - last);
      throw new ChatRefusal(
        'chat-refused',
        `Slow mode: one message every ${this.ledger.slowModeSeconds} s. Wait ${Math.ceil(wait / 1000)} s.`,
        wait,
      );
    }
    const wait = this.takeBudget(viewerId, now);
    if (wait > 0) throw new ChatRefusal('rate-limited', 'You are sending messages too fast.', wait);

    const verdict = this.automod.check({ viewerId, text, ts: now });
    const event: ChatMessageEvent = {
      id: randomUUID(),
      type: 'chat.message',
      v: 1,
      showId: this.showId,
      ts: now,
      viewerId,
      displayName,
      text,
      automod: verdict.held ? { held: true, reason: verdict.reason } : { held: false },
    };
    try {
      await this.options.produce(event);
    } catch (error) {
      this.options.log(`chat message not delivered: ${(error as Error).message}`);
      throw new ChatRefusal('internal', 'The chat is unavailable; try again.', 1000);
    }
    this.lastAccepted.set(viewerId, now);
    // The message itself says it is held; this decision is the audit's and the replays' record.
    if (verdict.held) this.publishHold(event, verdict.reason, 'chat-gate');
    return {
      message: { id: event.id, ts: now, viewerId, displayName, text, fromHost: false },
      held: verdict.held,
    };
  }

  private takeBudget(viewerId: string, now: number): number {
    const rate = this.options.shopperRate ?? { perSecond: 1, burst: 3 };
    const budget = this.budgets.get(viewerId) ?? { tokens: rate.burst, at: now };
    budget.tokens = Math.min(rate.burst, budget.tokens + ((now - budget.at) * rate.perSecond) / 1000);
    budget.at = now;
    this.budgets.set(viewerId, budget);
    if (budget.tokens >= 1) {
      budget.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - budget.tokens) * 1000) / rate.perSecond);
  }

  /** The automod hold of a message; every gate and studio makes the same one (same id). */
  private holdOf(message: ChatMessageEvent, reason: string, gate: string) {
    return {
      id: automodHoldId(message.id),
      type: 'moderation.decision' as const,
      v: 2,
      showId: this.showId,
      ts: message.ts,
      action: 'message_held' as const,
      targetViewerId: message.viewerId,
      messageEventId: message.id,
      decidedBy: { kind: 'automod' as const, id: gate },
      ...(reason ? { reason } : {}),
    };
  }

  private publishHold(message: ChatMessageEvent, reason: string, gate: string): void {
    void this.options.produce(this.holdOf(message, reason, gate)).catch((error: unknown) => {
      this.options.log(`automod hold of ${message.id} not delivered: ${(error as Error).message}`);
    });
  }

  private onEvent(event: ModerationLogEvent, live: boolean): void {
    let change: LedgerChange | null;
    if (event.type === 'chat.message') {
      change = this.ledger.applyChat(event);
      if (change && live && !event.automod && !event.fromHost) {
        // Chat that did not come through a gate (another producer wrote it to Kafka): checked
        // here before any page sees it. Studios check it too, and their hold has the same id.
        const verdict = this.automod.check(event);
        if (verdict.held) {
          this.ledger.applyDecision(this.holdOf(event, verdict.reason, 'automod'));
          this.publishHold(event, verdict.reason, 'automod');
        }
      }
    } else {
      change = this.ledger.applyDecision(event);
      if (change?.show && event.action === 'rules_changed') this.automod.setRules(this.ledger.rules);
    }
    if (!change) return;
    const moved = change.message;
    if (moved) {
      const wasVisible = moved.before === 'visible';
      const isVisible = moved.entry.status === 'visible';
      if (isVisible && !wasVisible) this.outgoing.push(forPage(moved.entry));
      if (wasVisible && !isVisible) this.removed.push(moved.entry.id);
    }
    if (change.show) this.options.tellViewers(this.showId, notification('chatState', this.state()));
    this.scheduleFlush();
  }

  private state(): Omit<ViewerChat, 'messages'> {
    const pinned = this.ledger.pinned;
    const entry = pinned ? this.ledger.messages.get(pinned.messageEventId) : undefined;
    return {
      pinned: entry
        ? forPage(entry)
        : pinned && {
            id: pinned.messageEventId,
            ts: 0,
            viewerId: pinned.viewerId,
            displayName: pinned.displayName,
            text: pinned.text,
            fromHost: false,
          },
      slowModeSeconds: this.ledger.slowModeSeconds,
    };
  }

  /** Pushes in small batches: at 1,000 messages a second a page gets a few frames, not 1,000. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setTimeout(() => {
      this.flushScheduled = false;
      if (this.removed.length > 0) {
        this.options.tellViewers(this.showId, notification('chatRemoved', { messageIds: this.removed }));
        this.removed = [];
      }
      if (this.outgoing.length > 0) {
        const messages = this.outgoing.slice(-PAGE_MESSAGES);
        this.outgoing = [];
        this.options.tellViewers(this.showId, notification('chatMessages', { messages }));
      }
    }, 10);
  }
}

/** Every open show's chat in this SFU process. */
export class ChatService {
  private readonly chats = new Map<string, ShowChat>();
  private readonly startedAt = new Map<string, number>();
  private readonly kafka: Kafka | null;
  private readonly sweep: NodeJS.Timeout;

  constructor(private readonly options: ChatServiceOptions) {
    const { brokers, ssl, sasl } = options.kafka;
    this.kafka =
      brokers.length > 0
        ? new Kafka({
            clientId: 'shopcast-sfu-chat',
            brokers,
            ssl,
            ...(sasl ? { sasl } : {}),
            logLevel: logLevel.NOTHING,
            connectionTimeout: 2000,
          })
        : null;
    this.sweep = setInterval(() => void this.stopIdle(), 15_000);
    this.sweep.unref();
  }

  /** The studio opened a show's room (openShow); `startedAt` is where its log begins. */
  showOpened(showId: string, startedAt: number | undefined): void {
    if (startedAt) this.startedAt.set(showId, startedAt);
    // Without Kafka the show still opens; chat answers "not available" when used.
    if (this.kafka) this.chat(showId);
  }

  snapshot(showId: string): ViewerChat {
    return this.chat(showId).snapshot();
  }

  send(showId: string, viewerId: string, text: string, displayName: string) {
    return this.chat(showId).send(viewerId, text, displayName);
  }

  async stop(): Promise<void> {
    clearInterval(this.sweep);
    await Promise.all([...this.chats.values()].map((chat) => chat.stop()));
    this.chats.clear();
  }

  private chat(showId: string): ShowChat {
    let chat = this.chats.get(showId);
    if (!chat) {
      if (!this.kafka) throw new ChatRefusal('internal', 'Chat is not available on this server.');
      const from = this.startedAt.get(showId) ?? Date.now() - LOOKBACK_MS;
      chat = new ShowChat(showId, this.kafka, from, this.options);
      this.chats.set(showId, chat);
    }
    chat.closedSince = null;
    return chat;
  }

  private async stopIdle(): Promise<void> {
    const now = Date.now();
    for (const [showId, chat] of this.chats) {
      if (this.options.isOpen(showId)) {
        chat.closedSince = null;
        continue;
      }
      chat.closedSince ??= now;
      if (now - chat.closedSince < IDLE_STOP_MS) continue;
      this.chats.delete(showId);
      this.startedAt.delete(showId);
      await chat.stop();
    }
  }
}
