// Bundles the Electron main process and the sandboxed preload to CommonJS with esbuild.
import { build } from 'esbuild';

const shared = {
  bundle: true,
  platform: 'node' as const,
  format: 'cjs' as const,
  target: 'node20',
  sourcemap: true,
  external: ['electron', 'bufferutil', 'utf-8-validate'],
  logLevel: 'warning' as const,
};

await build({
  ...shared,
  entryPoints: ['main/electron/electron-main.ts'],
  outfile: 'out/main/electron-main.cjs',
});
await build({ ...shared, entryPoints: ['preload/preload.ts'], outfile: 'out/preload/preload.cjs' });
console.log('Built out/main/electron-main.cjs and out/preload/preload.cjs');
