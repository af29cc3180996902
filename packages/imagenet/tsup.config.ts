import { defineConfig } from 'tsup';

// Entries: the browser-safe core, the Node part, the loader's worker script, the browser decoder and
// the tensor batch helpers. The worker is its own entry so dist/worker.js sits next to the module
// that starts it (the loader resolves it with new URL('./worker.js', import.meta.url)); shared
// code lands in dist/chunk-*.js, also next to it.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    node: 'src/node/index.ts',
    worker: 'src/node/worker.ts',
    browser: 'src/browser/index.ts',
    batch: 'src/batch/index.ts',
  },
  format: ['esm'],
  dts: {
    entry: {
      index: 'src/index.ts',
      node: 'src/node/index.ts',
      browser: 'src/browser/index.ts',
      batch: 'src/batch/index.ts',
    },
  },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  external: [/^node:/, 'sharp', '@rectifier/tensor'],
  treeshake: true,
});
