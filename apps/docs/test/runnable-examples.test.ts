// Code blocks marked runnable in the guides (and in the package READMEs) are executed in Node, against
// the packages' built output, so the examples stay true. Mark a block by putting the HTML comment
// `<!-- runnable -->` on the line before its opening fence.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';

const docsRoot = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(docsRoot, '..', '..');
const outDir = join(docsRoot, '.runnable');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name.startsWith('.') || e.name === 'node_modules' || e.name === 'api' || e.name === 'dist')
      return [];
    const p = join(dir, e.name);
    return e.isDirectory() ? markdownFiles(p) : e.name.endsWith('.md') ? [p] : [];
  });
}

export interface RunnableBlock {
  file: string;
  line: number;
  lang: string;
  code: string;
}

export function extractRunnable(file: string, text: string): RunnableBlock[] {
  const lines = text.split('\n');
  const blocks: RunnableBlock[] = [];
  for (let i = 0; i < lines.length - 1; i++) {
    if (lines[i].trim() !== '<!-- runnable -->') continue;
    const fence = /^```(ts|js|typescript|javascript)\b/.exec(lines[i + 1].trim());
    if (!fence)
      throw new Error(`${file}:${i + 1}: <!-- runnable --> must be followed by a ts or js code fence`);
    const end = lines.findIndex((l, j) => j > i + 1 && l.trim() === '```');
    if (end < 0) throw new Error(`${file}:${i + 2}: unterminated code fence`);
    blocks.push({ file, line: i + 2, lang: fence[1], code: lines.slice(i + 2, end).join('\n') });
    i = end;
  }
  return blocks;
}

const sources = [
  ...markdownFiles(docsRoot),
  ...readdirSync(join(repoRoot, 'packages')).map((p) => join(repoRoot, 'packages', p, 'README.md')),
  join(repoRoot, 'README.md'),
].filter((f) => {
  try {
    readFileSync(f);
    return true;
  } catch {
    return false;
  }
});
const blocks = sources.flatMap((f) => extractRunnable(relative(repoRoot, f), readFileSync(f, 'utf8')));

describe('runnable examples', () => {
  it('finds runnable examples in the guides', () => {
    expect(blocks.filter((b) => b.file.startsWith('apps/docs')).length).toBeGreaterThan(3);
  });

  it('rejects a marker that is not followed by a code fence', () => {
    expect(() => extractRunnable('x.md', '<!-- runnable -->\ntext\n')).toThrow(/x.md:1/);
  });

  mkdirSync(outDir, { recursive: true });
  for (const block of blocks) {
    it(`${block.file}:${block.line} runs`, () => {
      const { code } = transformSync(block.code, { loader: 'ts', format: 'esm', target: 'node20' });
      const name = `${block.file.replace(/[^a-z0-9]+/gi, '_')}_${block.line}.mjs`;
      // Written inside apps/docs so that `@rectifier/*` resolve through node_modules to the built packages.
      const path = join(outDir, name);
      writeFileSync(path, code);
      // A non-zero exit (an exception or a failed `assert` in the example) throws here and fails the test.
      execFileSync(process.execPath, [path], {
        cwd: outDir,
        encoding: 'utf8',
        timeout: 120_000,
        stdio: 'pipe',
      });
    });
  }
});
