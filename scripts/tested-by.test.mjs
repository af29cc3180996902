// Every package README ends its promises with a "## Tested by" table: each row names a promise and
// links the test files that check it, optionally with a quoted fragment of a test's title. This
// checks that the section exists, that every row links at least one test file, that each linked
// file exists, and that each quoted title fragment occurs in the file linked before it, so a deleted
// or renamed test cannot leave a README promise pointing at nothing.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';

const root = new URL('..', import.meta.url).pathname;
const readmes = readdirSync(join(root, 'packages'))
  .filter((d) => existsSync(join(root, 'packages', d, 'package.json')))
  .map((d) => join('packages', d, 'README.md'));

/** The rows of the README's "## Tested by" table: [promise, tests cell]; null when there is no section. */
function testedByRows(markdown) {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^## Tested by\s*$/.test(l));
  if (start < 0) return null;
  const rows = [];
  for (const line of lines.slice(start + 1)) {
    if (/^#{1,2} /.test(line)) break;
    if (!line.startsWith('|') || /^\|\s*-+/.test(line)) continue;
    const cells = line
      .slice(1, line.endsWith('|') ? -1 : undefined)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim());
    if (cells.length >= 2) rows.push(cells);
  }
  return rows.slice(1); // the header row
}

/** The test files a cell links, each with the quoted title fragments that follow its link. */
function testReferences(cell) {
  const refs = [];
  for (const m of cell.matchAll(/\[[^\]]*\]\(([^)#\s]+)\)|"([^"]+)"/g)) {
    if (m[1]) refs.push({ file: m[1].replace(/^\.\//, ''), titles: [] });
    else if (refs.length > 0) refs.at(-1).titles.push(m[2]);
  }
  return refs;
}

for (const readme of readmes) {
  test(`${readme}: every promise in "Tested by" links test files that exist`, () => {
    const text = readFileSync(join(root, readme), 'utf8');
    const rows = testedByRows(text);
    assert.ok(rows, `${readme} has no "## Tested by" section (a table: promise | test files)`);
    assert.ok(rows.length > 0, `${readme}: the "Tested by" table has no rows`);
    for (const [promise, cell] of rows) {
      const refs = testReferences(cell);
      assert.ok(refs.length > 0, `${readme}: "${promise}" links no test file`);
      for (const { file, titles } of refs) {
        assert.match(file, /\.test\.(ts|mjs)$/, `${readme}: "${promise}" links ${file}, not a test file`);
        const path = join(root, dirname(readme), file);
        assert.ok(existsSync(path), `${readme}: "${promise}" links ${file}, which does not exist`);
        const source = readFileSync(path, 'utf8');
        for (const t of titles)
          assert.ok(source.includes(t), `${readme}: "${promise}": ${file} has no test titled like "${t}"`);
      }
    }
  });
}

test('the "Tested by" parser reads links and their quoted titles', () => {
  const md = [
    '## Tested by',
    '',
    '| Promise | Tests |',
    '| --- | --- |',
    '| A \\| B | [a](src/a.test.ts) "one" "two", [b](./test/b.test.ts) |',
    '',
    '## Next',
    '| not | this |',
  ].join('\n');
  const rows = testedByRows(md);
  assert.equal(rows.length, 1);
  assert.deepEqual(testReferences(rows[0][1]), [
    { file: 'src/a.test.ts', titles: ['one', 'two'] },
    { file: 'test/b.test.ts', titles: [] },
  ]);
  assert.equal(testedByRows('# x\n## Other'), null);
});
