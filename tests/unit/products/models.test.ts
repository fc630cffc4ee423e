import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as THREE from 'three';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';
import { describe, expect, it } from 'vitest';

const modelsDir = path.resolve(import.meta.dirname, '../../../assets/models');

// Expected extent in model units (see assets/models/README.md): [min, max] per axis size.
const EXPECTED: Record<string, { kind: string; size: [number, number][] }> = {
  'glasses-round.glb': {
    kind: 'glasses',
    size: [
      [1, 1.3],
      [0.3, 0.5],
      [0.8, 1.1],
    ],
  },
  'sunglasses.glb': {
    kind: 'glasses',
    size: [
      [1, 1.3],
      [0.3, 0.5],
      [0.8, 1.1],
    ],
  },
  'cap.glb': {
    kind: 'hat',
    size: [
      [1, 1.4],
      [0.4, 0.7],
      [1, 1.6],
    ],
  },
  'bucket-hat.glb': {
    kind: 'hat',
    size: [
      [1.5, 1.9],
      [0.4, 0.7],
      [1.5, 1.9],
    ],
  },
  'earrings-hoop.glb': {
    kind: 'earrings',
    size: [
      [0.1, 0.16],
      [0.15, 0.25],
      [0.1, 0.16],
    ],
  },
  'earrings-drop.glb': {
    kind: 'earrings',
    size: [
      [0.03, 0.12],
      [0.15, 0.25],
      [0.03, 0.12],
    ],
  },
  'bottle.glb': {
    kind: 'product',
    size: [
      [0.4, 0.6],
      [0.95, 1.05],
      [0.4, 0.6],
    ],
  },
  'sneaker.glb': {
    kind: 'product',
    size: [
      [0.95, 1.1],
      [0.3, 0.5],
      [0.3, 0.45],
    ],
  },
};

async function load(file: string) {
  const data = await readFile(path.join(modelsDir, file));
  const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  return new GLTFLoader().parseAsync(buffer, '');
}

describe('generated GLB models', () => {
  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(`${file} loads with meshes, its model space and sane bounds`, async () => {
      const bytes = (await readFile(path.join(modelsDir, file))).byteLength;
      expect(bytes).toBeLessThan(200 * 1024);

      const gltf = await load(file);
      const meshes: THREE.Mesh[] = [];
      gltf.scene.traverse((o) => {
        if ((o as THREE.Mesh).isMesh) meshes.push(o as THREE.Mesh);
      });
      expect(meshes.length).toBeGreaterThan(0);
      for (const m of meshes) expect(m.geometry.getAttribute('position').count).toBeGreaterThan(0);

      const root = gltf.scene.getObjectByName(path.basename(file, '.glb'));
      expect(root?.userData.shopcastModelSpace?.kind).toBe(expected.kind);

      const box = new THREE.Box3().setFromObject(gltf.scene);
      const size = box.getSize(new THREE.Vector3()).toArray();
      size.forEach((extent, axis) => {
        const [min, max] = expected.size[axis] as [number, number];
        expect(extent, `${file} axis ${axis}`).toBeGreaterThanOrEqual(min);
        expect(extent, `${file} axis ${axis}`).toBeLessThanOrEqual(max);
      });
      if (expected.kind === 'glasses') {
        // Symmetric about the bridge of the nose.
        expect(Math.abs(box.min.x + box.max.x)).toBeLessThan(0.01);
      }
      if (expected.kind === 'earrings') {
        // Hangs from the piercing at the origin.
        expect(box.max.y).toBeLessThan(0.03);
      }
      if (expected.kind === 'product') expect(Math.abs(box.min.y)).toBeLessThan(0.01);
    });
  }
});
