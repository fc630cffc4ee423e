// One live show: its mediasoup router, its two tokens, who is in it, and what
// the host is sending.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { types } from 'mediasoup';
import type {
  NotificationData,
  ProducerInfo,
  ProducerSource,
  Role,
  SignalingNotification,
} from '../../protocol/signaling';
import { notification } from '../../protocol/signaling';

/** A signaling connection that joined the room. */
export interface RoomMember {
  readonly role: Role;
  consumerCount(isLive?: (producerId: string) => boolean): number;
  send(message: SignalingNotification): void;
  /** The room is gone (closed or its worker died): forget it and its media. */
  leftRoom(): void;
}

interface HostTrack {
  producer: types.Producer;
  source: ProducerSource | undefined;
}

export type ShowEndReason = NotificationData<'showEnded'>['reason'];

/** Compares secrets in constant time whatever their lengths. */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * A show's token for one role. Derived from a secret (the admin secret) rather than random,
 * so a restarted SFU hands out the same tokens and viewers can rejoin with the link they have.
 */
export function showToken(secret: string, showId: string, role: Role): string {
  return createHmac('sha256', secret).update(`${role}:${showId}`).digest('base64url').slice(0, 32);
}

export class ShowRoom {
  readonly hostToken: string;
  readonly viewerToken: string;
  private readonly members = new Set<RoomMember>();
  private readonly tracks = new Map<string, HostTrack>();
  private closed = false;
  private viewers = 0;
  /** Viewer counts are coalesced: one push per interval at most, whatever the churn. */
  private countTimer: NodeJS.Timeout | null = null;
  private lastCountAt = -Infinity;

  constructor(
    readonly showId: string,
    readonly router: types.Router,
    readonly worker: types.Worker,
    tokenSecret: string | null = null,
    private readonly viewerCountIntervalMs = 0,
  ) {
    this.hostToken = tokenSecret
      ? showToken(tokenSecret, showId, 'host')
      : randomBytes(24).toString('base64url');
    this.viewerToken = tokenSecret
      ? showToken(tokenSecret, showId, 'viewer')
      : randomBytes(24).toString('base64url');
  }

  roleFor(token: string): Role | null {
    if (sameSecret(token, this.hostToken)) return 'host';
    if (sameSecret(token, this.viewerToken)) return 'viewer';
    return null;
  }

  get viewerCount(): number {
    return this.viewers;
  }

  producers(): ProducerInfo[] {
    return [...this.tracks.values()].map(({ producer, source }) => ({
      producerId: producer.id,
      kind: producer.kind,
      source,
    }));
  }

  findProducer(producerId: string): types.Producer | undefined {
    return this.tracks.get(producerId)?.producer;
  }

  addMember(member: RoomMember): void {
    if (this.members.has(member)) return;
    this.members.add(member);
    if (member.role !== 'viewer') return;
    this.viewers += 1;
    this.scheduleViewerCount();
  }

  removeMember(member: RoomMember): void {
    if (!this.members.delete(member)) return;
    if (member.role !== 'viewer') return;
    this.viewers -= 1;
    this.scheduleViewerCount();
  }

  addTrack(producer: types.Producer, source: ProducerSource | undefined, from: RoomMember): void {
    this.tracks.set(producer.id, { producer, source });
    // The transport closing (host gone) takes its producers with it.
    producer.on('transportclose', () => this.removeTrack(producer.id));
    this.broadcast(
      notification('producerAdded', { producerId: producer.id, kind: producer.kind, source }),
      from,
    );
  }

  /** Forgets a producer that was closed or whose transport closed, and tells everyone. */
  removeTrack(producerId: string): void {
    const track = this.tracks.get(producerId);
    if (!track) return;
    this.tracks.delete(producerId);
    if (!track.producer.closed) track.producer.close();
    this.broadcast(notification('producerClosed', { producerId }));
  }

  stats() {
    let consumers = 0;
    for (const member of this.members)
      consumers += member.consumerCount((producerId) => this.tracks.has(producerId));
    return {
      showId: this.showId,
      producers: this.tracks.size,
      consumers,
      viewerCount: this.viewerCount,
      hosts: this.members.size - this.viewerCount,
    };
  }

  /** Ends the show for everyone in it. Safe to call twice. */
  close(reason: ShowEndReason): void {
    if (this.closed) return;
    this.closed = true;
    if (this.countTimer) clearTimeout(this.countTimer);
    const members = [...this.members];
    this.members.clear();
    this.viewers = 0;
    this.tracks.clear();
    for (const member of members) {
      member.send(notification('showEnded', { showId: this.showId, reason }));
      member.leftRoom();
    }
    // On a dead worker the router is already closed.
    if (!this.router.closed) this.router.close();
  }

  /** Tells every viewer in the show (e.g. the pinned product changed). */
  tellViewers(message: SignalingNotification): void {
    for (const member of this.members) if (member.role === 'viewer') member.send(message);
  }

  /** Pushes the count soon (in this tick's wake, or when the interval since the last push is over). */
  private scheduleViewerCount(): void {
    if (this.countTimer || this.closed) return;
    const wait = Math.max(0, this.lastCountAt + this.viewerCountIntervalMs - performance.now());
    this.countTimer = setTimeout(() => {
      this.countTimer = null;
      this.lastCountAt = performance.now();
      this.broadcast(notification('viewerCount', { showId: this.showId, count: this.viewers }));
    }, wait);
  }

  private broadcast(message: SignalingNotification, except?: RoomMember): void {
    for (const member of this.members) if (member !== except) member.send(message);
  }
}

/** A connection waiting for a show's room to open (see `watchShow`). */
export interface ShowWatcher {
  send(message: SignalingNotification): void;
}

/** Shows ended by their studio, remembered so a late viewer is told so; oldest forgotten first. */
const ENDED_SHOWS_KEPT = 10_000;

/** All open shows, one router each, spread over the media workers. */
export class ShowRooms {
  private readonly rooms = new Map<string, ShowRoom>();
  private readonly ended = new Set<string>();
  private readonly watchers = new Map<string, Set<ShowWatcher>>();
  private capabilitiesOnce: Promise<types.RtpCapabilities> | null = null;
  // Two openShow calls for one show at once must not create two routers.
  private readonly opening = new Map<string, Promise<ShowRoom>>();

  constructor(
    private readonly pickWorker: () => types.Worker,
    private readonly mediaCodecs: types.RtpCodecCapability[],
    /** Makes tokens stable across SFU restarts (see showToken); null keeps them random. */
    private readonly tokenSecret: string | null = null,
    /** At most one viewer-count push per show per this many ms. */
    private readonly viewerCountIntervalMs = 0,
  ) {}

  get size(): number {
    return this.rooms.size;
  }

  get(showId: string): ShowRoom | undefined {
    return this.rooms.get(showId);
  }

  /** Opens the show, or returns it when it is already open. */
  open(showId: string): Promise<ShowRoom> {
    const existing = this.rooms.get(showId);
    if (existing) return Promise.resolve(existing);
    let pending = this.opening.get(showId);
    if (!pending) {
      pending = this.create(showId).finally(() => this.opening.delete(showId));
      this.opening.set(showId, pending);
    }
    return pending;
  }

  close(showId: string, reason: ShowEndReason): boolean {
    const room = this.rooms.get(showId);
    if (!room) return false;
    this.rooms.delete(showId);
    // Only the studio ends a show; a lost worker or a shutdown is a break the show comes back from.
    if (reason === 'closed') this.rememberEnded(showId);
    room.close(reason);
    return true;
  }

  /** A show's role for a token whether or not its room is open (tokens are derived, see showToken). */
  roleFor(showId: string, token: string): Role | null {
    const room = this.rooms.get(showId);
    if (room) return room.roleFor(token);
    if (!this.tokenSecret) return null;
    if (sameSecret(token, showToken(this.tokenSecret, showId, 'viewer'))) return 'viewer';
    if (sameSecret(token, showToken(this.tokenSecret, showId, 'host'))) return 'host';
    return null;
  }

  /** The viewer token of a show that may not be open yet; null when tokens are random. */
  viewerTokenFor(showId: string): string | null {
    return this.tokenSecret ? showToken(this.tokenSecret, showId, 'viewer') : null;
  }

  stateOf(showId: string): 'open' | 'upcoming' | 'ended' {
    if (this.rooms.has(showId)) return 'open';
    return this.ended.has(showId) ? 'ended' : 'upcoming';
  }

  /**
   * What every show's router offers (they are all built from the same codec list), so a
   * client can load its Device before any room is open. Read once from a throwaway router.
   */
  capabilities(): Promise<types.RtpCapabilities> {
    this.capabilitiesOnce ??= (async () => {
      const router = await this.pickWorker().createRouter({ mediaCodecs: this.mediaCodecs });
      const { rtpCapabilities } = router;
      router.close();
      return rtpCapabilities;
    })().catch((error: unknown) => {
      this.capabilitiesOnce = null;
      throw error;
    });
    return this.capabilitiesOnce;
  }

  /** Tells `watcher` once when the show's room opens; returns the way to stop waiting. */
  watch(showId: string, watcher: ShowWatcher): () => void {
    let set = this.watchers.get(showId);
    if (!set) this.watchers.set(showId, (set = new Set()));
    set.add(watcher);
    return () => {
      set.delete(watcher);
      if (set.size === 0 && this.watchers.get(showId) === set) this.watchers.delete(showId);
    };
  }

  private rememberEnded(showId: string): void {
    this.ended.delete(showId);
    this.ended.add(showId);
    if (this.ended.size > ENDED_SHOWS_KEPT) this.ended.delete(this.ended.values().next().value as string);
  }

  closeWhere(predicate: (room: ShowRoom) => boolean, reason: ShowEndReason): void {
    for (const room of [...this.rooms.values()]) if (predicate(room)) this.close(room.showId, reason);
  }

  private async create(showId: string): Promise<ShowRoom> {
    const worker = this.pickWorker();
    const router = await worker.createRouter({ mediaCodecs: this.mediaCodecs });
    const room = new ShowRoom(showId, router, worker, this.tokenSecret, this.viewerCountIntervalMs);
    this.rooms.set(showId, room);
    // The same show id going live again (e.g. re-opened after a restart) is not over.
    this.ended.delete(showId);
    const watchers = this.watchers.get(showId);
    this.watchers.delete(showId);
    for (const watcher of watchers ?? []) watcher.send(notification('showOpened', { showId }));
    return room;
  }
}
