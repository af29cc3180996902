// Shared Vitest settings: tests import sibling packages from their TypeScript sources (the
// `@rectifier/*` aliases below), so `vitest run` in one package needs no prior build of the others.
import { readdirSync, readFileSync } from 'node:fs';
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

/** Test files under `dir` (relative to `packageDir`), recursively. */
function testFiles(packageDir: string, dir: string): string[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(join(packageDir, dir), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : testFiles(packageDir, path);
    return e.name.endsWith('.test.ts') ? [path] : [];
  });
}

/**
 * `sharedConfig` with the package's test files run one after another in one process (`isolate:
 * false`): a fresh process and module graph per file cost 30-40% of these suites' CPU time (nn: 32
 * -> 20 CPU-s, tensor: 76 -> 55). A file that mocks modules (`vi.mock`, `vi.doMock`) needs modules
 * loaded after its mock, so such files still get a process of their own (the "isolated" project).
 * The price: a test that changes process-wide state (the default backend, `process.env`, a cached
 * loader) must restore it for the files that run after it. tensor-native's config does the same
 * by hand (its include list reaches into tensor), with its unloadable-binary test in its own process.
 */
export function sharedProcessConfig(packageUrl: string) {
  const packageDir = fileURLToPath(new URL('.', packageUrl));
  const mocking = TEST_DIRS.flatMap((d) => testFiles(packageDir, d)).filter((f) =>
    /\bvi\.(mock|doMock)\(/.test(readFileSync(join(packageDir, f), 'utf8')),
  );
  const name = relative(join(root, 'packages'), packageDir);
  // Each project spells out its whole test config: `extends: true` would concatenate the include
  // lists with the root's instead of replacing them.
  const project = (test: Record<string, unknown>) => ({
    resolve: sharedConfig.resolve,
    test: { ...sharedConfig.test, ...test },
  });
  return defineConfig({
    resolve: sharedConfig.resolve,
    test: {
      projects: [
        project({ name, isolate: false, exclude: [...configDefaults.exclude, ...mocking] }),
        ...(mocking.length > 0 ? [project({ name: `${name} (isolated: vi.mock)`, include: mocking })] : []),
      ],
    },
  });
}
