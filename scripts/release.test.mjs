// Dry-runs the release's version step: `changeset version` on a throwaway copy of the package
// manifests and pending changesets, then checks what it would publish. Catches the mistakes that
// only show at release time: a dependent forced to 1.0.0 by an exact peer range, internal ranges that
// the new versions do not satisfy (npm would nest a second copy of @rectifier/tensor).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('..', import.meta.url).pathname;
const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));

/** Smallest x.y.z satisfying a caret or ">=a <b" range check, enough for our own ranges. */
function satisfies(version, range) {
  const v = version.split('.').map(Number);
  const cmp = (a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
  return range.split('||').some((alt) =>
    alt
      .trim()
      .split(/\s+/)
      .every((part) => {
        const m = /^(\^|>=|<|<=|>)?(\d+)\.(\d+)\.(\d+)$/.exec(part);
        if (!m) throw new Error(`unsupported range part '${part}'`);
        const r = [Number(m[2]), Number(m[3]), Number(m[4])];
        const c = cmp(v, r);
        switch (m[1]) {
          case '^': {
            const upper = r[0] > 0 ? [r[0] + 1, 0, 0] : r[1] > 0 ? [0, r[1] + 1, 0] : [0, 0, r[2] + 1];
            return c >= 0 && cmp(v, upper) < 0;
          }
          case '>=':
            return c >= 0;
          case '<':
            return c < 0;
          case '<=':
            return c <= 0;
          case '>':
            return c > 0;
          default:
            return c === 0;
        }
      }),
  );
}

test('changeset version moves every package to a 0.x minor and keeps internal ranges satisfied', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rectifier-release-'));
  try {
    cpSync(join(root, '.changeset'), join(dir, '.changeset'), { recursive: true });
    cpSync(join(root, 'package.json'), join(dir, 'package.json'));
    const workspaces = [];
    for (const group of ['packages', 'apps']) {
      for (const d of readdirSync(join(root, group))) {
        const manifest = join(root, group, d, 'package.json');
        if (!existsSync(manifest)) continue;
        cpSync(manifest, join(dir, group, d, 'package.json'));
        workspaces.push(join(group, d));
      }
    }
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    execFileSync(join(root, 'node_modules', '.bin', 'changeset'), ['version'], {
      cwd: dir,
      stdio: 'pipe',
      env: { ...process.env, CI: 'true' },
    });
    const after = Object.fromEntries(
      workspaces.map((w) => {
        const pkg = readJson(join(dir, w, 'package.json'));
        return [pkg.name, pkg];
      }),
    );
    for (const pkg of Object.values(after)) {
      if (pkg.private) continue;
      assert.match(pkg.version, /^0\.\d+\.\d+$/, `${pkg.name} would be released as ${pkg.version}`);
      for (const field of ['dependencies', 'peerDependencies']) {
        for (const [name, range] of Object.entries(pkg[field] ?? {})) {
          if (!after[name]) continue;
          assert.ok(
            satisfies(after[name].version, range),
            `${pkg.name} ${field}.${name} '${range}' excludes the released ${after[name].version}`,
          );
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
