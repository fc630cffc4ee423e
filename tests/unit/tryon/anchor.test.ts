import { Quaternion, Vector3 } from 'three';
import { describe, expect, it } from 'vitest';
import { EAR_HIDDEN_YAW, tryOnPoses } from '../../../renderer/src/tryon/anchor';
import {
  MESH_INDEX,
  MESH_POINTS,
  landmarksFromMesh,
  landmarksFromVector,
  landmarksToVector,
  mirrorLandmarks,
  type FaceLandmarks,
  type Vec3,
} from '../../../renderer/src/tryon/landmarks';

// A face in its own frame (x across to the image right, y down, z into the head), pixels.
const CANONICAL: Record<keyof typeof MESH_INDEX, Vec3> = {
  eyeOuterLeft: { x: -45, y: 0, z: 10 },
  eyeOuterRight: { x: 45, y: 0, z: 10 },
  noseBridge: { x: 0, y: -2, z: -8 },
  forehead: { x: 0, y: -70, z: 0 },
  chin: { x: 0, y: 110, z: 0 },
  faceLeft: { x: -70, y: 0, z: 40 },
  faceRight: { x: 70, y: 0, z: 40 },
  earLeft: { x: -68, y: 40, z: 50 },
  earRight: { x: 68, y: 40, z: 50 },
  jawLeft: { x: -60, y: 70, z: 30 },
  jawRight: { x: 60, y: 70, z: 30 },
};
const FRAME = { width: 640, height: 480 };
const CENTER = { x: 320, y: 240, z: 0 };

// Rotations in the camera frame (x right, y down, z into the screen), with signs
// chosen so that positive angles mean what FaceLandmarks documents.
function rotate(p: Vec3, { yaw = 0, pitch = 0, roll = 0 }): Vec3 {
  let { x, y, z } = p;
  // roll: clockwise on screen
  [x, y] = [x * Math.cos(roll) - y * Math.sin(roll), x * Math.sin(roll) + y * Math.cos(roll)];
  // pitch: nose up
  const a = -pitch;
  [y, z] = [y * Math.cos(a) - z * Math.sin(a), y * Math.sin(a) + z * Math.cos(a)];
  // yaw: nose to the image right
  const b = -yaw;
  [x, z] = [x * Math.cos(b) + z * Math.sin(b), -x * Math.sin(b) + z * Math.cos(b)];
  return { x: x + CENTER.x, y: y + CENTER.y, z: z + CENTER.z };
}

function face(angles: { yaw?: number; pitch?: number; roll?: number } = {}): FaceLandmarks {
  const mesh: number[][] = Array.from({ length: MESH_POINTS }, () => [0, 0, 0]);
  for (const [name, index] of Object.entries(MESH_INDEX)) {
    const p = rotate(CANONICAL[name as keyof typeof MESH_INDEX], angles);
    mesh[index] = [p.x, p.y, p.z];
  }
  const landmarks = landmarksFromMesh(mesh, FRAME, 0.9);
  if (!landmarks) throw new Error('no landmarks');
  return landmarks;
}

const RECT = { x: 100, y: 50, width: 1280, height: 960 }; // 2x the tracked frame
const apply = (q: number[], v: Vector3) => v.clone().applyQuaternion(new Quaternion().fromArray(q));

describe('landmarks', () => {
  it('recovers yaw, pitch and roll from the mesh', () => {
    const cases: { yaw?: number; pitch?: number; roll?: number }[] = [
      { yaw: 0.4 },
      { yaw: -0.3 },
      { pitch: 0.25 },
      { pitch: -0.2 },
      { roll: 0.3 },
      { roll: -0.5 },
    ];
    for (const angles of cases) {
      const l = face(angles);
      expect(l.yaw).toBeCloseTo(angles.yaw ?? 0, 6);
      expect(l.pitch).toBeCloseTo(angles.pitch ?? 0, 6);
      expect(l.roll).toBeCloseTo(angles.roll ?? 0, 6);
    }
    const combined = face({ yaw: 0.5, pitch: -0.3, roll: 0.4 });
    expect([combined.yaw, combined.pitch, combined.roll].map((a) => a.toFixed(6))).toEqual([
      '0.500000',
      '-0.300000',
      '0.400000',
    ]);
  });

  it('refuses a partial mesh and mirrors sides and angles', () => {
    expect(landmarksFromMesh([[1, 2, 3]], FRAME, 1)).toBeNull();
    const l = face({ yaw: 0.3, pitch: 0.1, roll: 0.2 });
    const m = mirrorLandmarks(l);
    expect(m.eyeOuterLeft.x).toBeCloseTo(FRAME.width - l.eyeOuterRight.x);
    expect(m.yaw).toBeCloseTo(-0.3, 6);
    expect(m.pitch).toBeCloseTo(0.1, 6);
    expect(m.roll).toBeCloseTo(-0.2, 6);
  });

  it('round-trips through a flat vector for smoothing', () => {
    const l = face({ yaw: 0.1, pitch: 0.05 });
    expect(landmarksFromVector(l, landmarksToVector(l))).toEqual(l);
  });
});

describe('tryOnPoses', () => {
  it('has nothing to place for products that are not worn', () => {
    expect(tryOnPoses('none', face(), RECT)).toEqual([]);
  });

  it('places glasses on the nose bridge, one eye span per unit, level on a level face', () => {
    const l = face();
    const [pose] = tryOnPoses('glasses', l, RECT);
    expect(pose).toBeDefined();
    if (!pose) return;
    expect(pose.x).toBeCloseTo(RECT.x + l.noseBridge.x * 2);
    expect(pose.y).toBeCloseTo(RECT.y + l.noseBridge.y * 2);
    expect(pose.scale).toBeCloseTo(90 * 2);
    expect(pose.quaternion[3]).toBeCloseTo(1); // identity rotation
  });

  it('applies the per-product adjustment in face units', () => {
    const l = face();
    const [plain] = tryOnPoses('glasses', l, RECT);
    const [adjusted] = tryOnPoses('glasses', l, RECT, { scale: 1.2, offsetX: 0.1, offsetY: -0.05 });
    expect(adjusted?.scale).toBeCloseTo((plain?.scale ?? 0) * 1.2);
    expect((adjusted?.x ?? 0) - (plain?.x ?? 0)).toBeCloseTo(0.1 * 180 * 1.2);
    expect((adjusted?.y ?? 0) - (plain?.y ?? 0)).toBeCloseTo(-0.05 * 180 * 1.2);
  });

  it('rotates the model with the head: eye line follows roll, model front follows the nose', () => {
    const angles = { yaw: 0.3, pitch: -0.1, roll: 0.25 };
    const l = face(angles);
    const [pose] = tryOnPoses('glasses', l, RECT);
    const q = pose?.quaternion ?? [0, 0, 0, 1];
    // Model +x maps to the face's own x axis (canvas y down = three y up, flipped).
    const across = apply(q, new Vector3(1, 0, 0));
    const expectedAcross = rotate({ x: 1, y: 0, z: 0 }, angles);
    expect(across.x).toBeCloseTo(expectedAcross.x - CENTER.x, 6);
    expect(-across.y).toBeCloseTo(expectedAcross.y - CENTER.y, 6);
    // Model +z (out of the face) maps to where the nose points.
    const front = apply(q, new Vector3(0, 0, 1));
    const nose = rotate({ x: 0, y: 0, z: -1 }, angles);
    expect(front.x).toBeCloseTo(nose.x - CENTER.x, 6);
    expect(front.y).toBeCloseTo(-(nose.y - CENTER.y), 6);
    expect(front.z).toBeCloseTo(-(nose.z - CENTER.z), 6);
  });

  it('sizes a hat by face width from the forehead', () => {
    const l = face();
    const [pose] = tryOnPoses('hat', l, RECT);
    expect(pose?.scale).toBeCloseTo(140 * 2);
    expect(pose?.x).toBeCloseTo(RECT.x + l.forehead.x * 2);
    expect(pose?.y).toBeCloseTo(RECT.y + l.forehead.y * 2);
  });

  it('hangs earrings below each ear and hides the one turned away', () => {
    const front = tryOnPoses('earrings', face(), RECT);
    expect(front.map((p) => [p.part, p.visible])).toEqual([
      ['left', true],
      ['right', true],
    ]);
    const [left, right] = front;
    expect(left?.x).toBeLessThan(RECT.x + face().earLeft.x * 2); // outward
    expect(right?.x).toBeGreaterThan(RECT.x + face().earRight.x * 2);
    expect(left?.y).toBeGreaterThan(RECT.y + face().earLeft.y * 2); // below

    const turnedRight = tryOnPoses('earrings', face({ yaw: EAR_HIDDEN_YAW + 0.1 }), RECT);
    expect(turnedRight.map((p) => p.visible)).toEqual([true, false]);
    const turnedLeft = tryOnPoses('earrings', face({ yaw: -EAR_HIDDEN_YAW - 0.1 }), RECT);
    expect(turnedLeft.map((p) => p.visible)).toEqual([false, true]);
  });

  it('follows a mirrored video', () => {
    const l = face({ yaw: 0.6 });
    const poses = tryOnPoses('earrings', l, { ...RECT, mirrored: true });
    // Mirrored, the head seems turned the other way: now the left ear is the hidden one.
    expect(poses.map((p) => p.visible)).toEqual([false, true]);
    const [glasses] = tryOnPoses('glasses', l, { ...RECT, mirrored: true });
    expect(glasses?.x).toBeCloseTo(RECT.x + (FRAME.width - l.noseBridge.x) * 2);
  });
});
