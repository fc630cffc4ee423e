// The face tracker's models and WASM binaries, served from our own origin (the
// CSP allows nothing remote; Human's defaults would fetch them from a CDN).
//
// As a Vite plugin: `trackingAssets()` serves them under /tracking/ in dev and
// emits them into the build output. As a script:
//   npx tsx scripts/copy-tracking-assets.ts <outDir>   (writes <outDir>/tracking/...)
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';

const modules = path.resolve(import.meta.dirname, '../node_modules');
const HUMAN_MODELS = path.join(modules, '@vladmandic/human/models');
const TFJS_WASM = path.join(modules, '@tensorflow/tfjs-backend-wasm/dist');

/** Output path (under the tracking folder) -> source file. Face detector + face mesh only. */
export const TRACKING_ASSETS: Record<string, string> = {
  'models/blazeface.json': path.join(HUMAN_MODELS, 'blazeface.json'),
  'models/blazeface.bin': path.join(HUMAN_MODELS, 'blazeface.bin'),
  'models/facemesh.json': path.join(HUMAN_MODELS, 'facemesh.json'),
  'models/facemesh.bin': path.join(HUMAN_MODELS, 'facemesh.bin'),
  // TF.js picks one of these at run time by what the browser supports.
  'wasm/tfjs-backend-wasm.wasm': path.join(TFJS_WASM, 'tfjs-backend-wasm.wasm'),
  'wasm/tfjs-backend-wasm-simd.wasm': path.join(TFJS_WASM, 'tfjs-backend-wasm-simd.wasm'),
  'wasm/tfjs-backend-wasm-threaded-simd.wasm': path.join(TFJS_WASM, 'tfjs-backend-wasm-threaded-simd.wasm'),
};

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
  // WebAssembly.instantiateStreaming requires this exact type.
  '.wasm': 'application/wasm',
};

function checkInstalled(): void {
  const missing = Object.values(TRACKING_ASSETS).filter((file) => !existsSync(file));
  if (missing.length)
    throw new Error(`face tracking assets missing (run npm install): ${missing.join(', ')}`);
}

export function trackingAssets(folder = 'tracking'): Plugin {
  return {
    name: 'shopcast-tracking-assets',
    configureServer(server) {
      checkInstalled();
      server.middlewares.use(`/${folder}/`, (req, res, next) => {
        const name = (req.url ?? '').split('?')[0]?.replace(/^\//, '') ?? '';
        const file = TRACKING_ASSETS[name];
        if (!file) return next();
        res.setHeader('Content-Type', CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream');
        createReadStream(file).pipe(res);
      });
    },
    async generateBundle() {
      checkInstalled();
      for (const [name, file] of Object.entries(TRACKING_ASSETS)) {
        this.emitFile({ type: 'asset', fileName: `${folder}/${name}`, source: await readFile(file) });
      }
    },
  };
}

export async function copyTrackingAssets(outDir: string, folder = 'tracking'): Promise<void> {
  checkInstalled();
  for (const [name, file] of Object.entries(TRACKING_ASSETS)) {
    const target = path.join(outDir, folder, name);
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(file, target);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const outDir = process.argv[2];
  if (!outDir) {
    console.error('usage: npx tsx scripts/copy-tracking-assets.ts <outDir>');
    process.exit(2);
  }
  await copyTrackingAssets(path.resolve(outDir));
  console.log(`tracking assets copied to ${path.join(path.resolve(outDir), 'tracking')}`);
}
