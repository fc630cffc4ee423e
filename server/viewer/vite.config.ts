// The shopper viewer page: a small separate build into out/viewer, served by the SFU at /viewer/.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  build: { outDir: resolve(here, '..', '..', 'out', 'viewer'), emptyOutDir: true },
});
