import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { webgpu: 'src/webgpu/index.ts', index: 'src/index.ts', wasm: 'src/wasm/index.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  treeshake: true,
});
