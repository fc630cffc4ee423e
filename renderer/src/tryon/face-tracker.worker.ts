// Face tracking off the main thread: Human's face detector + face mesh on the
// TF.js WASM backend, fed downscaled camera frames as transferred ImageBitmaps.
import { Human } from '@vladmandic/human';
import type { FromTracker, ToTracker, TrackerAssets } from './face-tracker-messages';
import { faceFromHuman, humanTrackerConfig } from './human-face';

interface WorkerScope {
  onmessage: ((event: MessageEvent<ToTracker>) => void) | null;
  postMessage(message: FromTracker): void;
}
const scope = self as unknown as WorkerScope;
const post = (message: FromTracker) => scope.postMessage(message);

let human: Human | undefined;

async function init(assets: TrackerAssets): Promise<void> {
  const started = performance.now();
  human = new Human(humanTrackerConfig(assets));
  await human.load();
  // The first inference sets up the WASM kernels: do it now, not on the first camera frame.
  await human.detect(new OffscreenCanvas(160, 120));
  post({ type: 'ready', backend: human.tf.getBackend() as string, loadMs: performance.now() - started });
}

async function track(id: number, bitmap: ImageBitmap): Promise<void> {
  if (!human) throw new Error('tracker used before init');
  const frame = { width: bitmap.width, height: bitmap.height };
  const started = performance.now();
  try {
    const result = await human.detect(bitmap);
    post({
      type: 'result',
      id,
      face: faceFromHuman(result.face[0], frame),
      inferenceMs: performance.now() - started,
    });
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
