// Bundles the Electron main process and the sandboxed preload to CommonJS with esbuild.
// Any warning fails the build: a CJS bundle with an empty import.meta would crash at start.
import { build } from 'esbuild';
import { ensureDependencyPatches } from './patch-dependencies';

// The bundle carries kafkajs: bundle the patched one.
ensureDependencyPatches((line) => console.log(`[build] ${line}`));

const shared = {
  bundle: true,
  platform: 'node' as const,
  format: 'cjs' as const,
  target: 'node20',
  sourcemap: true,
  external: ['electron', 'bufferutil', 'utf-8-validate'],
  logLevel: 'warning' as const,
};

// Shared services locate files from import.meta.url; in the bundles that is out/main/, which sits
// as deep in the tree as main/<capability>/, so their relative paths still hold.
const withImportMetaUrl = {
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
};

const mainBundle = await build({
  ...shared,
  entryPoints: ['main/electron/electron-main.ts'],
  outfile: 'out/main/electron-main.cjs',
  ...withImportMetaUrl,
});
// The show pipeline's worker thread (main/live-metrics/show-pipeline.ts loads it next to the main bundle).
const workerBundle = await build({
  ...shared,
  entryPoints: ['main/live-metrics/show-pipeline-worker.ts'],
  outfile: 'out/main/show-pipeline-worker.cjs',
  ...withImportMetaUrl,
});
const preloadBundle = await build({
  ...shared,
  entryPoints: ['preload/preload.ts'],
  outfile: 'out/preload/preload.cjs',
});
const warnings = mainBundle.warnings.length + workerBundle.warnings.length + preloadBundle.warnings.length;
if (warnings > 0) {
  console.error(`The Electron bundles built with ${warnings} warning(s); fix them.`);
  process.exit(1);
}
console.log(
  'Built out/main/electron-main.cjs, out/main/show-pipeline-worker.cjs and out/preload/preload.cjs',
);
