// Repository-wide checks that no single package can make about itself: the dependency direction
// between @rectifier packages, and the packaging conventions every package must follow.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('..', import.meta.url).pathname;
const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));

/** The allowed internal edges (package -> packages it may depend on). Nothing may depend on cli or serve but cli. */
const allowed = {
  tensor: [],
  // the native backend's loader, and its per-platform binaries (optional dependencies, no code deps)
  'tensor-native': ['tensor', 'tensor-native-linux-x64-gnu'],
  'tensor-native-linux-x64-gnu': [],
  init: ['tensor'],
  nn: ['tensor', 'init'],
  train: ['tensor', 'nn', 'init'],
  imagenet: ['tensor'],
  onnx: ['tensor', 'nn', 'init'],
  // serve's runtime imports are imagenet (and onnx for the tests' models, which need nn/init/tensor).
  serve: ['tensor', 'init', 'nn', 'imagenet', 'onnx'],
  cli: ['tensor', 'tensor-native', 'init', 'nn', 'train', 'imagenet', 'onnx', 'serve'],
};

const packages = readdirSync(join(root, 'packages')).filter((d) =>
  existsSync(join(root, 'packages', d, 'package.json')),
);

function internalDeps(pkg) {
  const all = {
    ...pkg.dependencies,
    ...pkg.peerDependencies,
    ...pkg.optionalDependencies,
    ...pkg.devDependencies,
  };
  return Object.keys(all)
    .filter((n) => n.startsWith('@rectifier/'))
    .map((n) => n.slice('@rectifier/'.length));
}

test('every package is one the dependency table knows', () => {
  for (const p of packages)
    assert.ok(
      p in allowed,
      `packages/${p} is not in the allowed-edges table of scripts/repo-checks.test.mjs`,
    );
});

test('internal dependencies point one way: tensor <- init <- nn <- train; tensor <- imagenet; nn <- onnx', () => {
  for (const p of packages) {
    const pkg = readJson(join(root, 'packages', p, 'package.json'));
    for (const dep of internalDeps(pkg)) {
      assert.ok(
        allowed[p].includes(dep),
        `@rectifier/${p} must not depend on @rectifier/${dep} (allowed: ${allowed[p].join(', ') || 'none'})`,
      );
    }
  }
});

test('no source file imports a package it may not depend on', () => {
  const importRe = /(?:from\s+|import\s*\(\s*|import\s+)['"]@rectifier\/([a-z0-9-]+)/g;
  const walk = (dir) =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? e.name === 'node_modules' || e.name === 'dist'
          ? []
          : walk(join(dir, e.name))
        : [join(dir, e.name)],
    );
  for (const p of packages) {
    const src = join(root, 'packages', p, 'src');
    if (!existsSync(src)) continue;
    for (const file of walk(src).filter((f) => /\.(ts|mts|js|mjs)$/.test(f) && !/\.test\.ts$/.test(f))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(importRe)) {
        const dep = m[1];
        if (dep === p) continue;
        // imagenet's core stays tensor-free: only its batch subpath may import the tensor package.
        if (p === 'imagenet' && dep === 'tensor') {
          assert.ok(
            file.includes(`${join('src', 'batch')}`),
            `${file}: only @rectifier/imagenet/batch may import @rectifier/tensor`,
          );
          continue;
        }
        assert.ok(
          allowed[p].includes(dep),
          `${file} imports @rectifier/${dep}, which @rectifier/${p} may not depend on`,
        );
      }
    }
  }
});

test('every package is ESM, side-effect free, has an exports map, a README and tests', () => {
  for (const p of packages) {
    const dir = join(root, 'packages', p);
    const pkg = readJson(join(dir, 'package.json'));
    assert.equal(pkg.type, 'module', `${p}: "type" must be "module"`);
    assert.equal(pkg.sideEffects, false, `${p}: "sideEffects" must be false`);
    assert.ok(pkg.exports?.['.'], `${p}: needs an exports map with "."`);
    assert.ok(existsSync(join(dir, 'README.md')), `${p}: README.md missing`);
    assert.match(pkg.scripts?.build ?? '', /tsup/, `${p}: must build with tsup`);
  }
});

test('changesets are configured for independent versions on main', () => {
  const cfg = readJson(join(root, '.changeset', 'config.json'));
  assert.equal(cfg.baseBranch, 'main');
  assert.deepEqual(cfg.fixed, []);
  assert.deepEqual(cfg.linked, []);
});

test('every package ships the MIT licence text its package.json names, and says where to file bugs', () => {
  const licence = readFileSync(join(root, 'LICENSE'), 'utf8');
  assert.match(licence, /^MIT License/);
  for (const p of packages) {
    const dir = join(root, 'packages', p);
    const pkg = readJson(join(dir, 'package.json'));
    assert.equal(pkg.license, 'MIT', `${p}: license`);
    assert.equal(
      readFileSync(join(dir, 'LICENSE'), 'utf8'),
      licence,
      `${p}: LICENSE differs from the root's`,
    );
    assert.ok(pkg.keywords?.length > 0, `${p}: keywords`);
    assert.ok(pkg.homepage, `${p}: homepage`);
    assert.ok(pkg.bugs?.url, `${p}: bugs.url`);
  }
});

test('internal dependencies are version ranges, so packages can move independently', () => {
  for (const p of packages) {
    const pkg = readJson(join(root, 'packages', p, 'package.json'));
    for (const field of ['dependencies', 'peerDependencies', 'devDependencies']) {
      for (const [name, range] of Object.entries(pkg[field] ?? {})) {
        if (!name.startsWith('@rectifier/')) continue;
        assert.match(range, /^(\^|>=)/, `${p}: ${field}.${name} is pinned to '${range}'; use a range`);
      }
    }
  }
});
