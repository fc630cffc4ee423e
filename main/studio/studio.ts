// Composes the studio services behind the transport-agnostic host. Electron's main
// process and browser mode both call startStudioServices and attach their adapter.
import { join } from 'node:path';
import type { StudioConfig } from './config';
import { KafkaGateway } from '../kafka';
import { LiveMetrics } from '../live-metrics';
import { LiveControl, MediaRooms, SfuMonitor } from '../going-live';
import { ProductCatalog } from '../products';
import {
  diskThresholdsFromEnv,
  formatBytes,
  RecordingUploader,
  Recordings,
  type MediaSource,
} from '../recording';
import { Replays } from '../replays';
import { Rehearsal } from '../rehearsal';
import { ShowSession, StudioEventPublisher } from '../show';
import { Moderation } from '../moderation';
import { StudioHost } from './studio-host';

export interface StudioServices {
  host: StudioHost;
  config: StudioConfig;
  /** Where a show's recording is played from (the web server's media route, Electron's protocol). */
  recordingMedia(showId: string): Promise<MediaSource | null>;
  stop(): Promise<void>;
}

export function startStudioServices(config: StudioConfig): StudioServices {
  // The host needs handlers that read the services, and the services publish through the host.
  const publishStatus = () => {
    host.publish('status', { kafka: kafka.status, sfu: sfu.status });
    metrics.onKafkaStatus(kafka.status);
  };
  const kafka = new KafkaGateway(config.kafka, publishStatus);
  const sfu = new SfuMonitor(config.sfu, publishStatus);
  const studioEvents = new StudioEventPublisher(
    kafka.kafka,
    join(config.dataDir, 'studio-event-outbox.jsonl'),
  );
  const show: ShowSession = new ShowSession(
    studioEvents,
    join(config.dataDir, 'current-show.json'),
    (state) => {
      host.publish('show', state);
      metrics.setShow(state);
      rehearsal.onShowChange(state);
      live.onShowChange(state);
      moderation.setShow(state);
      recordings.onShowChange(state);
      replays.onShowChange(state);
      host.publish('products', products.state()); // the next show's default currency follows
    },
    (): string | null => products.catalogCurrency(),
  );
  const metrics = new LiveMetrics({
    kafka: kafka.kafka,
    instanceId: 'live-metrics',
    dataDir: config.dataDir,
    kafkaStatus: () => kafka.status,
    kafkaCluster: () => kafka.cluster,
    onSnapshot: (snapshot) => host.publish('metrics', snapshot),
    onHeadline: (headline) => host.publish('headline', headline),
    onPipeline: (status) => host.publish('pipeline', status),
    onChat: (feed) => host.publish('chat', feed),
    pipeline: { topics: config.kafka.topics },
  });
  const rehearsal = new Rehearsal({
    kafka: config.kafka,
    show,
    onStatus: (status) => host.publish('rehearsal', status),
  });
  const recordings = new Recordings({
    dataDir: config.dataDir,
    disk: diskThresholdsFromEnv(),
    currentShow: () => show.current,
    onStatus: (status) => host.publish('recording', status),
    onComplete: (showId) => uploader.enqueue(showId),
  });
  const uploader: RecordingUploader = new RecordingUploader(config.sfu, recordings);
  const replays = new Replays({
    kafka: kafka.kafka,
    dataDir: config.dataDir,
    recordings,
    onStatus: (status) => host.publish('replay', status),
    platformRecordings: uploader.enabled ? () => uploader.list() : undefined,
  });
  const products: ProductCatalog = new ProductCatalog({
    show,
    dataDir: config.dataDir,
    onChange: (state) => host.publish('products', state),
  });
  const live = new LiveControl({
    config: config.sfu,
    show,
    rooms: new MediaRooms(config.sfu),
    upcomingFile: join(config.dataDir, 'upcoming-show.json'),
    kafkaStatus: () => kafka.status,
    sfuStatus: () => sfu.status,
    findProduct: (id) => {
      const product = products.products.find((p) => p.id === id);
      return product
        ? {
            productId: product.id,
            name: product.name,
            priceMinor: product.priceMinor,
            currency: product.currency,
          }
        : null;
    },
  });

  const moderation = new Moderation({
    kafka: kafka.kafka,
    publish: (event) => studioEvents.publish(event),
    moderatorFile: join(config.dataDir, 'moderator.json'),
    ...(config.moderatorName ? { moderatorName: config.moderatorName } : {}),
    instanceId: 'moderation',
    topics: config.kafka.topics,
    onDelta: (delta) => host.publish('moderation', delta),
  });

  const host: StudioHost = new StudioHost({
    getStatus: () => ({ kafka: kafka.status, sfu: sfu.status }),
    getShow: () => show.current,
    startShow: (request) => show.start(request),
    endShow: () => show.end(),
    addMarker: ({ label }) => ({ eventId: show.emit({ type: 'marker', label }).id }),
    getUpcomingShow: () => live.upcoming(),
    goLivePreflight: async () => {
      // Informational: a full disk stops the recording, never the show.
      const disk = recordings.checkDisk();
      const free = `${formatBytes(disk.freeBytes)} free`;
      return [
        ...(await live.preflight()),
        {
          name: 'Disk space (recording)',
          ok: true,
          reason:
            disk.level === 'full'
              ? `only ${free}: the show will not be recorded`
              : disk.level === 'low'
                ? `low, ${free}`
                : free,
        },
      ];
    },
    goLive: (request) => live.goLive(request),
    getLiveSession: () => live.getLiveSession(),
    endLive: () => live.endLive(),
    getMetrics: () => ({ ...metrics.state(), rehearsal: rehearsal.status }),
    startRehearsal: (request) => rehearsal.start(request),
    stopRehearsal: () => rehearsal.stopShoppers(),
    listProducts: () => products.list(),
    importCatalog: ({ fileName, content }) => products.importCatalog(fileName, content),
    setQueue: ({ productIds }) => products.setQueue(productIds),
    pinProduct: ({ productId }) => products.pin(productId),
    unpinProduct: () => products.unpin(),
    markSoldOut: ({ productId }) => products.markSoldOut(productId),
    markBackInStock: ({ productId }) => products.markBackInStock(productId),
    setTryOnAdjustment: ({ productId, ...adjustment }) => products.setAdjustment(productId, adjustment),
    setProductModel: ({ productId, fileName, contentBase64 }) =>
      products.setModel(productId, fileName, contentBase64),
    getProductModel: ({ productId }) => products.getModel(productId),
    getModeration: () => moderation.snapshot(),
    followShow: ({ showId }) => moderation.follow(showId),
    moderate: (request) => moderation.moderate(request),
    setModerator: (change) => moderation.setModerator(change),
    reviewMessage: ({ messageEventId }) => {
      moderation.reviewing(messageEventId);
      return {};
    },
    getModerationAudit: () => moderation.audit(),
    exportModerationAudit: () => moderation.exportAudit(),
    startRecording: (request) => recordings.start(request),
    appendRecordingChunk: (request) => recordings.append(request),
    finishRecording: (request) => recordings.finish(request),
    getRecordingStatus: () => recordings.status(),
    listRecordings: () => recordings.list(),
    deleteRecording: ({ showId }) => recordings.delete(showId),
    listShows: () => replays.library(),
    openReplay: ({ showId }) => replays.open(showId),
    cancelReplay: () => replays.cancel(),
    getReplayStatus: () => replays.getStatus(),
    getReplayTimeline: ({ showId }) => replays.timeline(showId),
    getReplayMoment: ({ showId, at }) => replays.moment(showId, at),
    searchReplayChat: ({ showId, query }) => replays.searchChat(showId, query),
    exportReplayCsv: ({ showId, kind }) => replays.exportCsv(showId, kind),
    getReplayMedia: ({ showId }) => replays.media(showId),
  });
  // Recordings a killed studio left unfinished get a duration and cues again; uploads resume.
  void recordings.repairUnfinished().then(() => uploader.resume());
  kafka.start();
  metrics.setShow(show.current); // a show resumed from disk
  moderation.setShow(show.current);
  replays.onShowChange(show.current); // so its end gets archived too
  sfu.start();
  return {
    host,
    config,
    recordingMedia: async (showId) => {
      const file = recordings.playableFile(showId);
      if (file) return { kind: 'file', ...file };
      // Not here: the platform's copy, passed through (Range included).
      const remote = uploader.mediaUrl(showId);
      return remote && replays.onPlatform(showId) ? { kind: 'remote', ...remote } : null;
    },
    async stop() {
      sfu.stop();
      await moderation.stop();
      recordings.stop();
      uploader.stop();
      await replays.stop();
      await rehearsal.stop();
      await metrics.stop();
      await studioEvents.stop();
      await kafka.stop();
    },
  };
}
