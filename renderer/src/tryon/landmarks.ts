// The few face landmarks the try-on needs, picked out of the 468-point face mesh
// (MediaPipe topology, which Human's facemesh model uses), plus the head rotation.
//
// Coordinates are pixels of the tracked frame: x right, y down, z away from the
// camera, all in the same pixel scale (so 3D distances and angles are meaningful).
// "left"/"right" are image sides (as the camera sees the face, not the wearer's).

export interface Vec3 {
  x: number;
  y: number;
  z: number;
}

export interface FaceLandmarks {
  /** Size of the tracked frame the coordinates refer to. */
  frame: { width: number; height: number };
  /** Detector confidence, 0..1. */
  score: number;
  eyeOuterLeft: Vec3;
  eyeOuterRight: Vec3;
  /** Midpoint between the outer eye corners. */
  eyeMid: Vec3;
  /** Top of the nose bridge between the eyes, where glasses rest. */
  noseBridge: Vec3;
  /** Centre of the forehead at the hairline. */
  forehead: Vec3;
  chin: Vec3;
  /** Face outline at eye height, near the ears (measures face width). */
  faceLeft: Vec3;
  faceRight: Vec3;
  /** Face outline below the ears, where earrings hang from. */
  earLeft: Vec3;
  earRight: Vec3;
  /** Jaw corners. */
  jawLeft: Vec3;
  jawRight: Vec3;
  /** Head rotation in radians: yaw > 0 turns the nose to the image right, pitch > 0 looks up, roll > 0 tilts clockwise on screen. */
  yaw: number;
  pitch: number;
  roll: number;
}

// Face mesh indices (canonical MediaPipe face mesh). The image-left side is the
// wearer's right side for an unmirrored camera frame.
export const MESH_INDEX = {
  eyeOuterLeft: 33,
  eyeOuterRight: 263,
  noseBridge: 168,
  forehead: 10,
  chin: 152,
  faceLeft: 234,
  faceRight: 454,
  earLeft: 93,
  earRight: 323,
  jawLeft: 132,
  jawRight: 361,
} as const;
export const MESH_POINTS = 468;

const sub = (a: Vec3, b: Vec3): Vec3 => ({ x: a.x - b.x, y: a.y - b.y, z: a.z - b.z });
const cross = (a: Vec3, b: Vec3): Vec3 => ({
  x: a.y * b.z - a.z * b.y,
  y: a.z * b.x - a.x * b.z,
  z: a.x * b.y - a.y * b.x,
});
const length = (v: Vec3) => Math.hypot(v.x, v.y, v.z);
const normalize = (v: Vec3): Vec3 => {
  const l = length(v) || 1;
  return { x: v.x / l, y: v.y / l, z: v.z / l };
};
export const distance = (a: Vec3, b: Vec3) => length(sub(a, b));
export const midpoint = (a: Vec3, b: Vec3): Vec3 => ({
  x: (a.x + b.x) / 2,
  y: (a.y + b.y) / 2,
  z: (a.z + b.z) / 2,
});

/** The head's own axes in camera space: x across the face (to image right when frontal), y down the face, z into the head. */
export interface HeadAxes {
  x: Vec3;
  y: Vec3;
  z: Vec3;
}

/** Orthonormal head axes from the face outline (left/right) and forehead/chin. */
export function headAxes(l: Pick<FaceLandmarks, 'faceLeft' | 'faceRight' | 'forehead' | 'chin'>): HeadAxes {
  const across = normalize(sub(l.faceRight, l.faceLeft));
  const down = normalize(sub(l.chin, l.forehead));
  const z = normalize(cross(across, down));
  // Re-derive y so the three axes are exactly perpendicular.
  const y = cross(z, across);
  return { x: across, y, z };
}

/**
 * Euler angles of the head, applied roll first, then pitch, then yaw. Yaw and pitch
 * come from where the nose points (-z); roll is the eye line's tilt once yaw and
 * pitch are undone, so a turned head does not read as tilted.
 */
export function headAngles(axes: HeadAxes): { yaw: number; pitch: number; roll: number } {
  const clamp = (v: number) => Math.max(-1, Math.min(1, v));
  const yaw = Math.atan2(-axes.z.x, axes.z.z);
  const pitch = Math.asin(clamp(axes.z.y));
  // Undo yaw (about y), then pitch (about x), on the head's x axis.
  const { x, y, z } = axes.x;
  const x1 = x * Math.cos(yaw) + z * Math.sin(yaw);
  const z1 = -x * Math.sin(yaw) + z * Math.cos(yaw);
  const y2 = y * Math.cos(pitch) - z1 * Math.sin(pitch);
  return { yaw, pitch, roll: Math.atan2(y2, x1) };
}

/**
 * Picks the try-on landmarks out of a face mesh whose points are [x, y, z] in frame
 * pixels (z already scaled to pixels). Returns null for a mesh that is not a full face.
 */
export function landmarksFromMesh(
  mesh: readonly (readonly number[])[],
  frame: { width: number; height: number },
  score: number,
): FaceLandmarks | null {
  if (mesh.length < MESH_POINTS) return null;
  const point = (index: number): Vec3 => {
    const [x = 0, y = 0, z = 0] = mesh[index] ?? [];
    return { x, y, z };
  };
  const picked = Object.fromEntries(
    Object.entries(MESH_INDEX).map(([name, index]) => [name, point(index)]),
  ) as Record<keyof typeof MESH_INDEX, Vec3>;
  const angles = headAngles(headAxes(picked));
  return {
    frame,
    score,
    ...picked,
    eyeMid: midpoint(picked.eyeOuterLeft, picked.eyeOuterRight),
    ...angles,
  };
}

const LEFT_RIGHT_PAIRS = [
  ['eyeOuterLeft', 'eyeOuterRight'],
  ['faceLeft', 'faceRight'],
  ['earLeft', 'earRight'],
  ['jawLeft', 'jawRight'],
] as const;
const POINT_KEYS = [
  'eyeOuterLeft',
  'eyeOuterRight',
  'eyeMid',
  'noseBridge',
  'forehead',
  'chin',
  'faceLeft',
  'faceRight',
  'earLeft',
  'earRight',
  'jawLeft',
  'jawRight',
] as const;

/** Landmarks as seen in a horizontally mirrored frame (e.g. a selfie-style preview). */
export function mirrorLandmarks(l: FaceLandmarks): FaceLandmarks {
  const flip = (p: Vec3): Vec3 => ({ x: l.frame.width - p.x, y: p.y, z: p.z });
  const out = { ...l };
  for (const key of POINT_KEYS) out[key] = flip(l[key]);
  // What was on the image left is now on the image right.
  for (const [left, right] of LEFT_RIGHT_PAIRS) [out[left], out[right]] = [out[right], out[left]];
  return { ...out, ...headAngles(headAxes(out)) };
}

/** Flattens the points and angles into numbers for smoothing (see OneEuroVectorFilter), and back. */
export function landmarksToVector(l: FaceLandmarks): number[] {
  return [...POINT_KEYS.flatMap((key) => [l[key].x, l[key].y, l[key].z]), l.yaw, l.pitch, l.roll];
}

export function landmarksFromVector(template: FaceLandmarks, values: readonly number[]): FaceLandmarks {
  const out = { ...template };
  POINT_KEYS.forEach((key, i) => {
    out[key] = { x: values[i * 3] ?? 0, y: values[i * 3 + 1] ?? 0, z: values[i * 3 + 2] ?? 0 };
  });
  const n = POINT_KEYS.length * 3;
  return { ...out, yaw: values[n] ?? 0, pitch: values[n + 1] ?? 0, roll: values[n + 2] ?? 0 };
}
