// Guards the package's layering: the core and /browser stay free of Node modules, sharp and the
// tensor package; only /batch imports @rectifier/tensor.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('.', import.meta.url));
// import statements only: TSDoc @example lines (` * import ... from '...'`) are documentation
const imports = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*(\*|\/\/)/.test(line))
    .flatMap((line) => [...line.matchAll(/from '([^']+)'/g)].map((m) => m[1]));
const sources = (dir: string) =>
  readdirSync(join(src, dir))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'test-helpers.ts')
    .map((f) => join(src, dir, f));

describe('module boundaries', () => {
  it('core and /browser import no Node modules, sharp or tensor; only relative core modules', () => {
    for (const file of [...sources('.'), ...sources('browser')])
      for (const spec of imports(file)) {
        expect(spec.startsWith('./') || spec.startsWith('../'), `${file} imports ${spec}`).toBe(true);
        expect(
          spec.startsWith('../node') || spec.startsWith('./node') || spec.startsWith('../batch'),
          `${file} imports ${spec}`,
        ).toBe(false);
      }
  });

  it('only /batch imports @rectifier/tensor', () => {
    const users = [...sources('.'), ...sources('browser'), ...sources('node'), ...sources('batch')].filter(
      (f) => imports(f).some((s) => s.startsWith('@rectifier/tensor')),
    );
    expect(users).toEqual([join(src, 'batch', 'index.ts')]);
  });
});
