#!/usr/bin/env node
// `npm run bench:wasm` entry: bundles bench/wasm-kernels.ts with the package's TypeScript sources
// (esbuild, like bench.mjs) into node_modules/.cache/rectifier-bench/wasm-kernels.mjs and runs it with
// the same arguments. onnxruntime-web stays external and resolves from the repo root's node_modules.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const outfile = join(pkgDir, 'node_modules', '.cache', 'rectifier-bench', 'wasm-kernels.mjs');
await build({
  entryPoints: [join(pkgDir, 'bench', 'wasm-kernels.ts')],
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outfile,
  external: ['onnxruntime-web'],
  logLevel: 'warning',
});
const r = spawnSync(process.execPath, [...process.execArgv, outfile, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
