import { defineConfig } from 'tsup';

export default defineConfig({
  // node-fs and its browser stand-in are separate files so that package.json's "imports" map can
  // choose one per platform ("#train-fs"); the bundle keeps that specifier external.
  entry: {
    index: 'src/index.ts',
    'node-fs': 'src/checkpoint/node-fs.ts',
    'node-fs.browser': 'src/checkpoint/node-fs.browser.ts',
  },
  external: ['#train-fs'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  treeshake: true,
});
