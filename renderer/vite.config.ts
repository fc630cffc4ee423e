import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { trackingAssets } from '../scripts/copy-tracking-assets';

const here = dirname(fileURLToPath(import.meta.url));

// The catalog's models and thumbnails, emitted at the paths the catalog names
// (assets/models/…, assets/catalog/thumbnails/…), so the UI loads them from its own origin.
function productAssets(): Plugin {
  const folders = ['assets/models', 'assets/catalog/thumbnails'];
  return {
    name: 'shopcast-product-assets',
    generateBundle() {
      for (const folder of folders) {
        for (const name of readdirSync(resolve(here, '..', folder))) {
          if (!/\.(glb|svg|png|jpe?g|webp)$/i.test(name)) continue;
          this.emitFile({
            type: 'asset',
            fileName: join(folder, name),
            source: readFileSync(resolve(here, '..', folder, name)),
          });
        }
      }
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  plugins: [react(), trackingAssets(), productAssets()],
  build: {
    outDir: resolve(here, '..', 'out', 'renderer'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 4096,
  },
  worker: { format: 'es' },
});
