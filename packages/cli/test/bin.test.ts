import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const pkg = resolve(__dirname, '..');
const packages = resolve(pkg, '..');
let bin = '';

/** Bundles src/bin.ts with @rectifier/* resolved to sources, next to node_modules so sharp and ORT resolve. */
beforeAll(async () => {
  const dir = mkdtempSync(join(resolve(packages, '..', 'node_modules'), '.rcli-bin-'));
  bin = join(dir, 'bin.mjs');
  await build({
    entryPoints: [join(pkg, 'src', 'bin.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: bin,
    external: ['sharp', 'onnxruntime-node'],
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'error',
    plugins: [
      {
        name: 'rectifier-sources',
        setup(b) {
          b.onResolve({ filter: /^@rectifier\// }, (a) => {
            const m = /^@rectifier\/([^/]+)(?:\/(.+))?$/.exec(a.path) as RegExpExecArray;
            return {
              path: m[2] ? `${packages}/${m[1]}/src/${m[2]}/index.ts` : `${packages}/${m[1]}/src/index.ts`,
            };
          });
        },
      },
    ],
  });
});

afterAll(() => {
  if (bin) rmSync(resolve(bin, '..'), { recursive: true, force: true });
});

function run(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
}

describe('the rectifier binary', () => {
  it('exits 2 on an unknown flag and 1 on missing data, with one error line and no stack trace', () => {
    const a = run('train', '--bogus');
    expect(a.status).toBe(2);
    expect(a.stderr.split('\n')[0]).toBe('rectifier train: error: unknown option --bogus');
    const b = run('train', '--data', '/no/such/dir', '--backend', 'cpu');
    expect(b.status).toBe(1);
    expect(b.stderr.trim().split('\n')).toHaveLength(1);
    for (const r of [a, b]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
