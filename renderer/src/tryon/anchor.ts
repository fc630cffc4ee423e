// Turns tracked face landmarks into where and how to draw a try-on model on the
// program canvas. Pure math: the compositor owns three.js scene objects and only
// copies these numbers onto them.
//
// Models follow the model space in assets/models/README.md (+y up, +z toward the
// camera, sized in face units), so each kind needs just an origin landmark and one
// measured distance.
import { Matrix4, Quaternion, Vector3 } from 'three';
import type { TryOnAdjustment, TryOnKind } from '../../../protocol/catalog';
import { NO_ADJUSTMENT } from '../../../protocol/catalog';
import { distance, headAxes, mirrorLandmarks, type FaceLandmarks, type Vec3 } from './landmarks';

/** Where the tracked video frame is drawn on the canvas (aspect ratio kept). */
export interface VideoRect {
  x: number;
  y: number;
  width: number;
  height: number;
  /** True when the video is drawn mirrored (selfie view). */
  mirrored?: boolean;
}

export interface TryOnPose {
  /** 'center' for glasses and hats; earrings get one pose per ear. */
  part: 'center' | 'left' | 'right';
  /** Canvas pixels (y down) where the model origin goes. */
  x: number;
  y: number;
  /** Canvas pixels per model unit. */
  scale: number;
  /**
   * Model rotation [x, y, z, w] in a y-up frame (+z toward the viewer): with an
   * OrthographicCamera(0, W, H, 0, -1e4, 1e4), set object.position = (x, H - y, 0),
   * object.scale = scale, object.quaternion.fromArray(quaternion).
   */
  quaternion: [number, number, number, number];
  /** False for an earring on the ear that the head has turned away. */
  visible: boolean;
}

/** Beyond this yaw (about 25°) the ear on the far side is hidden behind the head. */
export const EAR_HIDDEN_YAW = 0.45;

// Offsets from the origin landmark, in model units, in the head frame (+x image
// right, +y down the face, +z out of the face). Earrings hang a little below and
// behind the face-outline point; x is outward from the face centre for earrings.
const EARRING_OFFSET = { x: 0.02, y: 0.08, z: -0.08 };

interface Anchor {
  part: TryOnPose['part'];
  origin: Vec3;
  /** Head-frame offset, model units, +y down the face, +z out of the face. */
  offset: { x: number; y: number; z: number };
  visible: boolean;
}

/**
 * Poses for a product of the given try-on kind on the tracked face. Empty for
 * 'none'. Each pose is in canvas pixels for a video drawn at `rect`.
 */
export function tryOnPoses(
  kind: TryOnKind,
  face: FaceLandmarks,
  rect: VideoRect,
  adjustment: TryOnAdjustment = NO_ADJUSTMENT,
): TryOnPose[] {
  if (kind === 'none') return [];
  const l = rect.mirrored ? mirrorLandmarks(face) : face;
  const pxPerFramePx = rect.width / l.frame.width;

  // The head's axes in the camera frame (x right, y down, z into the screen).
  const axes = headAxes(l);
  const basis = {
    x: new Vector3(axes.x.x, axes.x.y, axes.x.z),
    y: new Vector3(axes.y.x, axes.y.y, axes.y.z),
    z: new Vector3(axes.z.x, axes.z.y, axes.z.z),
  };
  // Model space is y-up and z toward the viewer; flipping y and z of each axis
  // (and pointing model y up the face, model z out of it) gives its rotation.
  const flip = (v: Vector3) => new Vector3(v.x, -v.y, -v.z);
  const rotation = new Matrix4().makeBasis(flip(basis.x), flip(basis.y).negate(), flip(basis.z).negate());
  const q = new Quaternion().setFromRotationMatrix(rotation);
  const quaternion: TryOnPose['quaternion'] = [q.x, q.y, q.z, q.w];

  const eyeSpan = distance(l.eyeOuterLeft, l.eyeOuterRight);
  const faceWidth = distance(l.faceLeft, l.faceRight);
  const unit = (kind === 'hat' ? faceWidth : eyeSpan) * pxPerFramePx * adjustment.scale;

  const extra = { x: adjustment.offsetX, y: adjustment.offsetY, z: 0 };
  let anchors: Anchor[];
  if (kind === 'glasses') {
    anchors = [{ part: 'center', origin: l.noseBridge, offset: extra, visible: true }];
  } else if (kind === 'hat') {
    anchors = [{ part: 'center', origin: l.forehead, offset: extra, visible: true }];
  } else {
    // Earrings mirror each other: +x means outward on both ears.
    const side = (sign: -1 | 1) => ({
      x: sign * (EARRING_OFFSET.x + extra.x),
      y: EARRING_OFFSET.y + extra.y,
      z: EARRING_OFFSET.z,
    });
    anchors = [
      { part: 'left', origin: l.earLeft, offset: side(-1), visible: l.yaw > -EAR_HIDDEN_YAW },
      { part: 'right', origin: l.earRight, offset: side(1), visible: l.yaw < EAR_HIDDEN_YAW },
    ];
  }

  return anchors.map((a) => {
    // Offset along the head axes; head z points into the screen, offset z out of the face.
    const shift = basis.x
      .clone()
      .multiplyScalar(a.offset.x)
      .addScaledVector(basis.y, a.offset.y)
      .addScaledVector(basis.z, -a.offset.z)
      .multiplyScalar(unit);
    return {
      part: a.part,
      x: rect.x + a.origin.x * pxPerFramePx + shift.x,
      y: rect.y + a.origin.y * pxPerFramePx + shift.y,
      scale: unit,
      quaternion,
      visible: a.visible,
    };
  });
}
