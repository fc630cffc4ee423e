// Face tracking off the main thread: Human's face detector + face mesh on the
// TF.js WASM backend, fed downscaled camera frames as transferred ImageBitmaps.
// Only the two face models are loaded; every other Human feature is off.
import { Human, type Config } from '@vladmandic/human';
import type { FromTracker, ToTracker, TrackerAssets } from './face-tracker-messages';
import { landmarksFromMesh } from './landmarks';

// The face mesh model's input is 192 px square; its z output is in those units.
const MESH_INPUT_SIZE = 192;
/** Below this mesh confidence the face is reported as not found. */
const MIN_FACE_SCORE = 0.5;

interface WorkerScope {
  onmessage: ((event: MessageEvent<ToTracker>) => void) | null;
  postMessage(message: FromTracker): void;
}
const scope = self as unknown as WorkerScope;
const post = (message: FromTracker) => scope.postMessage(message);

function humanConfig(assets: TrackerAssets): Partial<Config> {
  return {
    backend: 'wasm',
    wasmPath: assets.wasmBaseUrl,
    modelBasePath: assets.modelBaseUrl,
    // Models come from our own origin; an IndexedDB copy could go stale after an upgrade.
    cacheModels: false,
    warmup: 'none',
    debug: false,
    // We downscale before sending; Human's image filters would only cost time.
    filter: { enabled: false },
    gesture: { enabled: false },
    face: {
      enabled: true,
      detector: { maxDetected: 1, rotation: true, return: false },
      mesh: { enabled: true },
      iris: { enabled: false },
      attention: { enabled: false },
      emotion: { enabled: false },
      description: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    segmentation: { enabled: false },
  } as Partial<Config>;
}

let human: Human | undefined;

async function init(assets: TrackerAssets): Promise<void> {
  const started = performance.now();
  human = new Human(humanConfig(assets));
  await human.load();
  // The first inference sets up the WASM kernels; do it now, not on the first camera
  // frame. Human's own warmup fetches a data: URL, which our CSP (connect-src 'self') blocks.
  const blank = new OffscreenCanvas(160, 120);
  await human.detect(blank);
  post({ type: 'ready', backend: human.tf.getBackend() as string, loadMs: performance.now() - started });
}

async function track(id: number, bitmap: ImageBitmap): Promise<void> {
  if (!human) throw new Error('tracker used before init');
  const frame = { width: bitmap.width, height: bitmap.height };
  const started = performance.now();
  try {
    const result = await human.detect(bitmap);
    const inferenceMs = performance.now() - started;
    const face = result.face[0];
    if (!face || face.faceScore < MIN_FACE_SCORE || face.mesh.length === 0) {
      post({ type: 'result', id, face: null, inferenceMs });
      return;
    }
    // Mesh x/y are frame pixels; z is in mesh-input units, so scale it by the crop size.
    const zScale = (face.size[0] || frame.width) / MESH_INPUT_SIZE;
    const mesh = face.mesh.map(([x, y, z = 0]) => [x, y, z * zScale]);
    post({ type: 'result', id, face: landmarksFromMesh(mesh, frame, face.faceScore), inferenceMs });
  } finally {
    bitmap.close();
  }
}

scope.onmessage = (event) => {
  const message = event.data;
  if (message.type === 'init') {
    init(message.assets).catch((error: unknown) => post({ type: 'error', message: String(error) }));
  } else if (message.type === 'frame') {
    track(message.id, message.bitmap).catch((error: unknown) =>
      post({ type: 'error', id: message.id, message: String(error) }),
    );
  }
};
