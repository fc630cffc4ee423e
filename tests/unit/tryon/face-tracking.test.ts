// Runs the try-on's Human configuration on the face fixture in Node (the same
// models and WASM backend the worker uses in the browser), with the models served
// over loopback HTTP from the asset map the renderer build uses. The browser side
// (worker, CSP, fake camera) was checked in Chromium: renderer/src/tryon/README.md.
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Human as HumanClass } from '@vladmandic/human';
import { faceFromHuman, humanTrackerConfig } from '../../../renderer/src/tryon/human-face';
import { TRACKING_ASSETS } from '../../../scripts/copy-tracking-assets';
import { FRAME, makeFaceFixture } from '../../../scripts/make-face-fixture';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
// Human's Node build for the WASM backend (the package's "node" export needs tfjs-node).
const { Human } = createRequire(import.meta.url)(
  path.join(repoRoot, 'node_modules/@vladmandic/human/dist/human.node-wasm.js'),
) as { Human: typeof HumanClass };

let server: http.Server;
let human: HumanClass;
let fixture: Buffer;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const file = TRACKING_ASSETS[(req.url ?? '').replace(/^\/tracking\//, '')];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tracking/`;
  // In Node, TF.js reads the .wasm with fs, so it gets a folder path rather than a URL.
  const wasmDir = `${path.dirname(TRACKING_ASSETS['wasm/tfjs-backend-wasm.wasm'] ?? '')}/`;
  human = new Human(humanTrackerConfig({ modelBaseUrl: `${base}models/`, wasmBaseUrl: wasmDir }));
  await human.load();

  const dir = await mkdtemp(path.join(tmpdir(), 'face-fixture-'));
  fixture = await readFile(await makeFaceFixture(path.join(dir, 'face.mjpeg'), 2));
}, 60_000);

afterAll(() => {
  server?.close();
});

function countMarker(data: Buffer, marker: number[]): number {
  let count = 0;
  for (let i = data.indexOf(Buffer.from(marker)); i >= 0; i = data.indexOf(Buffer.from(marker), i + 1))
    count++;
  return count;
}

async function detect(rgb: Uint8Array, width: number, height: number) {
  const input = human.tf.tensor3d(rgb, [height, width, 3], 'int32');
  try {
    const started = performance.now();
    const result = await human.detect(input);
    return { face: faceFromHuman(result.face[0], { width, height }), ms: performance.now() - started };
  } finally {
    human.tf.dispose(input);
  }
}

describe('face tracking on the fixture', () => {
  it('writes an MJPEG of baseline JPEG frames', () => {
    expect(countMarker(fixture, [0xff, 0xd8, 0xff])).toBe(2); // start of image
    const first = jpeg.decode(fixture, { useTArray: true });
    expect([first.width, first.height]).toEqual([FRAME.width, FRAME.height]);
  });

  it('loads only the face detector and mesh, on WASM', () => {
    expect(human.tf.getBackend()).toBe('wasm');
    const loaded = Object.entries(human.models.models)
      .filter(([, model]) => model)
      .map(([name]) => name)
      .sort();
    expect(loaded).toEqual(['blazeface', 'facemesh']);
  });

  it('finds the face with sane landmarks', async () => {
    const frame = jpeg.decode(fixture, { useTArray: true, formatAsRGBA: false });
    let last: Awaited<ReturnType<typeof detect>> | undefined;
    for (let i = 0; i < 3; i++) last = await detect(frame.data, frame.width, frame.height);
    const face = last?.face;
    expect(face).not.toBeNull();
    if (!face) return;
    console.log(`face tracking in Node (WASM, ${frame.width}x${frame.height}): ${last?.ms.toFixed(1)} ms`);
    // A frontal portrait about 330 px wide in the middle of a 640x480 frame.
    expect(face.eyeOuterLeft.x).toBeLessThan(face.eyeMid.x);
    expect(face.eyeMid.x).toBeLessThan(face.eyeOuterRight.x);
    const eyeSpan = face.eyeOuterRight.x - face.eyeOuterLeft.x;
    expect(eyeSpan).toBeGreaterThan(90);
    expect(eyeSpan).toBeLessThan(170);
    expect(Math.abs(face.eyeMid.x - FRAME.width / 2)).toBeLessThan(60);
    expect(face.forehead.y).toBeLessThan(face.noseBridge.y);
    expect(face.noseBridge.y).toBeLessThan(face.chin.y);
    expect(face.faceLeft.x).toBeLessThan(face.eyeOuterLeft.x);
    expect(face.faceRight.x).toBeGreaterThan(face.eyeOuterRight.x);
    expect(face.earLeft.y).toBeGreaterThan(face.eyeMid.y);
    expect(Math.abs(face.yaw)).toBeLessThan(0.2);
    expect(Math.abs(face.roll)).toBeLessThan(0.1);
    expect(Math.abs(face.pitch)).toBeLessThan(0.35);
  }, 60_000);

  it('reports no face on an empty frame', async () => {
    const width = 320;
    const height = 240;
    const grey = new Uint8Array(width * height * 3).fill(120);
    expect((await detect(grey, width, height)).face).toBeNull();
  }, 60_000);
});
