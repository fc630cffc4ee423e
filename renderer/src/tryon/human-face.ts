// How the try-on uses Human: which models run and how its face result becomes our
// landmarks. Kept apart from the worker so a Node test can run the same config.
import type { Config, FaceResult } from '@vladmandic/human';
import type { TrackerAssets } from './face-tracker-messages';
import { landmarksFromMesh, type FaceLandmarks } from './landmarks';

// The face mesh model's input is 192 px square; its z output is in those units.
const MESH_INPUT_SIZE = 192;
/** Below this mesh confidence the face is reported as not found. */
export const MIN_FACE_SCORE = 0.5;

/**
 * Face detector (blazeface) + face mesh only, on the WASM backend, with models and
 * WASM binaries from our own origin. Everything else Human can do is switched off.
 */
export function humanTrackerConfig(assets: TrackerAssets): Partial<Config> {
  return {
    backend: 'wasm',
    wasmPath: assets.wasmBaseUrl,
    modelBasePath: assets.modelBaseUrl,
    // Models come from our own origin; an IndexedDB copy could go stale after an upgrade.
    cacheModels: false,
    // Human's warmup fetches a data: URL, which the CSP (connect-src 'self') blocks.
    warmup: 'none',
    debug: false,
    // We downscale before tracking; Human's image filters would only cost time.
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

/** Our landmarks from Human's first face, or null when there is no confident face. */
export function faceFromHuman(
  face: FaceResult | undefined,
  frame: { width: number; height: number },
): FaceLandmarks | null {
  if (!face || face.faceScore < MIN_FACE_SCORE || face.mesh.length === 0) return null;
  // Mesh x/y are frame pixels; z is in mesh-input units, so scale it by the crop size.
  const zScale = (face.size[0] || frame.width) / MESH_INPUT_SIZE;
  const mesh = face.mesh.map(([x, y, z = 0]) => [x, y, z * zScale]);
  return landmarksFromMesh(mesh, frame, face.faceScore);
}
