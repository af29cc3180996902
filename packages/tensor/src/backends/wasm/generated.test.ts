// The embedded kernel modules are committed build outputs: this fails when assembly/*.ts changed
// without `node scripts/build-wasm.mjs` (the package build runs it, so dist/ is always fresh).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('generated kernel modules match assembly/ (node scripts/build-wasm.mjs --check)', () => {
  const cwd = fileURLToPath(new URL('../../..', import.meta.url));
  expect(() =>
    execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { cwd, stdio: 'pipe' }),
  ).not.toThrow();
});
