// Chat moderation as every side sees it: the state a show's chat is in, folded from its
// Kafka events (chat.message and moderation.decision) by one pure ledger that the studio
// and the SFU's chat gate both run, so they agree; the studio API's moderation shapes;
// and the short-lived "another producer is reviewing this" marker.
import { z } from 'zod';
import { EVENT_LIMITS, ModerationRules, MODERATION_LIMITS, type ShowEventOf } from './events';
import { ViewerChatMessage } from './viewer-chat';

export type ChatMessageEvent = ShowEventOf<'chat.message'>;
export type ModerationDecisionEvent = ShowEventOf<'moderation.decision'>;

/** The rules a show starts with, until a producer changes them. */
export const DEFAULT_RULES: ModerationRules = {
  profanity: true,
  blockedTerms: ['free followers', 'buy followers', 'free gift card', 'free money', 'crypto giveaway'],
  links: 'hold',
  toxicityHoldAt: 0.9,
  caps: true,
  repeats: true,
  floods: true,
};

// Studio API shapes ---------------------------------------------------------------

export const MessageStatus = z.enum(['visible', 'held', 'hidden']);
export type MessageStatus = z.infer<typeof MessageStatus>;

export const DecidedBy = z.object({
  kind: z.enum(['moderator', 'host', 'automod']),
  id: z.string(),
  name: z.string().optional(),
});
export type DecidedBy = z.infer<typeof DecidedBy>;

/** One chat message and where it stands. Untrusted text: render as text only. */
export const ChatEntry = ViewerChatMessage.extend({
  replyTo: z.string().nullable(),
  status: MessageStatus,
  /** The latest decision on it (or the gate's hold): why, who, when. */
  reason: z.string().nullable(),
  decidedBy: DecidedBy.nullable(),
  decidedAt: z.number().nullable(),
});
export type ChatEntry = z.infer<typeof ChatEntry>;

export const ShopperStanding = z.object({
  viewerId: z.string(),
  displayName: z.string().nullable(),
  /** Muted until this time (ms epoch); null with mutedForShow false means not muted. */
  mutedUntil: z.number().nullable(),
  mutedForShow: z.boolean(),
  banned: z.boolean(),
  messages: z.number().int(),
});
export type ShopperStanding = z.infer<typeof ShopperStanding>;

export const PinnedChat = z.object({
  messageEventId: z.string(),
  viewerId: z.string(),
  displayName: z.string().nullable(),
  text: z.string(),
});
export type PinnedChat = z.infer<typeof PinnedChat>;

/** Another producer has a held message open (from the presence topic). */
export const ReviewMarker = z.object({
  showId: z.string().min(1).max(EVENT_LIMITS.idLength),
  messageEventId: z.string().min(1).max(EVENT_LIMITS.idLength),
  producer: z.object({
    id: z.string().min(1).max(EVENT_LIMITS.idLength),
    name: z.string().min(1).max(EVENT_LIMITS.labelLength),
  }),
  ts: z.number().int(),
  /** false: they closed it (the marker goes at once instead of expiring). */
  active: z.boolean(),
});
export type ReviewMarker = z.infer<typeof ReviewMarker>;

/** Presence is not part of the show's history: a topic of its own with minutes of retention. */
export const MODERATION_PRESENCE_TOPIC = 'shopcast.moderation-presence.v1';
/** A marker counts for this long after its last refresh (the reviewer refreshes every 5 s). */
export const REVIEW_MARKER_TTL_MS = 15_000;

export const Moderator = z.object({
  id: z.string(),
  name: z.string().trim().min(1).max(80),
  kind: z.enum(['moderator', 'host']),
});
export type Moderator = z.infer<typeof Moderator>;

export const FollowState = z.object({
  state: z.enum(['stopped', 'catching-up', 'live', 'error']),
  error: z.string().nullable(),
});

export const AutomodStatus = z.object({
  /** Whether the trained classifier is loaded (rules run either way). */
  classifier: z.boolean(),
  source: z.string().nullable(),
  problem: z.string().nullable(),
});

export const ModerationSnapshot = z.object({
  showId: z.string().nullable(),
  /** The most recent messages, oldest first. */
  messages: z.array(ChatEntry),
  /** Shoppers who wrote or were decided on (recent first is not implied). */
  shoppers: z.array(ShopperStanding),
  rules: ModerationRules,
  slowModeSeconds: z.number().int(),
  pinned: PinnedChat.nullable(),
  reviewing: z.array(ReviewMarker),
  me: Moderator,
  automod: AutomodStatus,
  following: FollowState,
  decisions: z.number().int(),
});
export type ModerationSnapshot = z.infer<typeof ModerationSnapshot>;

/** What changed since the last push: messages and shoppers are upserts, the rest replaces. */
export const ModerationDelta = ModerationSnapshot.partial().extend({
  showId: z.string().nullable(),
  /** true: forget everything held so far (another show, or a rebuild). */
  reset: z.boolean(),
});
export type ModerationDelta = z.infer<typeof ModerationDelta>;

const MessageId = z.string().min(1).max(EVENT_LIMITS.idLength);
const ViewerId = z.string().min(1).max(EVENT_LIMITS.idLength);
const Reason = z.string().trim().max(EVENT_LIMITS.labelLength).optional();

export const MUTE_CHOICES_MS = { fiveMinutes: 5 * 60_000, oneHour: 3600_000 } as const;

export const ModerateRequest = z.discriminatedUnion('action', [
  z.object({ action: z.literal('hide'), messageEventId: MessageId, reason: Reason }).strict(),
  z.object({ action: z.literal('release'), messageEventId: MessageId }).strict(),
  /** Confirms a hold: the message stays out of the chat for good (hidden). */
  z.object({ action: z.literal('confirm'), messageEventId: MessageId }).strict(),
  z.object({ action: z.literal('pin'), messageEventId: MessageId }).strict(),
  z.object({ action: z.literal('unpin') }).strict(),
  z
    .object({
      action: z.literal('mute'),
      viewerId: ViewerId,
      /** null: for the rest of the show. */
      durationMs: z
        .number()
        .int()
        .min(1000)
        .max(7 * 24 * 3600_000)
        .nullable(),
      reason: Reason,
    })
    .strict(),
  z.object({ action: z.literal('unmute'), viewerId: ViewerId }).strict(),
  z.object({ action: z.literal('ban'), viewerId: ViewerId, reason: Reason }).strict(),
  z.object({ action: z.literal('unban'), viewerId: ViewerId }).strict(),
  z
    .object({
      action: z.literal('slowMode'),
      seconds: z.number().int().min(0).max(MODERATION_LIMITS.slowModeSeconds),
    })
    .strict(),
  z.object({ action: z.literal('rules'), rules: ModerationRules }).strict(),
  z
    .object({
      action: z.literal('reply'),
      text: z.string().trim().min(1).max(500),
      replyTo: MessageId.nullable(),
    })
    .strict(),
]);
export type ModerateRequest = z.infer<typeof ModerateRequest>;

export const ModerateResult = z.object({
  /** done: a decision went out; already: someone else had decided, nothing was sent. */
  outcome: z.enum(['done', 'already']),
  /** For the producer, e.g. "Already released by Ana". */
  note: z.string(),
  eventId: z.string().nullable(),
});
export type ModerateResult = z.infer<typeof ModerateResult>;

export const AuditEntry = z.object({
  eventId: z.string(),
  ts: z.number(),
  action: z.string(),
  decidedBy: DecidedBy,
  targetViewerId: z.string().nullable(),
  messageEventId: z.string().nullable(),
  /** The message concerned, when the studio still has it (untrusted text). */
  messageText: z.string().nullable(),
  detail: z.string().nullable(),
  reason: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

// The ledger ------------------------------------------------------------------------

export interface LedgerLimits {
  /** Messages kept (oldest forgotten first). */
  messages: number;
  /** Decisions kept for the audit (oldest forgotten first; counted all the same). */
  decisions: number;
  /** Shoppers kept (the oldest without a mute or ban forgotten first). */
  shoppers: number;
  /** Decisions about messages not seen yet (the two topics are not ordered). */
  pending: number;
}

export const DEFAULT_LEDGER_LIMITS: LedgerLimits = {
  messages: 20_000,
  decisions: 100_000,
  shoppers: 50_000,
  pending: 10_000,
};

/** What one event changed; `before` is the message's status before it (null: new). */
export interface LedgerChange {
  message?: { entry: ChatEntry; before: MessageStatus | null };
  shopper?: ShopperStanding;
  /** Rules, slow mode or the pinned message changed. */
  show?: boolean;
}

const automodGate = (id: string): DecidedBy => ({ kind: 'automod', id });

/**
 * The show's moderation state, folded from its events in log order. Two ledgers fed the
 * same events end in the same state whatever the interleaving of the two topics: decisions
 * are ordered among themselves (one partition), and a decision that arrives before its
 * message waits for it. Duplicate event ids count once.
 */
export class ModerationLedger {
  readonly messages = new Map<string, ChatEntry>();
  readonly shoppers = new Map<string, ShopperStanding>();
  rules: ModerationRules = DEFAULT_RULES;
  slowModeSeconds = 0;
  pinned: PinnedChat | null = null;
  /** Decisions in log order (bounded), and how many there were in all. */
  readonly decisions: ModerationDecisionEvent[] = [];
  decisionCount = 0;
  private readonly seen = new Set<string>();
  private readonly pending = new Map<string, ModerationDecisionEvent[]>();
  private pendingCount = 0;
  /** Message and shopper ids changed since the last drain. */
  private readonly dirtyMessages = new Set<string>();
  private readonly dirtyShoppers = new Set<string>();
  private dirtyShow = false;

  constructor(private readonly limits: LedgerLimits = DEFAULT_LEDGER_LIMITS) {}

  /** A chat.message; null when it was seen already. */
  applyChat(event: ChatMessageEvent): LedgerChange | null {
    if (this.messages.has(event.id) || !this.remember(event.id)) return null;
    const held = event.automod?.held === true;
    const entry: ChatEntry = {
      id: event.id,
      ts: event.ts,
      viewerId: event.viewerId,
      displayName: event.displayName ?? null,
      text: event.text,
      fromHost: event.fromHost === true,
      replyTo: event.replyTo ?? null,
      status: held ? 'held' : 'visible',
      reason: held ? (event.automod?.reason ?? 'held by the chat gate') : null,
      decidedBy: held ? automodGate('chat-gate') : null,
      decidedAt: held ? event.ts : null,
    };
    this.messages.set(entry.id, entry);
    this.dirtyMessages.add(entry.id);
    if (this.messages.size > this.limits.messages) {
      const oldest = this.messages.keys().next().value as string;
      this.messages.delete(oldest);
      this.dirtyMessages.delete(oldest);
    }
    const shopper = this.shopper(event.viewerId);
    shopper.messages++;
    if (event.displayName) shopper.displayName = event.displayName;
    const waiting = this.pending.get(entry.id);
    if (waiting) {
      this.pending.delete(entry.id);
      this.pendingCount -= waiting.length;
      for (const decision of waiting) this.decideMessage(entry, decision);
    }
    return { message: { entry, before: null }, shopper };
  }

  /** A moderation.decision; null when it was seen already. */
  applyDecision(event: ModerationDecisionEvent): LedgerChange | null {
    if (!this.remember(event.id)) return null;
    this.decisions.push(event);
    this.decisionCount++;
    if (this.decisions.length > this.limits.decisions) this.decisions.shift();
    switch (event.action) {
      case 'message_held':
      case 'message_released':
      case 'message_hidden':
      case 'message_pinned':
      case 'message_unpinned': {
        const entry = this.messages.get(event.messageEventId!);
        if (!entry) {
          this.park(event);
          return {};
        }
        const before = entry.status;
        const show = this.decideMessage(entry, event);
        return { message: { entry, before }, show };
      }
      case 'user_muted':
      case 'user_unmuted':
      case 'user_banned':
      case 'user_unbanned': {
        const shopper = this.shopper(event.targetViewerId!);
        if (event.action === 'user_muted') {
          shopper.mutedUntil = event.durationMs !== undefined ? event.ts + event.durationMs : null;
          shopper.mutedForShow = event.durationMs === undefined;
        } else if (event.action === 'user_unmuted') {
          shopper.mutedUntil = null;
          shopper.mutedForShow = false;
        } else {
          shopper.banned = event.action === 'user_banned';
        }
        return { shopper };
      }
      case 'slow_mode_changed':
        this.slowModeSeconds = event.slowModeSeconds ?? 0;
        this.dirtyShow = true;
        return { show: true };
      case 'rules_changed':
        if (event.rules) this.rules = event.rules;
        this.dirtyShow = true;
        return { show: true };
    }
  }

  /** Whether a shopper may not chat now: 'banned', 'muted' (with until), or null. */
  restriction(
    viewerId: string,
    now: number,
  ): { kind: 'banned' } | { kind: 'muted'; until: number | null } | null {
    const shopper = this.shoppers.get(viewerId);
    if (!shopper) return null;
    if (shopper.banned) return { kind: 'banned' };
    if (shopper.mutedForShow) return { kind: 'muted', until: null };
    if (shopper.mutedUntil !== null && shopper.mutedUntil > now)
      return { kind: 'muted', until: shopper.mutedUntil };
    return null;
  }

  /** The changes since the last call (for coalesced pushes). */
  drain(): { messages: ChatEntry[]; shoppers: ShopperStanding[]; show: boolean } {
    const messages = [...this.dirtyMessages].flatMap((id) => this.messages.get(id) ?? []);
    const shoppers = [...this.dirtyShoppers].flatMap((id) => this.shoppers.get(id) ?? []);
    const show = this.dirtyShow;
    this.dirtyMessages.clear();
    this.dirtyShoppers.clear();
    this.dirtyShow = false;
    return { messages, shoppers, show };
  }

  private decideMessage(entry: ChatEntry, event: ModerationDecisionEvent): boolean {
    let showChanged = false;
    const decided = () => {
      entry.reason = event.reason ?? null;
      entry.decidedBy = event.decidedBy;
      entry.decidedAt = event.ts;
    };
    switch (event.action) {
      case 'message_held':
        entry.status = 'held';
        decided();
        break;
      case 'message_released':
        entry.status = 'visible';
        decided();
        break;
      case 'message_hidden':
        entry.status = 'hidden';
        decided();
        break;
      case 'message_pinned':
        this.pinned = {
          messageEventId: entry.id,
          viewerId: entry.viewerId,
          displayName: entry.displayName,
          text: entry.text,
        };
        showChanged = true;
        break;
      case 'message_unpinned':
        if (this.pinned?.messageEventId === entry.id) {
          this.pinned = null;
          showChanged = true;
        }
        break;
    }
    // A message taken out of the chat takes its pin with it.
    if (entry.status !== 'visible' && this.pinned?.messageEventId === entry.id) {
      this.pinned = null;
      showChanged = true;
    }
    if (showChanged) this.dirtyShow = true;
    this.dirtyMessages.add(entry.id);
    return showChanged;
  }

  private park(event: ModerationDecisionEvent): void {
    if (this.pendingCount >= this.limits.pending) return; // decisions on long-gone messages
    const list = this.pending.get(event.messageEventId!) ?? [];
    list.push(event);
    this.pending.set(event.messageEventId!, list);
    this.pendingCount++;
  }

  /** Records an event id; false when it was seen. Bounded like the messages and decisions. */
  private remember(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    const cap = this.limits.messages + this.limits.decisions;
    if (this.seen.size > cap) this.seen.delete(this.seen.values().next().value as string);
    return true;
  }

  private shopper(viewerId: string): ShopperStanding {
    let shopper = this.shoppers.get(viewerId);
    if (!shopper) {
      shopper = {
        viewerId,
        displayName: null,
        mutedUntil: null,
        mutedForShow: false,
        banned: false,
        messages: 0,
      };
      this.shoppers.set(viewerId, shopper);
      if (this.shoppers.size > this.limits.shoppers) this.forgetAShopper();
    }
    this.dirtyShoppers.add(viewerId);
    return shopper;
  }

  private forgetAShopper(): void {
    for (const [id, shopper] of this.shoppers) {
      if (shopper.banned || shopper.mutedForShow || shopper.mutedUntil !== null) continue;
      this.shoppers.delete(id);
      this.dirtyShoppers.delete(id);
      return;
    }
  }
}

/**
 * The id of the automod hold for a message that reached a follower without a gate's verdict.
 * Every follower that holds it uses this id, so the copies count once.
 */
export function automodHoldId(messageEventId: string): string {
  const id = `automod-held-${messageEventId}`;
  if (id.length <= EVENT_LIMITS.idLength) return id;
  let hash = 0x811c9dc5; // FNV-1a keeps long ids distinct after shortening
  for (let i = 0; i < messageEventId.length; i++)
    hash = Math.imul(hash ^ messageEventId.charCodeAt(i), 0x01000193) >>> 0;
  return `${id.slice(0, EVENT_LIMITS.idLength - 9)}-${hash.toString(16).padStart(8, '0')}`;
}
