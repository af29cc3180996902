#!/usr/bin/env node
// Compiles the Node-API addon (native/*.cc) into a per-platform package's tensor-native.node with the
// system C++ compiler, against oneDNN (Debian: libdnnl-dev) and the Node-API headers. No node-gyp: it
// would download Node's headers from nodejs.org; the `node-api-headers` npm package (or the headers
// installed with Node, include/node) serve instead. Node-API only, so the binary loads in
// every Node >= 20.
//
// Usage (the per-platform package's `npm run build`): node ../tensor-native/scripts/build-addon.mjs
// Writes ./tensor-native.node in the current directory. When the toolchain, Node's headers or oneDNN
// are missing, it prints what is missing and exits 0 without a binary (the backend then reports
// that it is unavailable and `selectBackend('auto')` uses WASM); `--require` makes that an error.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const srcDir = fileURLToPath(new URL('../native/', import.meta.url));
const out = join(process.cwd(), 'tensor-native.node');
const required = process.argv.includes('--require') || process.env.RECTIFIER_NATIVE_REQUIRE === '1';
const cxx = process.env.CXX || 'g++';

function skip(why) {
  const msg = `tensor-native: not building the native addon: ${why}`;
  if (required) {
    console.error(msg);
    process.exit(1);
  }
  console.warn(
    `${msg}\n  (the native backend will report itself unavailable; selectBackend('auto') uses WASM)`,
  );
  rmSync(out, { force: true });
  process.exit(0);
}

if (process.env.RECTIFIER_NATIVE_SKIP === '1') skip('RECTIFIER_NATIVE_SKIP=1');

const which = spawnSync(cxx, ['--version'], { encoding: 'utf8' });
if (which.status !== 0) skip(`no C++ compiler (${cxx}; Debian: apt-get install g++)`);

function nodeIncludeDir() {
  // node-api-headers (a devDependency of the per-platform packages, so always there after npm ci)
  // first, then the headers some Node installations ship in include/node.
  const candidates = [];
  try {
    const req = createRequire(join(process.cwd(), 'package.json'));
    candidates.push(dirname(req.resolve('node-api-headers/include/node_api.h')));
  } catch {
    // not installed: fall back to Node's own headers
  }
  candidates.push(join(dirname(dirname(process.execPath)), 'include', 'node'), '/usr/include/node');
  return candidates.find((d) => existsSync(join(d, 'node_api.h')));
}
const nodeInc = nodeIncludeDir();
if (!nodeInc)
  skip(
    'no Node-API headers (node_api.h): neither the node-api-headers package nor include/node of this Node',
  );

// oneDNN: the headers and the library to link against.
const probe = spawnSync(cxx, ['-x', 'c++', '-E', '-', '-o', '/dev/null'], {
  input: '#include <oneapi/dnnl/dnnl.hpp>\n',
  encoding: 'utf8',
});
if (probe.status !== 0) skip('oneDNN headers not found (Debian: apt-get install libdnnl-dev)');

const sources = readdirSync(srcDir)
  .filter((f) => f.endsWith('.cc'))
  .map((f) => join(srcDir, f));
const tmp = `${out}.tmp-${process.pid}`;
const args = [
  '-std=c++17',
  '-O3',
  '-fPIC',
  '-shared',
  '-fopenmp',
  // Bit-identical float32 elementwise results with the JS kernels: no fused multiply-add contraction.
  '-ffp-contract=off',
  // Lets the compiler compute both sides of `x > 0 ? x : a * x` and blend them (vectorised) instead of
  // branching per element; results are unchanged (no code here reads floating-point exception flags).
  '-fno-trapping-math',
  '-fvisibility=hidden',
  '-DNODE_GYP_MODULE_NAME=tensor_native',
  `-I${nodeInc}`,
  ...sources,
  '-ldnnl',
  '-Wl,--as-needed',
  '-o',
  tmp,
];
mkdirSync(dirname(out), { recursive: true });
const started = Date.now();
try {
  execFileSync(cxx, args, { stdio: 'inherit' });
} catch {
  rmSync(tmp, { force: true });
  if (required) process.exit(1);
  skip(`${cxx} failed (see the messages above)`);
}
renameSync(tmp, out); // atomic: a half-written binary is never loaded
console.log(
  `tensor-native: built ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s (Node-API headers: ${nodeInc})`,
);
