#!/usr/bin/env node
// `npm run bench` entry: bundles bench/run.ts (and the package's TypeScript sources it imports) with
// esbuild into node_modules/.cache/rectifier-bench/run.mjs (inside this package), then runs it with the
// same node and the same arguments. Bundling from source means the benchmark needs no `npm run build`
// and always measures the working tree. The bundle goes under node_modules/, which keeps it out of git
// and out of biome.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const outfile = join(pkgDir, 'node_modules', '.cache', 'rectifier-bench', 'run.mjs');

/**
 * `@rectifier/tensor` and its subpaths resolve to the TypeScript sources: src/index.ts, and for a
 * subpath src/<sub>/index.ts (the vitest alias rule), src/<sub>.ts or src/backends/<sub>/index.ts. A subpath that does not exist yet (e.g. `/wasm` before the WASM backend lands) becomes a
 * module exporting `__missing`, so the runner can say so instead of failing to bundle.
 */
const sourcePlugin = {
  name: 'rectifier-sources',
  setup(b) {
    // The native backend (a sibling package that depends on this one) from its sources too, so that
    // `--backend native` measures the working tree; only its compiled addon must be built.
    b.onResolve({ filter: /^@rectifier\/tensor-native$/ }, () => ({
      path: join(pkgDir, '..', 'tensor-native', 'src', 'index.ts'),
    }));
    b.onResolve({ filter: /^@rectifier\/tensor(\/[\w-]+)?$/ }, (args) => {
      const sub = args.path.slice('@rectifier/tensor'.length).replace(/^\//, '');
      const candidates = sub
        ? [`src/${sub}/index.ts`, `src/${sub}.ts`, `src/backends/${sub}/index.ts`]
        : ['src/index.ts'];
      const file = candidates.map((c) => join(pkgDir, c)).find((f) => existsSync(f));
      if (file) return { path: file };
      return { path: args.path, namespace: 'rectifier-missing' };
    });
    b.onLoad({ filter: /.*/, namespace: 'rectifier-missing' }, (args) => ({
      contents: `export const __missing = ${JSON.stringify(args.path)};`,
      loader: 'js',
    }));
  },
};

await build({
  entryPoints: [join(pkgDir, 'bench', 'run.ts')],
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outfile,
  // TF.js's node entry (tf-core.node.js, CommonJS) lacks the gradient registrations, which only exist
  // as ES modules (dist/register_all_gradients.js); preferring "module" bundles one consistent ESM copy.
  mainFields: ['module', 'main'],
  external: ['esbuild'],
  // Bundled CommonJS dependencies (TF.js's node-fetch, seedrandom) call require('util') etc.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  plugins: [sourcePlugin],
  logLevel: 'warning',
});

const r = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
