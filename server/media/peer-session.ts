// One signaling connection: the studio's publisher (host), a viewer page, or
// the studio main process doing admin work. It owns the transports, producers
// and consumers it created; closing the connection closes them.
import { randomUUID } from 'node:crypto';
import type { types } from 'mediasoup';
import type {
  RequestData,
  ResponseData,
  Role,
  SignalingErrorCode,
  SignalingMethod,
  SignalingNotification,
  SignalingResponse,
  TransportDirection,
} from '../../protocol/signaling';
import { errorResponse, parseRequest, rateLimitedResponse, requestIdOf } from '../../protocol/signaling';
import type { SfuLimits, TransportBudget } from './limits';
import { sameSecret, type RoomMember, type ShowRoom, type ShowRooms } from './show-room';
import { ChatRefusal, type ChatService } from '../chat/show-chat';

/** A refusal the client should see as a typed error rather than `internal`. */
export class SignalingFailure extends Error {
  constructor(
    readonly code: SignalingErrorCode,
    message: string,
    /** For refusals that end by themselves (rate limits, mutes): when to try again. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** mediasoup signals bad parameters with TypeError and unsupported codecs with UnsupportedError. */
function isMediaRefusal(error: unknown): boolean {
  return error instanceof TypeError || (error instanceof Error && error.name === 'UnsupportedError');
}

/** Candidates carry both `ip` (mediasoup 3.8) and `address` (current 3.x), whichever side is older. */
function withAddress(candidates: readonly object[]): object[] {
  return candidates.map((candidate) => {
    const { ip, address } = candidate as { ip?: string; address?: string };
    return { ...candidate, ip: ip ?? address, address: address ?? ip };
  });
}

/** How many requests one connection may send: `burst` at once, refilled at `perSecond`. */
export interface RequestRate {
  perSecond: number;
  burst: number;
}

/** A token bucket per connection: cheap, and a flood costs the SFU one small answer each. */
class RequestBudget {
  private tokens: number;
  private last = performance.now();

  constructor(private readonly rate: RequestRate) {
    this.tokens = rate.burst;
  }

  /** 0 when the request may run; otherwise ms until it could. */
  take(): number {
    const now = performance.now();
    this.tokens = Math.min(this.rate.burst, this.tokens + ((now - this.last) * this.rate.perSecond) / 1000);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 1000) / this.rate.perSecond);
  }
}

export interface SessionContext {
  adminSecret: string;
  rooms: ShowRooms;
  listenIps: types.TransportListenIp[];
  log: (line: string) => void;
  /** Per-connection request limit. */
  requestRate: RequestRate;
  limits: Pick<SfuLimits, 'maxTransportsPerConnection' | 'maxConsumersPerConnection'>;
  /** WebRTC transports across the process (viewers stop short of the host's reserve). */
  transports: TransportBudget;
  /** A viewer entered or left a show (becomes viewer.joined / viewer.left on Kafka). */
  viewerPresence?: (change: 'joined' | 'left', showId: string, viewerId: string) => void;
  /** Shopper chat (server/chat); without it chat requests are refused. */
  chat?: ChatService;
}

type Handlers = { [M in SignalingMethod]: (data: RequestData<M>) => Promise<ResponseData<M>> };

interface OwnedTransport {
  transport: types.WebRtcTransport;
  direction: TransportDirection;
}

export class PeerSession implements RoomMember {
  role: Role = 'viewer';
  private room: ShowRoom | null = null;
  private readonly transports = new Map<string, OwnedTransport>();
  private readonly consumers = new Map<string, types.Consumer>();
  // Requests run one at a time, so a client may send join and the next step back to back.
  private queue: Promise<void> = Promise.resolve();
  private ended = false;
  /** Stops waiting for an upcoming show (watchShow). */
  private stopWatching: (() => void) | null = null;
  /** The viewer this connection announced with viewer.joined; viewer.left goes out once. */
  private presence: { showId: string; viewerId: string } | null = null;

  private readonly budget: RequestBudget;
  /** Showed a valid token or the admin secret (until then the pre-auth timeout applies). */
  private authenticated = false;
  private readonly connectedAt = performance.now();
  private lastRequestAt = performance.now();

  constructor(
    private readonly context: SessionContext,
    private readonly sendRaw: (text: string) => void,
  ) {
    this.budget = new RequestBudget(context.requestRate);
  }

  /** Takes one raw message; the answer goes out through `sendRaw`. Never rejects. */
  receive(raw: string): Promise<void> {
    this.lastRequestAt = performance.now();
    // Checked before queueing, so a flood cannot pile up work behind the queue.
    const retryAfterMs = this.budget.take();
    if (retryAfterMs > 0) {
      this.send(rateLimitedResponse(requestIdOf(raw), retryAfterMs));
      return this.queue;
    }
    this.queue = this.queue.then(() => this.handle(raw));
    return this.queue;
  }

  send(message: SignalingNotification | SignalingResponse): void {
    if (!this.ended) this.sendRaw(JSON.stringify(message));
  }

  /** Consumers of tracks still in the room (mediasoup reports a closed producer's consumers a moment later). */
  consumerCount(isLive: (producerId: string) => boolean = () => true): number {
    let count = 0;
    for (const consumer of this.consumers.values())
      if (!consumer.closed && isLive(consumer.producerId)) count++;
    return count;
  }

  /**
   * Why this connection should be closed now, or null: no token or secret within
   * `preAuthMs` of connecting, or neither in a show nor waiting for one and silent for `idleMs`.
   */
  expired(now: number, preAuthMs: number, idleMs: number): string | null {
    if (!this.authenticated)
      return now - this.connectedAt > preAuthMs ? `no token within ${preAuthMs} ms` : null;
    const waiting = this.room !== null || this.stopWatching !== null;
    return !waiting && now - this.lastRequestAt > idleMs ? `idle for ${idleMs} ms` : null;
  }

  /** The connection closed. */
  end(): void {
    this.ended = true;
    this.stopWatching?.();
    this.stopWatching = null;
    const room = this.room;
    this.leftRoom();
    room?.removeMember(this);
  }

  leftRoom(): void {
    this.room = null;
    if (this.presence) {
      const { showId, viewerId } = this.presence;
      this.presence = null;
      this.context.viewerPresence?.('left', showId, viewerId);
    }
    // Closing a transport closes its producers and consumers; the room hears of the producers.
    for (const { transport } of this.transports.values()) transport.close();
    this.transports.clear();
    this.consumers.clear();
  }

  private async handle(raw: string): Promise<void> {
    const parsed = parseRequest(raw);
    if (!parsed.ok) {
      this.send(parsed.response);
      return;
    }
    const { id, method, data } = parsed.request;
    try {
      const handler = this.handlers[method] as (data: unknown) => Promise<unknown>;
      const result = await handler(data);
      this.send({ type: 'response', id, ok: true, data: result });
    } catch (error) {
      if (error instanceof SignalingFailure) {
        const response = errorResponse(id, error.code, error.message);
        if (error.retryAfterMs !== undefined && !response.ok)
          response.error.retryAfterMs = Math.ceil(error.retryAfterMs);
        this.send(response);
      } else {
        // mediasoup rejects bad parameters (e.g. incompatible codecs) by throwing.
        const message = error instanceof Error ? error.message : String(error);
        this.context.log(`${method} failed: ${message}`);
        this.send(errorResponse(id, isMediaRefusal(error) ? 'media-error' : 'internal', message));
      }
    }
  }

  private requireAdmin(adminSecret: string): void {
    if (!sameSecret(adminSecret, this.context.adminSecret))
      throw new SignalingFailure('unauthorized', 'wrong admin secret');
    this.authenticated = true;
  }

  private joinedRoom(): ShowRoom {
    if (!this.room) throw new SignalingFailure('not-joined', 'join a show first');
    return this.room;
  }

  private requireHost(action: string): ShowRoom {
    const room = this.joinedRoom();
    if (this.role !== 'host') throw new SignalingFailure('forbidden', `only the show's host may ${action}`);
    return room;
  }

  private ownTransport(transportId: string, direction?: TransportDirection): types.WebRtcTransport {
    const owned = this.transports.get(transportId);
    if (!owned) throw new SignalingFailure('not-found', `no transport ${transportId} on this connection`);
    if (direction && owned.direction !== direction) {
      throw new SignalingFailure('conflict', `transport ${transportId} is a ${owned.direction} transport`);
    }
    return owned.transport;
  }

  private readonly handlers: Handlers = {
    openShow: async ({ showId, adminSecret, startedAt }) => {
      this.requireAdmin(adminSecret);
      const room = await this.context.rooms.open(showId);
      this.context.chat?.showOpened(showId, startedAt);
      return { hostToken: room.hostToken, viewerToken: room.viewerToken };
    },

    closeShow: async ({ showId, adminSecret }) => {
      this.requireAdmin(adminSecret);
      return { closed: this.context.rooms.close(showId, 'closed') };
    },

    reserveShow: async ({ showId, adminSecret }) => {
      this.requireAdmin(adminSecret);
      const viewerToken = this.context.rooms.viewerTokenFor(showId);
      if (!viewerToken) throw new SignalingFailure('not-found', 'this SFU has no stable show tokens');
      return { viewerToken };
    },

    watchShow: async ({ showId, token }) => {
      if (!this.context.rooms.roleFor(showId, token))
        throw new SignalingFailure('unauthorized', 'unknown show or wrong token');
      this.authenticated = true;
      const state = this.context.rooms.stateOf(showId);
      if (state === 'upcoming' && !this.stopWatching && !this.ended) {
        this.stopWatching = this.context.rooms.watch(showId, {
          send: (message) => {
            this.stopWatching = null;
            // The idle clock starts again: the client is about to join.
            this.lastRequestAt = performance.now();
            this.send(message);
          },
        });
      }
      return { state };
    },

    join: async ({ showId, token, viewerId }) => {
      if (this.room)
        throw new SignalingFailure('conflict', `already in show ${this.room.showId}; use a new connection`);
      const room = this.context.rooms.get(showId);
      // Same answer for an unknown show and a wrong token, so tokens cannot be probed per show.
      const role = room?.roleFor(token) ?? null;
      if (!room || !role) throw new SignalingFailure('unauthorized', 'unknown show or wrong token');
      this.authenticated = true;
      this.role = role;
      this.room = room;
      room.addMember(this);
      if (role === 'viewer') {
        // Without an id from the page the connection stands for one anonymous viewer.
        this.presence = { showId, viewerId: viewerId ?? `viewer-${randomUUID().slice(0, 12)}` };
        this.context.viewerPresence?.('joined', showId, this.presence.viewerId);
      }
      return { role, producers: room.producers(), viewerCount: room.viewerCount };
    },

    getRouterRtpCapabilities: async () => {
      type Answer = ResponseData<'getRouterRtpCapabilities'>['rtpCapabilities'];
      // Before joining: the capabilities all shows share, for loading a Device ahead of time.
      if (!this.room) return { rtpCapabilities: (await this.context.rooms.capabilities()) as Answer };
      return { rtpCapabilities: this.room.router.rtpCapabilities as Answer };
    },

    createWebRtcTransport: async ({ direction }) => {
      const room = direction === 'send' ? this.requireHost('send media') : this.joinedRoom();
      const { maxTransportsPerConnection } = this.context.limits;
      if (this.transports.size >= maxTransportsPerConnection)
        throw new SignalingFailure(
          'limit-reached',
          `a connection may hold ${maxTransportsPerConnection} transports; open a new connection to start over`,
        );
      const budget = this.context.transports;
      if (!budget.take(this.role))
        throw new SignalingFailure('show-full', 'the show is full right now; try again in a moment');
      let transport: types.WebRtcTransport;
      try {
        transport = await room.router.createWebRtcTransport({
          listenIps: this.context.listenIps,
          enableUdp: true,
          enableTcp: true,
          preferUdp: true,
        });
      } catch (error) {
        budget.release();
        throw error;
      }
      // However it closes (this connection, the show, the worker), its place is free again.
      transport.observer.once('close', () => budget.release());
      if (this.room !== room) {
        // The show ended while the transport was being created.
        transport.close();
        throw new SignalingFailure('not-joined', 'the show ended');
      }
      this.transports.set(transport.id, { transport, direction });
      type Answer = ResponseData<'createWebRtcTransport'>;
      return {
        transportId: transport.id,
        iceParameters: transport.iceParameters as Answer['iceParameters'],
        iceCandidates: withAddress(transport.iceCandidates) as unknown as Answer['iceCandidates'],
        dtlsParameters: transport.dtlsParameters as Answer['dtlsParameters'],
      };
    },

    connectTransport: async ({ transportId, dtlsParameters }) => {
      this.joinedRoom();
      await this.ownTransport(transportId).connect({
        dtlsParameters: dtlsParameters as types.DtlsParameters,
      });
      return {};
    },

    produce: async ({ transportId, kind, rtpParameters, source }) => {
      const room = this.requireHost('produce');
      const transport = this.ownTransport(transportId, 'send');
      const producer = await transport.produce({ kind, rtpParameters: rtpParameters as types.RtpParameters });
      room.addTrack(producer, source, this);
      return { producerId: producer.id };
    },

    closeProducer: async ({ producerId }) => {
      const room = this.requireHost('stop a track');
      if (!room.findProducer(producerId))
        throw new SignalingFailure('not-found', `no producer ${producerId} in this show`);
      room.removeTrack(producerId);
      return {};
    },

    consume: async ({ transportId, producerId, rtpCapabilities }) => {
      const room = this.joinedRoom();
      const transport = this.ownTransport(transportId, 'recv');
      if (!room.findProducer(producerId))
        throw new SignalingFailure('not-found', `no producer ${producerId} in this show`);
      const { maxConsumersPerConnection } = this.context.limits;
      if (this.consumers.size >= maxConsumersPerConnection)
        throw new SignalingFailure(
          'limit-reached',
          `a connection may hold ${maxConsumersPerConnection} consumers`,
        );
      const capabilities = rtpCapabilities as types.RtpCapabilities;
      if (!room.router.canConsume({ producerId, rtpCapabilities: capabilities })) {
        throw new SignalingFailure('media-error', 'these RTP capabilities cannot receive that producer');
      }
      // Paused until the client has its consumer wired up, so no keyframe is lost.
      const consumer = await transport.consume({ producerId, rtpCapabilities: capabilities, paused: true });
      this.consumers.set(consumer.id, consumer);
      consumer.on('producerclose', () => this.consumers.delete(consumer.id));
      consumer.on('transportclose', () => this.consumers.delete(consumer.id));
      return {
        consumerId: consumer.id,
        producerId,
        kind: consumer.kind,
        rtpParameters: consumer.rtpParameters as ResponseData<'consume'>['rtpParameters'],
      };
    },

    resumeConsumer: async ({ consumerId }) => {
      this.joinedRoom();
      const consumer = this.consumers.get(consumerId);
      if (!consumer) throw new SignalingFailure('not-found', `no consumer ${consumerId} on this connection`);
      await consumer.resume();
      // A viewer's picture starts at a keyframe: ask the host for one now rather than wait for it.
      if (consumer.kind === 'video') await consumer.requestKeyFrame().catch(() => {});
      return {};
    },

    getChat: async () => {
      const room = this.joinedRoom();
      return this.chatCall(() => this.requireChat().snapshot(room.showId));
    },

    sendChat: async ({ text, displayName }) => {
      const room = this.joinedRoom();
      if (this.role !== 'viewer' || !this.presence)
        throw new SignalingFailure('forbidden', 'the host replies from the studio');
      const { viewerId } = this.presence;
      return this.chatCall(() => this.requireChat().send(room.showId, viewerId, text, displayName));
    },
  };

  private requireChat(): ChatService {
    if (!this.context.chat) throw new SignalingFailure('internal', 'chat is not available on this SFU');
    return this.context.chat;
  }

  /** Chat refusals become typed signaling errors the page can show. */
  private async chatCall<T>(call: () => T | Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ChatRefusal)
        throw new SignalingFailure(error.code, error.message, error.retryAfterMs);
      throw error;
    }
  }
}
