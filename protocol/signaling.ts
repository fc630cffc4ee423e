// Signaling between the SFU (server/media) and its clients: the studio's
// publisher in the renderer, viewer pages, and the studio main process (admin).
// JSON over one WebSocket per client.
//
//   client -> SFU   { id, method, data }                       a request
//   SFU -> client   { type: 'response', id, ok: true, data }   its answer
//                   { type: 'response', id, ok: false, error } (id is null when the request had none)
//                   { type: 'notification', method, data }     pushed by the SFU
//
// Browser code imports this file too: only zod and type-only imports here.
import { z } from 'zod';
import type { types as client } from 'mediasoup-client';
import { PinnedProductAnswer } from './viewer-actions';
import { ViewerChat, ViewerChatMessage } from './viewer-chat';

// mediasoup's wire shapes are large and versioned by mediasoup itself (which
// validates them again). We check the outline here and type them with
// mediasoup-client's own types so the publisher needs no casts.
function outline<T>(schema: z.ZodType): z.ZodType<T> {
  return schema as unknown as z.ZodType<T>;
}

export const mediaKindSchema = z.enum(['audio', 'video']);
export type MediaKind = z.infer<typeof mediaKindSchema>;

const codecOutline = z.looseObject({
  mimeType: z.string().min(1),
  clockRate: z.number().int().positive(),
  channels: z.number().int().positive().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
});

export const rtpCapabilitiesSchema = outline<client.RtpCapabilities>(
  z.looseObject({
    codecs: z.array(codecOutline.extend({ kind: mediaKindSchema })).optional(),
    headerExtensions: z.array(z.looseObject({ uri: z.string(), preferredId: z.number().int() })).optional(),
  }),
);

export const rtpParametersSchema = outline<client.RtpParameters>(
  z.looseObject({
    mid: z.string().optional(),
    codecs: z.array(codecOutline.extend({ payloadType: z.number().int().min(0).max(127) })).min(1),
    headerExtensions: z.array(z.looseObject({ uri: z.string(), id: z.number().int() })).optional(),
    encodings: z.array(z.looseObject({})).optional(),
    rtcp: z.looseObject({}).optional(),
  }),
);

export const dtlsParametersSchema = outline<client.DtlsParameters>(
  z.looseObject({
    role: z.enum(['auto', 'client', 'server']).optional(),
    fingerprints: z.array(z.object({ algorithm: z.string().min(1), value: z.string().min(1) })).min(1),
  }),
);

export const iceParametersSchema = outline<client.IceParameters>(
  z.looseObject({ usernameFragment: z.string(), password: z.string(), iceLite: z.boolean().optional() }),
);

// mediasoup 3.8 names the candidate's address `ip`; current 3.x names it `address`.
// The SFU sends both; either one is enough.
export const iceCandidateSchema = outline<client.IceCandidate>(
  z
    .looseObject({
      foundation: z.string(),
      priority: z.number(),
      ip: z.string().optional(),
      address: z.string().optional(),
      protocol: z.enum(['udp', 'tcp']),
      port: z.number().int(),
      type: z.string(),
    })
    .refine((candidate) => candidate.ip !== undefined || candidate.address !== undefined, {
      message: 'a candidate needs an address (or ip)',
    }),
);

/** Show ids appear in URLs (`/rooms/:showId/stats`), so keep them URL-safe. */
export const showIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'show ids use letters, digits, "_" and "-" only');

const tokenSchema = z.string().min(1).max(256);
const mediasoupIdSchema = z.string().min(1).max(64);

/** What the host says a producer carries, so viewers can lay out camera and screen. */
export const producerSourceSchema = z.enum(['camera', 'microphone', 'screen', 'screen-audio']);
export type ProducerSource = z.infer<typeof producerSourceSchema>;

export const producerInfoSchema = z.object({
  producerId: mediasoupIdSchema,
  kind: mediaKindSchema,
  source: producerSourceSchema.optional(),
});
export type ProducerInfo = z.infer<typeof producerInfoSchema>;

/** open: the room is up (the host may still be connecting); ended: closed by the studio. */
export const showStateSchema = z.enum(['open', 'upcoming', 'ended']);
export type ShowRoomState = z.infer<typeof showStateSchema>;

// Same rule as ids in Kafka events (protocol/events.ts): printable ASCII, no spaces.
const viewerIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/);

export const roleSchema = z.enum(['host', 'viewer']);
export type Role = z.infer<typeof roleSchema>;

export const transportDirectionSchema = z.enum(['send', 'recv']);
export type TransportDirection = z.infer<typeof transportDirectionSchema>;

/** Every request: its data schema and the schema of a successful answer. */
export const signalingMethods = {
  /** Admin (studio main process): opens a room for a show. Idempotent: an open show returns its tokens again. */
  openShow: {
    request: z.object({
      showId: showIdSchema,
      adminSecret: z.string().min(1).max(256),
      /** When the show started (ms epoch): where the SFU's chat reads the show's log from. */
      startedAt: z.number().int().positive().optional(),
    }),
    response: z.object({ hostToken: z.string(), viewerToken: z.string() }),
  },
  /** Admin: ends a show; every client in it gets `showEnded`. */
  closeShow: {
    request: z.object({ showId: showIdSchema, adminSecret: z.string().min(1).max(256) }),
    response: z.object({ closed: z.boolean() }),
  },
  /**
   * Admin: a show's tokens before its room opens, so the host can share the viewer link
   * ahead of going live. Opens nothing.
   */
  reserveShow: {
    request: z.object({ showId: showIdSchema, adminSecret: z.string().min(1).max(256) }),
    response: z.object({ viewerToken: z.string() }),
  },
  /**
   * Where a show stands for a viewer link. For an `upcoming` show this connection gets
   * `showOpened` the moment the studio opens the room (a push, so nobody polls).
   */
  watchShow: {
    request: z.object({ showId: showIdSchema, token: tokenSchema }),
    response: z.object({ state: showStateSchema }),
  },
  /** Enters a show; the token decides the role. Lists producers that already exist. */
  join: {
    request: z.object({
      showId: showIdSchema,
      token: tokenSchema,
      /** The viewer page's anonymous shopper id, for viewer.joined / viewer.left events. */
      viewerId: viewerIdSchema.optional(),
    }),
    response: z.object({
      role: roleSchema,
      producers: z.array(producerInfoSchema),
      viewerCount: z.number().int(),
    }),
  },
  /** Before `join` too: every show's router offers the same, so a Device can load ahead. */
  getRouterRtpCapabilities: {
    request: z.object({}),
    response: z.object({ rtpCapabilities: rtpCapabilitiesSchema }),
  },
  /** `send` is for the host only. */
  createWebRtcTransport: {
    request: z.object({ direction: transportDirectionSchema }),
    response: z.object({
      transportId: mediasoupIdSchema,
      iceParameters: iceParametersSchema,
      iceCandidates: z.array(iceCandidateSchema),
      dtlsParameters: dtlsParametersSchema,
    }),
  },
  connectTransport: {
    request: z.object({ transportId: mediasoupIdSchema, dtlsParameters: dtlsParametersSchema }),
    response: z.object({}),
  },
  /** Host only, on a send transport. */
  produce: {
    request: z.object({
      transportId: mediasoupIdSchema,
      kind: mediaKindSchema,
      rtpParameters: rtpParametersSchema,
      source: producerSourceSchema.optional(),
    }),
    response: z.object({ producerId: mediasoupIdSchema }),
  },
  /** Host only: stops one track (e.g. screen share ended). */
  closeProducer: {
    request: z.object({ producerId: mediasoupIdSchema }),
    response: z.object({}),
  },
  /** On a recv transport. The consumer starts paused; call `resumeConsumer` once it is wired up. */
  consume: {
    request: z.object({
      transportId: mediasoupIdSchema,
      producerId: mediasoupIdSchema,
      rtpCapabilities: rtpCapabilitiesSchema,
    }),
    response: z.object({
      consumerId: mediasoupIdSchema,
      producerId: mediasoupIdSchema,
      kind: mediaKindSchema,
      rtpParameters: rtpParametersSchema,
    }),
  },
  resumeConsumer: {
    request: z.object({ consumerId: mediasoupIdSchema }),
    response: z.object({}),
  },
  /** Viewer, after `join`: the chat as shoppers see it now (then pushed: chatMessages, …). */
  getChat: {
    request: z.object({}),
    response: ViewerChat,
  },
  /**
   * Viewer, after `join`: one chat message. Refused with `chat-refused` (muted, banned, slow
   * mode: `retryAfterMs` says when to try again, if ever) or `rate-limited`.
   */
  sendChat: {
    request: z.object({
      text: z.string().trim().min(1).max(2000),
      displayName: z.string().trim().min(1).max(40),
    }),
    response: z.object({
      message: ViewerChatMessage,
      /** Held for review: only this shopper sees it until a producer releases it. */
      held: z.boolean(),
    }),
  },
} as const;

export type SignalingMethod = keyof typeof signalingMethods;
export const signalingMethodNames = Object.keys(signalingMethods) as SignalingMethod[];

export type RequestData<M extends SignalingMethod> = z.infer<(typeof signalingMethods)[M]['request']>;
export type ResponseData<M extends SignalingMethod> = z.infer<(typeof signalingMethods)[M]['response']>;

/** A validated request, discriminated by method. */
export type SignalingRequest = {
  [M in SignalingMethod]: { id: RequestId; method: M; data: RequestData<M> };
}[SignalingMethod];

export const requestIdSchema = z.union([z.number().int().nonnegative(), z.string().min(1).max(64)]);
export type RequestId = z.infer<typeof requestIdSchema>;

/** The envelope only; `data` is checked against the method's schema afterwards. */
export const requestEnvelopeSchema = z.object({
  id: requestIdSchema,
  method: z.string().min(1).max(64),
  data: z.unknown().optional(),
});

export const notificationSchemas = {
  producerAdded: producerInfoSchema,
  producerClosed: z.object({ producerId: mediasoupIdSchema }),
  /** The show is over for this client (closed by the studio, or the SFU lost its media worker). */
  showEnded: z.object({
    showId: showIdSchema,
    reason: z.enum(['closed', 'media-worker-restarted', 'sfu-shutdown']),
  }),
  viewerCount: z.object({ showId: showIdSchema, count: z.number().int().nonnegative() }),
  /** The studio pinned, unpinned or sold out the pinned product (same shape as GET /pinned). */
  pinnedProduct: PinnedProductAnswer,
  /** After `watchShow` answered `upcoming`: the studio opened the room; join now. */
  showOpened: z.object({ showId: showIdSchema }),
  /** New chat messages every shopper may see (released ones come back this way too). */
  chatMessages: z.object({ messages: z.array(ViewerChatMessage) }),
  /** Messages taken out of the chat (hidden, or held after all). */
  chatRemoved: z.object({ messageIds: z.array(z.string()) }),
  /** The pinned message or slow mode changed. */
  chatState: ViewerChat.omit({ messages: true }),
} as const;

export type NotificationMethod = keyof typeof notificationSchemas;
export type NotificationData<N extends NotificationMethod> = z.infer<(typeof notificationSchemas)[N]>;
export type SignalingNotification = {
  [N in NotificationMethod]: { type: 'notification'; method: N; data: NotificationData<N> };
}[NotificationMethod];

export const signalingErrorCodeSchema = z.enum([
  'invalid-json', // not JSON at all
  'invalid-message', // JSON, but not a request envelope
  'unknown-method',
  'invalid-request', // data does not match the method's schema
  'unauthorized', // bad admin secret or token
  'forbidden', // allowed for another role only (e.g. a viewer producing)
  'not-joined', // needs `join` first
  'not-found', // unknown show, transport, producer or consumer
  'conflict', // e.g. joining a second show on the same connection
  'media-error', // mediasoup refused (e.g. incompatible capabilities)
  'rate-limited', // too many requests on this connection; retry after `retryAfterMs`
  'limit-reached', // this connection holds as many transports or consumers as it may
  'show-full', // the SFU has no media capacity left for viewers; try again later
  'chat-refused', // this shopper may not chat now (muted, banned, slow mode); see the message
  'internal',
]);
export type SignalingErrorCode = z.infer<typeof signalingErrorCodeSchema>;

export const signalingErrorSchema = z.object({
  code: signalingErrorCodeSchema,
  message: z.string(),
  /** Field-level problems for `invalid-request`, e.g. `direction: Invalid option`. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  /** For `rate-limited`: when this connection may send again. */
  retryAfterMs: z.number().int().nonnegative().optional(),
});
export type SignalingError = z.infer<typeof signalingErrorSchema>;

export const responseSchema = z.discriminatedUnion('ok', [
  z.object({ type: z.literal('response'), id: requestIdSchema, ok: z.literal(true), data: z.unknown() }),
  z.object({
    type: z.literal('response'),
    id: requestIdSchema.nullable(),
    ok: z.literal(false),
    error: signalingErrorSchema,
  }),
]);
export type SignalingResponse = z.infer<typeof responseSchema>;

export const serverMessageSchema = z.union([
  responseSchema,
  z.object({ type: z.literal('notification'), method: z.string(), data: z.unknown() }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

export type ParsedRequest =
  { ok: true; request: SignalingRequest } | { ok: false; response: SignalingResponse & { ok: false } };

function failure(id: RequestId | null, error: SignalingError): ParsedRequest {
  return { ok: false, response: { type: 'response', id, ok: false, error } };
}

function issuesOf(error: z.ZodError): NonNullable<SignalingError['issues']> {
  return error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

function isSignalingMethod(method: string): method is SignalingMethod {
  return Object.prototype.hasOwnProperty.call(signalingMethods, method);
}

/** Parses one raw client message. Never throws: a bad message becomes the error response to send back. */
export function parseRequest(raw: string): ParsedRequest {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return failure(null, { code: 'invalid-json', message: 'message is not valid JSON' });
  }
  const envelope = requestEnvelopeSchema.safeParse(json);
  if (!envelope.success) {
    // Echo the id when there is a usable one, so the client can still match the answer.
    const id = requestIdSchema.safeParse((json as { id?: unknown } | null)?.id);
    return failure(id.success ? id.data : null, {
      code: 'invalid-message',
      message: 'expected { id, method, data }',
      issues: issuesOf(envelope.error),
    });
  }
  const { id, method } = envelope.data;
  if (!isSignalingMethod(method)) {
    return failure(id, { code: 'unknown-method', message: `unknown method "${method}"` });
  }
  const data = signalingMethods[method].request.safeParse(envelope.data.data ?? {});
  if (!data.success) {
    return failure(id, {
      code: 'invalid-request',
      message: `invalid data for "${method}"`,
      issues: issuesOf(data.error),
    });
  }
  return { ok: true, request: { id, method, data: data.data } as SignalingRequest };
}

export function okResponse<M extends SignalingMethod>(
  id: RequestId,
  _method: M,
  data: ResponseData<M>,
): SignalingResponse {
  return { type: 'response', id, ok: true, data };
}

export function errorResponse(
  id: RequestId | null,
  code: SignalingErrorCode,
  message: string,
): SignalingResponse {
  return { type: 'response', id, ok: false, error: { code, message } };
}

/** The request id in a raw message, when it has a usable one (for answering a refused request). */
export function requestIdOf(raw: string): RequestId | null {
  try {
    const id = requestIdSchema.safeParse((JSON.parse(raw) as { id?: unknown } | null)?.id);
    return id.success ? id.data : null;
  } catch {
    return null;
  }
}

export function rateLimitedResponse(id: RequestId | null, retryAfterMs: number): SignalingResponse {
  return {
    type: 'response',
    id,
    ok: false,
    error: {
      code: 'rate-limited',
      message: `too many requests on this connection; retry in ${retryAfterMs} ms`,
      retryAfterMs,
    },
  };
}

export function notification<N extends NotificationMethod>(
  method: N,
  data: NotificationData<N>,
): SignalingNotification {
  return { type: 'notification', method, data } as SignalingNotification;
}
