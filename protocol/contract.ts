// The studio API contract: one table of operations (request → response schema) and
// server-push events (name → payload schema). The Electron IPC adapter and the
// browser-mode WebSocket adapter are both derived from this table.
import { z } from 'zod';
import { BadRow, Product } from './catalog';
import { ShowHeadline, ShowMetricsSnapshot, ShowPipelineStatus } from './metrics';
import { ShowState, StartShowRequest } from './show';
import {
  AuditEntry,
  ModerateRequest,
  ModerateResult,
  ModerationDelta,
  ModerationSnapshot,
  Moderator,
} from './moderation';
import {
  AppendRecordingChunkRequest,
  AppendRecordingChunkResponse,
  RecordingPartRef,
  RecordingShowId,
  RecordingStatus,
  RecordingSummary,
  StartRecordingRequest,
} from './recording';
import {
  CsvExport,
  CsvExportKind,
  ReplayChatMessage,
  ReplayMedia,
  ReplayMoment,
  ReplayShowId,
  ReplayStatus,
  ReplayTimeline,
  ShowLibrary,
} from './replays';

// 'electing': a Kafka cluster answers, but some of the show topics' partitions have no leader yet.
export const ConnectionState = z.enum(['connected', 'connecting', 'disconnected', 'electing']);
export type ConnectionState = z.infer<typeof ConnectionState>;

export const ServiceStatus = z.object({
  state: ConnectionState,
  /** Why it is not connected, in words a host understands; null when connected. */
  reason: z.string().nullable(),
  /** What the studio is connecting to, e.g. "127.0.0.1:19092". */
  target: z.string(),
  /** Epoch ms of the last state change. */
  since: z.number(),
  /** A cluster's brokers: how many answer of how many the cluster has (Kafka only). */
  brokers: z.object({ up: z.number().int().min(0), known: z.number().int().min(0) }).optional(),
});
export type ServiceStatus = z.infer<typeof ServiceStatus>;

export const StudioStatus = z.object({
  kafka: ServiceStatus,
  sfu: ServiceStatus,
});
export type StudioStatus = z.infer<typeof StudioStatus>;

const Empty = z.object({}).strict();

export const GoLiveRequest = StartShowRequest.omit({ mode: true });
export const LiveSession = z.object({
  show: ShowState,
  /** Signaling URL the publisher joins with the host token. */
  sfuUrl: z.string(),
  hostToken: z.string(),
  /** The shopper viewer page for this show (carries the viewer token). */
  viewerUrl: z.string(),
});
export type LiveSession = z.infer<typeof LiveSession>;
/** The next live show's id and viewer link, known before going live so the host can share it. */
export const UpcomingShow = z.object({
  showId: z.string(),
  viewerUrl: z.string(),
  /** Signaling URL, so the publisher can connect and load its Device while the host previews. */
  sfuUrl: z.string(),
});
export type UpcomingShow = z.infer<typeof UpcomingShow>;
export const PreflightCheck = z.object({ name: z.string(), ok: z.boolean(), reason: z.string().nullable() });
export type PreflightCheck = z.infer<typeof PreflightCheck>;

// Live show metrics and rehearsal (main/live-metrics/live-metrics.ts, main/rehearsal/rehearsal.ts).
// A rehearsal is a show in mode 'rehearsal' fed by the audience simulator.
export const ChatMessage = z.object({
  id: z.string(),
  ts: z.number(),
  viewerId: z.string(),
  displayName: z.string().nullable(),
  /** Untrusted: render as text only. */
  text: z.string(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;
/** The show's most recent chat messages (at most ~200), oldest first. */
export const ChatFeed = z.object({ showId: z.string().nullable(), messages: z.array(ChatMessage) });
export type ChatFeed = z.infer<typeof ChatFeed>;
export const RehearsalStatus = z.object({
  state: z.enum(['stopped', 'running', 'failed']),
  showId: z.string().nullable(),
  /** Simulated shopper events per second asked for, and sent over the last second. */
  rate: z.number(),
  eventsPerSecond: z.number(),
  sent: z.number(),
  error: z.string().nullable(),
});
export type RehearsalStatus = z.infer<typeof RehearsalStatus>;
export const StartRehearsalRequest = z
  .object({
    title: z.string().trim().min(1).max(200).default('Rehearsal'),
    rate: z.number().int().min(1).max(50_000).default(50),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31)
      .default(1),
  })
  .strict();
export const MetricsState = z.object({
  snapshot: ShowMetricsSnapshot.nullable(),
  pipeline: ShowPipelineStatus,
  chat: ChatFeed,
  rehearsal: RehearsalStatus,
});
export type MetricsState = z.infer<typeof MetricsState>;

// Products and try-on (main/products/product-catalog.ts). The catalog is the demo
// catalog plus the host's imports; the queue is the show's running order. Pins and
// sold-out marks are studio events (product.pinned/unpinned/sold_out/back_in_stock) and show up in
// ShowState. Sizes are capped below the browser-mode WebSocket frame limit (1 MiB).
export const MAX_CATALOG_IMPORT_CHARS = 768 * 1024;
export const MAX_PRODUCT_MODEL_BYTES = 512 * 1024;
const ProductId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'product id');
export const ProductsState = z.object({
  /** Catalog products, with the host's try-on adjustment merged in. Names are untrusted text. */
  products: z.array(Product),
  /** Product ids in show order. */
  queue: z.array(z.string()),
  /** The currency a new show sells in unless the host picks another (the last show's, else the catalog's). */
  defaultCurrency: z.string(),
  /** Products that wear the host's own GLB (fetch it with getProductModel). */
  customModels: z.array(z.string()),
});
export type ProductsState = z.infer<typeof ProductsState>;
export const CatalogImportResult = z.object({ imported: z.number().int(), badRows: z.array(BadRow) });
export type CatalogImportResult = z.infer<typeof CatalogImportResult>;
export const ImportCatalogRequest = z
  .object({
    fileName: z.string().min(1).max(255),
    content: z.string().max(MAX_CATALOG_IMPORT_CHARS, 'catalog file is too large (limit 768 KiB)'),
  })
  .strict();
export const SetTryOnAdjustmentRequest = z
  .object({
    productId: ProductId,
    scale: z.number().min(0.1).max(10),
    offsetX: z.number().min(-2).max(2),
    offsetY: z.number().min(-2).max(2),
  })
  .strict();
export const SetProductModelRequest = z
  .object({
    productId: ProductId,
    fileName: z.string().min(1).max(255),
    contentBase64: z
      .string()
      .max(Math.ceil(MAX_PRODUCT_MODEL_BYTES / 3) * 4, 'model file is too large (limit 512 KiB)'),
  })
  .strict();

const operation = <Request extends z.ZodType, Response extends z.ZodType>(
  request: Request,
  response: Response,
) => ({
  request,
  response,
});

export const studioOperations = {
  getStatus: operation(Empty, StudioStatus),

  // The running show (live or rehearsal).
  getShow: operation(Empty, ShowState.nullable()),
  startShow: operation(StartShowRequest, ShowState),
  endShow: operation(Empty, ShowState.nullable()),
  addMarker: operation(
    z.object({ label: z.string().trim().min(1).max(200) }).strict(),
    z.object({ eventId: z.string() }),
  ),

  // Going live over WebRTC (main/going-live/media-rooms.ts). goLive runs the preflight,
  // starts a live show and opens its SFU room; getLiveSession hands the publisher its
  // credentials again (after a reload, or after the SFU restarted: it re-opens the room
  // without starting the show again); endLive closes the room and ends the show.
  // getUpcomingShow reserves the next live show's id: its viewer link works before the
  // show goes live (the page waits, and plays the moment the host goes live).
  getUpcomingShow: operation(Empty, UpcomingShow),
  goLivePreflight: operation(Empty, z.array(PreflightCheck)),
  goLive: operation(GoLiveRequest, LiveSession),
  getLiveSession: operation(Empty, LiveSession.nullable()),
  endLive: operation(Empty, ShowState.nullable()),

  // Live metrics of the running show; rehearsal starts a show fed by simulated shoppers
  // (stopRehearsal stops the shoppers; endShow ends the rehearsal show).
  getMetrics: operation(Empty, MetricsState),
  startRehearsal: operation(StartRehearsalRequest, ShowState),
  stopRehearsal: operation(Empty, RehearsalStatus),

  // Products and try-on. pinProduct/unpinProduct/markSoldOut need a running show and
  // return its new state; the others return the catalog state.
  listProducts: operation(Empty, ProductsState),
  importCatalog: operation(ImportCatalogRequest, CatalogImportResult),
  setQueue: operation(z.object({ productIds: z.array(ProductId).max(1000) }).strict(), ProductsState),
  pinProduct: operation(z.object({ productId: ProductId }).strict(), ShowState),
  unpinProduct: operation(Empty, ShowState),
  markSoldOut: operation(z.object({ productId: ProductId }).strict(), ShowState),
  markBackInStock: operation(z.object({ productId: ProductId }).strict(), ShowState),
  setTryOnAdjustment: operation(SetTryOnAdjustmentRequest, ProductsState),
  setProductModel: operation(SetProductModelRequest, ProductsState),
  getProductModel: operation(
    z.object({ productId: ProductId }).strict(),
    z.object({ contentBase64: z.string() }),
  ),

  // Chat moderation (main/moderation/moderation.ts). Every action is a moderation.decision
  // on Kafka (a reply is the host's chat.message); the state comes back from the log.
  getModeration: operation(Empty, ModerationSnapshot),
  /** A producer moderates a show another studio runs, by its id (null: this studio's own show). */
  followShow: operation(
    z
      .object({
        showId: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,64}$/, 'show id')
          .nullable(),
      })
      .strict(),
    ModerationSnapshot,
  ),
  moderate: operation(ModerateRequest, ModerateResult),
  setModerator: operation(Moderator.pick({ name: true, kind: true }).strict(), Moderator),
  /** The held message this producer has open (null: none), shown to other producers. */
  reviewMessage: operation(
    z.object({ messageEventId: z.string().min(1).max(128).nullable() }).strict(),
    z.object({}),
  ),
  getModerationAudit: operation(Empty, z.array(AuditEntry)),
  exportModerationAudit: operation(Empty, z.object({ fileName: z.string(), csv: z.string() })),
  // Recording the live show (main/recording, protocol/recording.ts). The renderer's
  // MediaRecorder starts a part, streams its chunks (raw bytes, offset-based and idempotent),
  // and finishes it; recordings are listed with their size and can be deleted.
  startRecording: operation(StartRecordingRequest, RecordingPartRef.extend({ offset: z.number().int() })),
  appendRecordingChunk: operation(AppendRecordingChunkRequest, AppendRecordingChunkResponse),
  finishRecording: operation(RecordingPartRef.strict(), RecordingSummary),
  getRecordingStatus: operation(Empty, RecordingStatus),
  listRecordings: operation(Empty, z.array(RecordingSummary)),
  deleteRecording: operation(z.object({ showId: RecordingShowId }).strict(), z.array(RecordingSummary)),

  // Replays (main/replays, protocol/replays.ts). openReplay reads the show's events back
  // (from Kafka by timestamp, or the local archive) with progress pushed as "replay"; the
  // other replay calls answer once it is ready.
  listShows: operation(Empty, ShowLibrary),
  openReplay: operation(z.object({ showId: ReplayShowId }).strict(), ReplayStatus),
  cancelReplay: operation(Empty, ReplayStatus),
  getReplayStatus: operation(Empty, ReplayStatus),
  getReplayTimeline: operation(z.object({ showId: ReplayShowId }).strict(), ReplayTimeline),
  getReplayMoment: operation(
    z.object({ showId: ReplayShowId, at: z.number().int().min(0) }).strict(),
    ReplayMoment,
  ),
  searchReplayChat: operation(
    z.object({ showId: ReplayShowId, query: z.string().trim().min(1).max(200) }).strict(),
    z.array(ReplayChatMessage),
  ),
  exportReplayCsv: operation(z.object({ showId: ReplayShowId, kind: CsvExportKind }).strict(), CsvExport),
  getReplayMedia: operation(z.object({ showId: ReplayShowId }).strict(), ReplayMedia.nullable()),
};

export const studioPushEvents = {
  status: StudioStatus,
  show: ShowState.nullable(),
  // Coalesced to at most ~10 a second.
  metrics: ShowMetricsSnapshot.nullable(),
  // The KPI figures alone, as soon as they change (at most ~30 a second); the screen shows
  // whichever of headline and metrics is newer (newerHeadline). Null when the show changes.
  headline: ShowHeadline.nullable(),
  pipeline: ShowPipelineStatus,
  chat: ChatFeed,
  rehearsal: RehearsalStatus,
  products: ProductsState,
  // What changed in the show's chat moderation, coalesced to at most ~10 a second.
  moderation: ModerationDelta,
  recording: RecordingStatus,
  replay: ReplayStatus,
};

export type OperationName = keyof typeof studioOperations;
export type PushEventName = keyof typeof studioPushEvents;
export type OperationRequest<K extends OperationName> = z.input<(typeof studioOperations)[K]['request']>;
export type ParsedRequest<K extends OperationName> = z.output<(typeof studioOperations)[K]['request']>;
export type OperationResponse<K extends OperationName> = z.output<(typeof studioOperations)[K]['response']>;
export type PushPayload<K extends PushEventName> = z.output<(typeof studioPushEvents)[K]>;

export const operationNames = Object.keys(studioOperations) as OperationName[];
export const pushEventNames = Object.keys(studioPushEvents) as PushEventName[];

export function isOperationName(name: unknown): name is OperationName {
  return typeof name === 'string' && Object.hasOwn(studioOperations, name);
}

export function isPushEventName(name: unknown): name is PushEventName {
  return typeof name === 'string' && Object.hasOwn(studioPushEvents, name);
}

/** The typed API the renderer sees: one function per operation, plus push subscriptions. */
export type StudioApi = {
  [K in OperationName]: (request: OperationRequest<K>) => Promise<OperationResponse<K>>;
} & {
  on<K extends PushEventName>(event: K, listener: (payload: PushPayload<K>) => void): () => void;
};
