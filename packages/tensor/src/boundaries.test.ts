/**
 * Module boundaries inside the package: backends implement the `Backend` contract and share the
 * scalar semantics table, but never import the front end (`ops/`, `tensor.ts`, autograd), so the
 * dependency runs one way (front end -> backend) and no import cycle goes through the ops.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = dirname(fileURLToPath(import.meta.url));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The source files a file imports (relative specifiers, resolved to paths under src/). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((m) => m[1] as string);
  return specs.map((s) => relative(src, resolve(dirname(file), s)).replace(/\.js$/, '.ts'));
}

const FRONT_END = [/^ops\//, /^tensor\.ts$/, /^autograd\//, /^memory\.ts$/, /^index\.ts$/];

describe('module boundaries', () => {
  const backendFiles = filesUnder(join(src, 'backends')).filter((f) => !f.endsWith('.test.ts'));
  it('finds the backend sources', () => {
    expect(backendFiles.length).toBeGreaterThan(20);
  });
  it('backends/ never imports the front end (ops/, tensor.ts, autograd/)', () => {
    const offending = backendFiles.flatMap((f) =>
      importsOf(f)
        .filter((i) => FRONT_END.some((re) => re.test(i)))
        .map((i) => `${relative(src, f)} imports ${i}`),
    );
    expect(offending).toEqual([]);
  });
  it('the scalar semantics table imports nothing but the backend types', () => {
    expect(importsOf(join(src, 'elementwise-semantics.ts'))).toEqual(['backend.ts']);
  });
});
