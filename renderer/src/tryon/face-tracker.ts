// Main-thread side of face tracking: downscales camera frames, hands them to the
// tracking worker one at a time (a frame arriving while one is in flight is
// skipped, so latency never builds up), and smooths the landmarks it gets back.
import type { FromTracker, ToTracker, TrackerAssets } from './face-tracker-messages';
import { landmarksFromVector, landmarksToVector, type FaceLandmarks } from './landmarks';
import { DEFAULT_ONE_EURO, OneEuroVectorFilter, type OneEuroOptions } from './one-euro-filter';

export interface FaceTrackerOptions {
  /** Folder with models/ and wasm/ (see scripts/copy-tracking-assets.ts), relative to the page. */
  assetsBase?: string;
  /** Width the frame is downscaled to before tracking; the face mesh needs no more. */
  trackingWidth?: number;
  /** One Euro smoothing of the landmarks, or false for raw results. */
  smoothing?: OneEuroOptions | false;
  /** Creates the worker; tests and tools may bundle it differently. */
  createWorker?: () => Worker;
  /** How long loading the models may take. */
  loadTimeoutMs?: number;
}

export interface TrackedFace {
  /** Landmarks in pixels of the tracked (downscaled) frame, or null when no face is seen. */
  face: FaceLandmarks | null;
  /** Time the worker spent on this frame. */
  inferenceMs: number;
  /** When the frame was taken (the time passed to track()). */
  timeMs: number;
}

type FrameSource = HTMLVideoElement | HTMLCanvasElement | OffscreenCanvas | ImageBitmap | VideoFrame;

function sourceSize(source: FrameSource): { width: number; height: number } {
  if (source instanceof HTMLVideoElement) return { width: source.videoWidth, height: source.videoHeight };
  if (typeof VideoFrame !== 'undefined' && source instanceof VideoFrame) {
    return { width: source.displayWidth, height: source.displayHeight };
  }
  const sized = source as { width: number; height: number };
  return { width: sized.width, height: sized.height };
}

export class FaceTracker {
  /** Backend Human ended up on ('wasm'). */
  backend = '';
  loadMs = 0;
  private nextId = 1;
  private pending: {
    id: number;
    timeMs: number;
    resolve: (r: TrackedFace) => void;
    reject: (e: Error) => void;
  } | null = null;
  private readonly smoother: OneEuroVectorFilter | null;

  private constructor(
    private readonly worker: Worker,
    private readonly trackingWidth: number,
    smoothing: OneEuroOptions | false,
  ) {
    this.smoother = smoothing ? new OneEuroVectorFilter(smoothing) : null;
  }

  /** Starts the worker and loads the models; resolves once tracking can begin. */
  static async create(options: FaceTrackerOptions = {}): Promise<FaceTracker> {
    const worker =
      options.createWorker?.() ??
      new Worker(new URL('./face-tracker.worker.ts', import.meta.url), { type: 'module' });
    const base = new URL(options.assetsBase ?? 'tracking/', document.baseURI);
    const assets: TrackerAssets = {
      modelBaseUrl: new URL('models/', base).href,
      wasmBaseUrl: new URL('wasm/', base).href,
    };
    const tracker = new FaceTracker(
      worker,
      options.trackingWidth ?? 320,
      options.smoothing ?? DEFAULT_ONE_EURO,
    );
    const ready = await new Promise<FromTracker>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('face tracker did not load in time')),
        options.loadTimeoutMs ?? 60_000,
      );
      worker.onmessage = (event: MessageEvent<FromTracker>) => {
        clearTimeout(timer);
        resolve(event.data);
      };
      worker.onerror = (event) => {
        clearTimeout(timer);
        reject(new Error(`face tracker worker failed: ${event.message}`));
      };
      worker.postMessage({ type: 'init', assets } satisfies ToTracker);
    }).catch((error: unknown) => {
      worker.terminate();
      throw error;
    });
    if (ready.type !== 'ready') {
      worker.terminate();
      throw new Error(`face tracker failed to load: ${ready.type === 'error' ? ready.message : ready.type}`);
    }
    tracker.backend = ready.backend;
    tracker.loadMs = ready.loadMs;
    worker.onmessage = (event: MessageEvent<FromTracker>) => tracker.onResult(event.data);
    return tracker;
  }

  /** True while a frame is being tracked; track() would throw. */
  get busy(): boolean {
    return this.pending !== null;
  }

  /** Tracks one frame. Call only when not busy (a live loop skips frames instead). */
  async track(source: FrameSource, timeMs = performance.now()): Promise<TrackedFace> {
    if (this.pending) throw new Error('face tracker is busy');
    const { width, height } = sourceSize(source);
    if (!width || !height) return { face: null, inferenceMs: 0, timeMs };
    const scale = Math.min(1, this.trackingWidth / width);
    const bitmap = await createImageBitmap(source, {
      resizeWidth: Math.round(width * scale),
      resizeHeight: Math.round(height * scale),
      resizeQuality: 'medium',
    });
    const id = this.nextId++;
    return new Promise<TrackedFace>((resolve, reject) => {
      this.pending = { id, timeMs, resolve, reject };
      this.worker.postMessage({ type: 'frame', id, bitmap } satisfies ToTracker, [bitmap]);
    });
  }

  /**
   * Tracks a playing video continuously, one frame at a time, calling onFace for
   * each result. Returns a function that stops the loop.
   */
  follow(
    video: HTMLVideoElement,
    onFace: (tracked: TrackedFace) => void,
    onError?: (error: Error) => void,
  ): () => void {
    let stopped = false;
    const next = () => {
      if (stopped) return;
      video.requestVideoFrameCallback(() => {
        if (stopped || this.busy) return next();
        this.track(video)
          .then((tracked) => {
            if (!stopped) onFace(tracked);
          })
          .catch((error: Error) => onError?.(error))
          .finally(next);
      });
    };
    next();
    return () => {
      stopped = true;
    };
  }

  dispose(): void {
    this.worker.terminate();
    this.pending?.reject(new Error('face tracker disposed'));
    this.pending = null;
  }

  private onResult(message: FromTracker): void {
    const pending = this.pending;
    if (!pending || (message.type !== 'result' && message.type !== 'error') || message.id !== pending.id)
      return;
    this.pending = null;
    if (message.type === 'error') {
      pending.reject(new Error(message.message));
      return;
    }
    let face = message.face;
    if (this.smoother) {
      if (face)
        face = landmarksFromVector(face, this.smoother.filter(landmarksToVector(face), pending.timeMs));
      // A lost face may come back elsewhere: do not glide there from the old spot.
      else this.smoother.reset();
    }
    pending.resolve({ face, inferenceMs: message.inferenceMs, timeMs: pending.timeMs });
  }
}
