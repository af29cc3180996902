// The packaging checker (check-package.mjs) on two throwaway packages: a sound one passes, and one
// with a missing type declaration, shipped sources and an unshipped README link fails, naming each.
// (--browser resolves the package through the workspace's node_modules, as an app would: the
// browser packages' own `npm test` runs it.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const checker = new URL('./check-package.mjs', import.meta.url).pathname;

/** Writes a minimal ESM package with one entry into a fresh folder and returns the folder. */
function fakePackage({ withTypes, extraFiles = {}, readme = '# x\n' }) {
  const dir = mkdtempSync(join(tmpdir(), 'check-package-'));
  const pkg = {
    name: '@rectifier/fake',
    version: '0.0.0',
    type: 'module',
    license: 'MIT',
    sideEffects: false,
    files: ['dist', 'src'],
    exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } },
    types: './dist/index.d.ts',
    repository: { type: 'git', url: 'git+https://github.com/rectifier/rectifier.git', directory: 'x' },
  };
  mkdirSync(join(dir, 'dist'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  writeFileSync(join(dir, 'README.md'), readme);
  writeFileSync(join(dir, 'LICENSE'), 'MIT\n');
  writeFileSync(join(dir, 'dist', 'index.js'), 'export const one = 1;\n');
  if (withTypes) writeFileSync(join(dir, 'dist', 'index.d.ts'), 'export declare const one: 1;\n');
  for (const [path, text] of Object.entries(extraFiles)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const check = (dir, ...args) =>
  spawnSync(process.execPath, [checker, ...args], { cwd: dir, encoding: 'utf8' });

test('a sound package passes', () => {
  const dir = fakePackage({ withTypes: true });
  try {
    const r = check(dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /@rectifier\/fake: package ok: publint, types \(esm-only\), 5 files/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing declaration, shipped sources and an unshipped README link each fail', () => {
  const dir = fakePackage({
    withTypes: false,
    extraFiles: { 'src/index.ts': 'export const one = 1;\n' },
    readme: '# x\n\nSee [the API](API.md).\n',
  });
  try {
    const r = check(dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /dist\/index\.d\.ts \(exports\/bin\) is not in the tarball/);
    assert.match(r.stderr, /src\/index\.ts: TypeScript sources .* must not ship/);
    assert.match(r.stderr, /README links API\.md, which is not in the tarball/);
    assert.match(r.stderr, /publint FILE_DOES_NOT_EXIST: .*index\.d\.ts/);
    assert.match(r.stderr, /attw UntypedResolution: Could not find types at \. \(node16-esm\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unknown argument is refused in one line', () => {
  const r = check(process.cwd(), '--brwoser');
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim(), 'check-package: unknown argument --brwoser (allowed: --browser)');
});
