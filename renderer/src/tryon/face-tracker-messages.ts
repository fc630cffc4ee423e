// Messages between the face tracker (main thread) and its worker.
import type { FaceLandmarks } from './landmarks';

export interface TrackerAssets {
  /** Absolute URL of the folder with blazeface.* and facemesh.* (served by our own origin). */
  modelBaseUrl: string;
  /** Absolute URL of the folder with the tfjs-backend-wasm *.wasm files. */
  wasmBaseUrl: string;
}

export type ToTracker =
  { type: 'init'; assets: TrackerAssets } | { type: 'frame'; id: number; bitmap: ImageBitmap };

export type FromTracker =
  | { type: 'ready'; backend: string; loadMs: number }
  | { type: 'result'; id: number; face: FaceLandmarks | null; inferenceMs: number }
  | { type: 'error'; id?: number; message: string };
