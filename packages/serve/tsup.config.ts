import { defineConfig } from 'tsup';

// Entries: the library, and the worker thread script (plain JavaScript, so the same file runs from
// src/ in the tests; built next to index.js because the pool starts it with
// new URL('./worker.js', import.meta.url)).
export default defineConfig({
  entry: { index: 'src/index.ts', worker: 'src/worker.js' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  treeshake: true,
  external: [/^node:/, /^@rectifier\//, 'onnxruntime-node', 'sharp', 'fastify', 'prom-client'],
});
