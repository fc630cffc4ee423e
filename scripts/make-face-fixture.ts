// Builds a fake-camera video that shows a face, for Chromium's
// --use-file-for-fake-video-capture=<file.mjpeg> in face-tracking and try-on tests.
//
// The face photo is not ours to commit, so the fixture is made at test time from a
// portrait that ships inside the installed @vladmandic/human package (its FaceID demo
// screenshot). Output: .stack/fixtures/face.mjpeg (concatenated baseline JPEG frames,
// which Chromium plays at 30 fps and loops).
//
// Run: npx tsx scripts/make-face-fixture.ts [--out <file>] [--frames <n>]
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import jpeg from 'jpeg-js';

const repoRoot = path.resolve(import.meta.dirname, '..');
const SOURCE = path.join(repoRoot, 'node_modules/@vladmandic/human/assets/screenshot-faceid.jpg');
// Where the portrait sits inside that screenshot (Human 3.3.6).
const SOURCE_SIZE = { width: 800, height: 564 };
const PORTRAIT = { x: 14, y: 141, width: 140, height: 140 };

export const FIXTURE_PATH = path.join(repoRoot, '.stack/fixtures/face.mjpeg');
export const FRAME = { width: 640, height: 480 };
// The face's outer eye corners end up about 110 px apart: a webcam at arm's length.
const FACE_SIZE = 330;

interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Bilinear sample of the portrait at fractional source coordinates. */
function sample(src: Rgba, x: number, y: number, channel: number): number {
  const x0 = Math.max(0, Math.min(src.width - 1, Math.floor(x)));
  const y0 = Math.max(0, Math.min(src.height - 1, Math.floor(y)));
  const x1 = Math.min(src.width - 1, x0 + 1);
  const y1 = Math.min(src.height - 1, y0 + 1);
  const fx = x - x0;
  const fy = y - y0;
  const at = (xx: number, yy: number) => src.data[(yy * src.width + xx) * 4 + channel] ?? 0;
  const top = at(x0, y0) * (1 - fx) + at(x1, y0) * fx;
  const bottom = at(x0, y1) * (1 - fx) + at(x1, y1) * fx;
  return top * (1 - fy) + bottom * fy;
}

/**
 * One frame: a soft studio-grey background with the portrait drifting slowly on a
 * small loop, so a tracker sees real motion and the try-on can be seen to follow.
 */
function renderFrame(src: Rgba, index: number, frames: number): Uint8Array {
  const out = new Uint8Array(FRAME.width * FRAME.height * 4);
  const phase = (2 * Math.PI * index) / frames;
  const left = (FRAME.width - FACE_SIZE) / 2 + 24 * Math.sin(phase);
  const top = (FRAME.height - FACE_SIZE) / 2 + 10 * Math.sin(2 * phase);
  const k = PORTRAIT.width / FACE_SIZE;
  for (let y = 0; y < FRAME.height; y++) {
    for (let x = 0; x < FRAME.width; x++) {
      const i = (y * FRAME.width + x) * 4;
      const u = x - left;
      const v = y - top;
      const inside = u >= 0 && v >= 0 && u < FACE_SIZE && v < FACE_SIZE;
      for (let c = 0; c < 3; c++) {
        out[i + c] = inside
          ? sample(src, PORTRAIT.x + u * k, PORTRAIT.y + v * k, c)
          : 70 + 40 * (1 - y / FRAME.height) + (c === 2 ? 10 : 0);
      }
      out[i + 3] = 255;
    }
  }
  return out;
}

export async function makeFaceFixture(outFile = FIXTURE_PATH, frames = 60): Promise<string> {
  let source: Buffer;
  try {
    source = await readFile(SOURCE);
  } catch {
    throw new Error(`${SOURCE} is missing: run npm install (the face comes from @vladmandic/human)`);
  }
  const decoded = jpeg.decode(source, { useTArray: true, formatAsRGBA: true });
  if (decoded.width !== SOURCE_SIZE.width || decoded.height !== SOURCE_SIZE.height) {
    throw new Error(
      `unexpected ${decoded.width}x${decoded.height} source; update PORTRAIT for this Human version`,
    );
  }
  const src: Rgba = { width: decoded.width, height: decoded.height, data: decoded.data };
  const parts: Uint8Array[] = [];
  for (let i = 0; i < frames; i++) {
    const { data } = jpeg.encode({ ...FRAME, data: renderFrame(src, i, frames) }, 85);
    parts.push(data);
  }
  await mkdir(path.dirname(outFile), { recursive: true });
  await writeFile(outFile, Buffer.concat(parts));
  return outFile;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, frames: { type: 'string' } } });
  const file = await makeFaceFixture(
    values.out ? path.resolve(values.out) : undefined,
    Number(values.frames ?? 60),
  );
  console.log(file);
}
