// The shopper viewer page: a small separate build into out/viewer, served by the SFU at /viewer/.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The page imports mediasoup-client lazily so its signaling starts first; a modulepreload
 * link lets the browser fetch and compile that chunk while the entry is still running.
 */
function preloadLazyChunks(): Plugin {
  return {
    name: 'shopcast-viewer-preload-lazy-chunks',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, context) {
        const chunks = Object.values(context.bundle ?? {}).filter(
          (output) => output.type === 'chunk' && output.isDynamicEntry,
        );
        return chunks.map((chunk) => ({
          tag: 'link',
          attrs: { rel: 'modulepreload', crossorigin: true, href: `./${chunk.fileName}` },
          injectTo: 'head' as const,
        }));
      },
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  plugins: [preloadLazyChunks()],
  build: { outDir: resolve(here, '..', '..', 'out', 'viewer'), emptyOutDir: true },
});
