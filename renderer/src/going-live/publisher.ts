// The one owner of the mediasoup-client Device and the send transport: joins the show's
// SFU room with the host token, sends the program video and the microphone, reconnects
// by itself when the SFU or the network goes away, and reports its state to the store.
import { Device, type types } from 'mediasoup-client';
import type { LiveSession, StudioApi, UpcomingShow } from '../../../protocol/contract';
import { SignalingClient, type SocketConstructor } from '../../../protocol/signaling-client';
import type { ProducerSource } from '../../../protocol/signaling';
import { useStudioStore } from '../store';
import type { LiveSlice, PreflightResult } from '../store/live-slice';
import type { StudioLink } from '../studio-client';
import { StreamHealthSampler } from './stream-health';
import { capture, program } from '../media/studio-media';

// One 720p30 layer is enough here: the SFU forwards it as is, and simulcast would cost the
// host's CPU two more encodes for viewers that are all on good links today.
const VIDEO_ENCODING: RTCRtpEncodingParameters = { maxBitrate: 2_500_000, maxFramerate: 30 };
const HEALTH_INTERVAL_MS = 1000;

const setLive = (patch: Partial<Omit<LiveSlice, 'setLive'>>) => useStudioStore.getState().setLive(patch);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
/** Steps of going live on the page's performance timeline, for benchmarks. */
const mark = (step: string) => performance.mark(step);

/** The first codec the browser offers of the preferred kinds: VP8, else H264. */
function preferredVideoCodec(device: Device): types.RtpCodecCapability | undefined {
  const codecs = device.rtpCapabilities.codecs ?? [];
  for (const mimeType of ['video/VP8', 'video/H264']) {
    const codec = codecs.find((c) => c.mimeType.toLowerCase() === mimeType.toLowerCase());
    if (codec) return codec;
  }
  return undefined;
}

/** A signaling connection and a loaded Device made while the host previews (see warmUp). */
interface WarmStart {
  sfuUrl: string;
  client: SignalingClient;
  device: Device;
}

interface Connection {
  client: SignalingClient;
  transport: types.Transport;
  video: types.Producer | null;
  audio: types.Producer | null;
}

export class Publisher {
  private connection: Connection | null = null;
  /** Bumped on every (re)connect and on end, so events from an old connection are ignored. */
  private generation = 0;
  private wantLive = false;
  private reconnecting = false;
  private healthTimer: ReturnType<typeof setInterval> | null = null;
  private sampler = new StreamHealthSampler();
  private warm: Promise<WarmStart | null> | null = null;

  constructor(private readonly api: StudioApi) {}

  /** After a reload while live: picks the running live show up again. */
  async resume(): Promise<void> {
    if (this.wantLive) return;
    const session = await this.api.getLiveSession({}).catch(() => null);
    if (!session || this.wantLive) return;
    this.wantLive = true;
    await this.connectOrRetry(session);
  }

  /** Device checks here; service checks in main. */
  private localChecks(): PreflightResult[] {
    return [
      {
        name: 'Camera',
        ok: !!capture.camera?.getVideoTracks().some((t) => t.readyState === 'live'),
        reason: 'no camera is on',
      },
      {
        name: 'Microphone',
        ok: !!capture.microphone?.getAudioTracks().some((t) => t.readyState === 'live'),
        reason: 'no microphone is on',
      },
      { name: 'Program', ok: program().fps > 0, reason: 'the program is not composing frames' },
    ].map((check) => ({ ...check, reason: check.ok ? null : check.reason }));
  }

  /** The next show's viewer link, so the host can share it before going live. */
  async prepareUpcoming(): Promise<void> {
    if (this.wantLive) return;
    const upcoming = await this.api.getUpcomingShow({}).catch(() => null);
    if (this.wantLive) return;
    setLive({ upcomingViewerUrl: upcoming?.viewerUrl ?? null });
    if (upcoming) this.warmUp(upcoming);
  }

  /**
   * Connects to the SFU and loads the Device while the host previews, so going live starts
   * at joining the room. Best effort: without it going live connects from scratch.
   */
  private warmUp(upcoming: UpcomingShow): void {
    const { sfuUrl, showId } = upcoming;
    this.warm ??= (async (): Promise<WarmStart | null> => {
      const client = await SignalingClient.connect(sfuUrl, WebSocket as unknown as SocketConstructor, {
        connectTimeoutMs: 2000,
      });
      try {
        // The SFU closes connections that show no token within seconds: waiting for the
        // upcoming show with its viewer link's token keeps this one open while the host previews.
        const token = new URL(upcoming.viewerUrl).searchParams.get('token') ?? '';
        const watching = client.request('watchShow', { showId, token });
        const { rtpCapabilities } = await client.request('getRouterRtpCapabilities', {});
        await watching;
        const device = new Device();
        await device.load({ routerRtpCapabilities: rtpCapabilities });
        // If the SFU restarts meanwhile, takeWarm finds the connection closed and goes live afresh.
        return { sfuUrl, client, device };
      } catch (error) {
        client.close();
        throw error;
      }
    })().catch(() => {
      this.warm = null;
      return null;
    });
  }

  /** The warm connection for this SFU if it is still open; it is used once. */
  private async takeWarm(sfuUrl: string): Promise<WarmStart | null> {
    const pending = this.warm;
    this.warm = null;
    const warm = await pending;
    if (warm && warm.sfuUrl === sfuUrl && !warm.client.closed) return warm;
    warm?.client.close();
    return null;
  }

  async goLive(request: { title: string; currency?: string }): Promise<void> {
    // A second click or shortcut while the first is still checking is the same request.
    if (this.wantLive || useStudioStore.getState().livePhase === 'preflight') return;
    mark('goLive:clicked');
    setLive({ livePhase: 'preflight', liveReason: null, preflight: [] });
    const local = this.localChecks();
    // A missing microphone is worth a warning, not a refusal: some shows are silent demos.
    const blocks = (check: PreflightResult) => !check.ok && check.name !== 'Microphone';
    const remote = this.api
      .goLivePreflight({})
      .catch((error: unknown) => [{ name: 'Studio services', ok: false, reason: messageOf(error) }]);
    // main runs the service checks again inside goLive, so both go out at once rather than
    // one after the other; the checks are only there to be shown.
    const starting = local.some(blocks)
      ? null
      : this.api.goLive(request).then(
          (session) => ({ session }),
          (error: unknown) => ({ error: messageOf(error) }),
        );
    const [remoteChecks, started] = await Promise.all([remote, starting]);
    mark('goLive:showStarted');
    const checks = [...local, ...remoteChecks];
    setLive({ preflight: checks });
    if (!started || 'error' in started) {
      const blocking = checks.filter(blocks);
      setLive({
        livePhase: 'failed',
        liveReason:
          blocking.length > 0
            ? blocking.map((check) => `${check.name}: ${check.reason}`).join('; ')
            : (started?.error ?? 'could not go live'),
      });
      return;
    }
    setLive({ livePhase: 'connecting', liveAttempt: 0, upcomingViewerUrl: null });
    this.wantLive = true;
    await this.connectOrRetry(started.session);
  }

  async endLive(): Promise<void> {
    this.wantLive = false;
    this.teardown();
    try {
      await this.api.endLive({});
      setLive({ livePhase: 'ended', liveReason: null, streamHealth: null, viewerCount: 0 });
    } catch (error) {
      setLive({ livePhase: 'failed', liveReason: `Could not end the show: ${messageOf(error)}` });
    }
    await this.prepareUpcoming();
  }

  /** The producers, for tests and benchmarks (e.g. reading stats). */
  get producers(): { video: types.Producer | null; audio: types.Producer | null } {
    return { video: this.connection?.video ?? null, audio: this.connection?.audio ?? null };
  }

  private async connectOrRetry(session: LiveSession): Promise<void> {
    try {
      await this.connect(session);
    } catch (error) {
      void this.reconnect(messageOf(error));
    }
  }

  private async connect(session: LiveSession): Promise<void> {
    this.teardown();
    const generation = ++this.generation;
    const current = () => generation === this.generation && this.wantLive;
    setLive({ liveShowId: session.show.showId, viewerUrl: session.viewerUrl });

    const warm = await this.takeWarm(session.sfuUrl);
    const client =
      warm?.client ??
      (await SignalingClient.connect(session.sfuUrl, WebSocket as unknown as SocketConstructor, {
        connectTimeoutMs: 2000,
      }));
    mark('goLive:signalingConnected');
    if (!current()) {
      client.close();
      return;
    }
    client.onClose((reason) => {
      if (current()) void this.reconnect(`Lost the SFU: ${reason}`);
    });
    client.on('viewerCount', ({ count }) => setLive({ viewerCount: count }));
    client.on('showEnded', ({ reason }) => {
      if (!current()) return;
      if (reason === 'closed') {
        this.wantLive = false;
        this.teardown();
        setLive({ livePhase: 'ended', streamHealth: null });
        void this.prepareUpcoming();
      } else {
        void this.reconnect(`The SFU ended the room (${reason})`);
      }
    });

    let device: Device;
    let params;
    try {
      // Sent back to back (the SFU answers in order): one round trip instead of three.
      const joining = client.request('join', { showId: session.show.showId, token: session.hostToken });
      const capabilities = warm ? null : client.request('getRouterRtpCapabilities', {});
      const transportParams = client.request('createWebRtcTransport', { direction: 'send' });
      // Only the first refusal matters; the others follow from it.
      void capabilities?.catch(() => {});
      void transportParams.catch(() => {});
      const joined = await joining;
      setLive({ viewerCount: joined.viewerCount });
      if (warm) {
        device = warm.device;
      } else {
        // A fresh Device per connection: a restarted SFU may offer different capabilities.
        device = new Device();
        await device.load({ routerRtpCapabilities: (await capabilities!).rtpCapabilities });
      }
      params = await transportParams;
      mark('goLive:transportCreated');
    } catch (error) {
      client.close();
      throw error;
    }
    const transport = device.createSendTransport({
      id: params.transportId,
      iceParameters: params.iceParameters,
      iceCandidates: params.iceCandidates,
      dtlsParameters: params.dtlsParameters,
    });
    const connection: Connection = { client, transport, video: null, audio: null };
    this.connection = connection;

    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      client
        .request('connectTransport', { transportId: transport.id, dtlsParameters })
        .then(() => callback(), errback);
    });
    transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
      client
        .request('produce', {
          transportId: transport.id,
          kind,
          rtpParameters,
          source: appData.source as ProducerSource,
        })
        .then(({ producerId }) => callback({ id: producerId }), errback);
    });
    transport.on('connectionstatechange', (state) => {
      if (state === 'failed' && current()) void this.reconnect('The media connection to the SFU failed');
    });

    const videoTrack = program().captureStream().getVideoTracks()[0];
    if (videoTrack) {
      connection.video = await transport.produce({
        track: videoTrack,
        encodings: [VIDEO_ENCODING],
        codec: preferredVideoCodec(device),
        codecOptions: { videoGoogleStartBitrate: 1000 },
        // The program and mic tracks belong to the studio, not to this connection.
        stopTracks: false,
        appData: { source: 'camera' },
      });
      mark('goLive:videoProduced');
    }
    await this.sendMicrophone(connection);
    if (!current()) return;
    mark('goLive:live');
    setLive({ livePhase: 'live', liveAttempt: 0, liveReason: null });
    this.healthTimer = setInterval(() => void this.sampleHealth(connection), HEALTH_INTERVAL_MS);
  }

  /** Follows the host's microphone: a new device (or one opened after a reload) goes out too. */
  async refreshMicrophone(): Promise<void> {
    const connection = this.connection;
    if (connection) await this.sendMicrophone(connection).catch(() => {});
  }

  private async sendMicrophone(connection: Connection): Promise<void> {
    const track = capture.microphone?.getAudioTracks()[0] ?? null;
    if (connection.audio) {
      if (connection.audio.track !== track) await connection.audio.replaceTrack({ track });
      return;
    }
    if (!track) return;
    connection.audio = await connection.transport.produce({
      track,
      stopTracks: false,
      codecOptions: { opusStereo: false, opusDtx: true },
      appData: { source: 'microphone' },
    });
  }

  /** Tries again until the show is back: re-open the room via main, rejoin, re-produce. */
  private async reconnect(reason: string): Promise<void> {
    if (this.reconnecting || !this.wantLive) return;
    this.reconnecting = true;
    this.teardown();
    try {
      for (let attempt = 1; this.wantLive; attempt++) {
        setLive({ livePhase: 'reconnecting', liveAttempt: attempt, liveReason: reason });
        try {
          const session = await this.api.getLiveSession({});
          if (!session) {
            // The show was ended elsewhere (another window, or main restarted without it).
            this.wantLive = false;
            setLive({ livePhase: 'ended', liveReason: null, streamHealth: null });
            return;
          }
          await this.connect(session);
          return;
        } catch (error) {
          reason = messageOf(error);
          this.teardown();
          // Short waits first: an SFU restart is back within a couple of seconds.
          await sleep(attempt <= 20 ? Math.min(100 * attempt, 500) : 2000);
        }
      }
    } finally {
      this.reconnecting = false;
    }
  }

  private async sampleHealth(connection: Connection): Promise<void> {
    if (this.connection !== connection) return;
    const [video, audio] = await Promise.all([
      connection.video?.getStats().catch(() => null) ?? null,
      connection.audio?.getStats().catch(() => null) ?? null,
    ]);
    if (this.connection === connection) setLive({ streamHealth: this.sampler.sample({ video, audio }) });
  }

  private teardown(): void {
    this.generation++;
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.healthTimer = null;
    const connection = this.connection;
    this.connection = null;
    if (!connection) return;
    connection.transport.close();
    connection.client.close();
  }
}

let instance: Publisher | null = null;

/** Creates the window's publisher and picks up a show that is already live. */
export function startPublisher(link: StudioLink): Publisher {
  instance ??= new Publisher(link.api);
  const publisher = instance;
  link.onLinkState((state) => {
    if (state === 'connected') void publisher.resume().then(() => publisher.prepareUpcoming());
  });
  useStudioStore.subscribe((state, previous) => {
    if (state.microphoneId !== previous.microphoneId || state.microphoneOn !== previous.microphoneOn)
      void publisher.refreshMicrophone();
  });
  return publisher;
}

export function publisher(): Publisher {
  if (!instance) throw new Error('startPublisher(link) has not run yet');
  return instance;
}
