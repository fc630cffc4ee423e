import { createReadStream } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type * as THREE from 'three';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Product } from '../../../protocol/catalog';
import { tryOnPoses } from '../../../renderer/src/tryon/anchor';
import {
  MESH_INDEX,
  MESH_POINTS,
  landmarksFromMesh,
  type FaceLandmarks,
} from '../../../renderer/src/tryon/landmarks';
import { TryOnScene } from '../../../renderer/src/tryon/try-on-scene';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

// three's FileLoader reports progress with the browser's ProgressEvent, which Node lacks.
class NodeProgressEvent extends Event {
  lengthComputable = false;
  loaded = 0;
  total = 0;
  constructor(type: string, init: { loaded?: number; total?: number } = {}) {
    super(type);
    this.loaded = init.loaded ?? 0;
    this.total = init.total ?? 0;
  }
}
(globalThis as { ProgressEvent?: unknown }).ProgressEvent ??= NodeProgressEvent;
let server: http.Server;
let base = '';

beforeAll(async () => {
  // GLTFLoader fetches its URL, so serve the models the way the renderer gets them.
  server = http.createServer((req, res) => {
    const name = path.basename(req.url ?? '');
    if (!name.endsWith('.glb')) return void res.writeHead(404).end();
    createReadStream(path.join(repoRoot, 'assets/models', name))
      .on('error', () => res.writeHead(404).end())
      .pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => server?.close());

const modelUrl = (model: string) => base + path.basename(model);
const product = (id: string, tryOn: Product['tryOn'], model?: string): Product => ({
  id,
  name: id,
  priceMinor: 100,
  currency: 'USD',
  stock: 1,
  category: 'Test',
  tryOn,
  model,
});

// A frontal face (turned by yaw) centred in a 640x480 frame.
function face(yaw = 0): FaceLandmarks {
  const canonical: Record<string, [number, number, number]> = {
    eyeOuterLeft: [-45, 0, 10],
    eyeOuterRight: [45, 0, 10],
    noseBridge: [0, -2, -8],
    forehead: [0, -70, 0],
    chin: [0, 110, 0],
    faceLeft: [-70, 0, 40],
    faceRight: [70, 0, 40],
    earLeft: [-68, 40, 50],
    earRight: [68, 40, 50],
    jawLeft: [-60, 70, 30],
    jawRight: [60, 70, 30],
  };
  const mesh = Array.from({ length: MESH_POINTS }, () => [0, 0, 0]);
  for (const [name, index] of Object.entries(MESH_INDEX)) {
    const [x, y, z] = canonical[name] as [number, number, number];
    const b = -yaw;
    mesh[index] = [x * Math.cos(b) + z * Math.sin(b) + 320, y + 240, -x * Math.sin(b) + z * Math.cos(b)];
  }
  return landmarksFromMesh(mesh, { width: 640, height: 480 }, 1) as FaceLandmarks;
}

const RECT = { x: 0, y: 0, width: 640, height: 480 };
const shown = (scene: TryOnScene) =>
  scene.scene.children.filter((o) => o.type === 'Group' && o.visible) as THREE.Object3D[];

describe('TryOnScene', () => {
  it('puts glasses where the anchor says, in the y-up canvas frame', async () => {
    const tryOn = new TryOnScene();
    tryOn.setSize(640, 480);
    await tryOn.setProduct(product('g', 'glasses', 'assets/models/glasses-round.glb'), modelUrl);
    expect(tryOn.productId).toBe('g');
    expect(shown(tryOn)).toHaveLength(0); // nothing until a face is seen

    tryOn.update(face(), RECT);
    const [glasses] = shown(tryOn);
    const [pose] = tryOnPoses('glasses', face(), RECT);
    expect(glasses?.position.x).toBeCloseTo(pose?.x ?? NaN);
    expect(glasses?.position.y).toBeCloseTo(480 - (pose?.y ?? NaN));
    expect(glasses?.scale.x).toBeCloseTo(pose?.scale ?? NaN);

    tryOn.update(null, RECT);
    expect(shown(tryOn)).toHaveLength(0);
    tryOn.dispose();
  });

  it('hangs earrings on both ears and hides the one turned away', async () => {
    const tryOn = new TryOnScene();
    tryOn.setSize(640, 480);
    await tryOn.setProduct(product('e', 'earrings', 'assets/models/earrings-hoop.glb'), modelUrl);
    tryOn.update(face(), RECT);
    expect(shown(tryOn).map((o) => o.name)).toEqual(['try-on e left', 'try-on e right']);
    tryOn.update(face(0.7), RECT);
    expect(shown(tryOn).map((o) => o.name)).toEqual(['try-on e left']);
  });

  it('shows nothing for products that are not worn, and keeps only the latest pin', async () => {
    const tryOn = new TryOnScene();
    tryOn.setSize(640, 480);
    await tryOn.setProduct(product('b', 'none', 'assets/models/bottle.glb'), modelUrl);
    expect(tryOn.productId).toBeNull();

    const first = tryOn.setProduct(product('cap', 'hat', 'assets/models/cap.glb'), modelUrl);
    const second = tryOn.setProduct(product('bucket', 'hat', 'assets/models/bucket-hat.glb'), modelUrl);
    await Promise.all([first, second]);
    expect(tryOn.productId).toBe('bucket');
    tryOn.update(face(), RECT);
    expect(shown(tryOn).map((o) => o.name)).toEqual(['try-on bucket']);

    await tryOn.setProduct(null, modelUrl);
    expect(tryOn.scene.children.filter((o) => o.type === 'Group')).toHaveLength(0);
  });
});
