// Shared Vitest settings: tests import sibling packages from their TypeScript sources (the
// `@rectifier/*` aliases below), so `vitest run` in one package needs no prior build of the others.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const pkgs = ['tensor-native', 'tensor', 'init', 'nn', 'train', 'imagenet', 'onnx', 'serve', 'cli'];
const TEST_DIRS = ['src', 'test'];

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
    include: TEST_DIRS.map((d) => `${d}/**/*.test.ts`),
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

/** Options for packages whose tests reach beyond their own folder (tensor-native). */
export interface SharedProcessOptions {
  /** The folder `include` and `ownProcess` are relative to (default: the package's). */
  dir?: string;
  /** Test files to run (default: `sharedConfig`'s, under src/ and test/). */
  include?: string[];
  setupFiles?: string[];
  /** Files that need a process of their own for another reason than `vi.mock`. */
  ownProcess?: string[];
}

/**
 * `sharedConfig` with the package's test files run one after another in one process (`isolate:
 * false`): a fresh process and module graph per file cost 30-40% of these suites' CPU time (nn: 32
 * -> 20 CPU-s, tensor: 76 -> 55). A file that mocks modules (`vi.mock`, `vi.doMock`) needs modules
 * loaded after its mock, so such files still get a process of their own (the "own process"
 * project), as do the `ownProcess` files. The price: a test that changes process-wide state (the
 * default backend, `process.env`, a cached loader) must restore it for the files that run after it.
 */
export function sharedProcessConfig(packageUrl: string, options: SharedProcessOptions = {}) {
  const packageDir = fileURLToPath(new URL('.', packageUrl));
  const dir = options.dir ?? packageDir;
  const mocking = TEST_DIRS.filter((d) => existsSync(join(packageDir, d)))
    .flatMap((d) =>
      (readdirSync(join(packageDir, d), { recursive: true }) as string[])
        .filter((f) => f.endsWith('.test.ts'))
        .map((f) => join(packageDir, d, f)),
    )
    .filter((f) => /\bvi\.(mock|doMock)\(/.test(readFileSync(f, 'utf8')))
    .map((f) => relative(dir, f));
  const own = [...mocking, ...(options.ownProcess ?? [])];
  const name = relative(join(root, 'packages'), packageDir);
  // Each project spells out its whole test config: `extends: true` would concatenate the include
  // lists with the root's instead of replacing them.
  const project = (test: Record<string, unknown>) => ({
    resolve: sharedConfig.resolve,
    test: {
      ...sharedConfig.test,
      ...(options.dir ? { dir } : {}),
      ...(options.setupFiles ? { setupFiles: options.setupFiles } : {}),
      ...test,
    },
  });
  const include = options.include ?? sharedConfig.test?.include;
  return defineConfig({
    resolve: sharedConfig.resolve,
    test: {
      projects: [
        project({ name, isolate: false, include, exclude: [...configDefaults.exclude, ...own] }),
        ...(own.length > 0 ? [project({ name: `${name} (own process)`, include: own })] : []),
      ],
    },
  });
}
