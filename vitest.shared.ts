// Shared Vitest settings: tests import sibling packages from their TypeScript sources (the
// `@rectifier/*` aliases below), so `vitest run` in one package needs no prior build of the others.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const pkgs = ['tensor-native', 'tensor', 'init', 'nn', 'train', 'imagenet', 'onnx', 'serve', 'cli'];

export const sharedConfig = defineConfig({
  resolve: {
    alias: [
      ...pkgs.flatMap((p) => [
        { find: new RegExp(`^@rectifier/${p}/(.+)$`), replacement: `${root}packages/${p}/src/$1/index.ts` },
        { find: new RegExp(`^@rectifier/${p}$`), replacement: `${root}packages/${p}/src/index.ts` },
      ]),
      // train's package.json "imports" entry, resolved to the Node source under test.
      { find: /^#train-fs$/, replacement: `${root}packages/train/src/checkpoint/node-fs.ts` },
    ],
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
