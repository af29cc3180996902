// What `npm pack` ships for a package: the built entry points named by the exports map, README,
// LICENSE and package.json, and nothing a user does not need: no TypeScript sources (the source maps
// already carry them in sourcesContent), no tests, test helpers or build scripts. Every relative
// Markdown link of the README that is not a source link must ship too (source links, into src/ and
// test/, resolve on the repository page that npm links from `repository.directory`; the README's
// "Tested by" table links tests).

const FORBIDDEN = [
  [/^src\//, 'TypeScript sources (the source maps carry them)'],
  [/\.test\.[cm]?[jt]s$/, 'tests'],
  [/test-(support|helpers?|util)/, 'test helpers'],
  [/^scripts\//, 'build scripts'],
  [/^(bench|assembly|test)\//, 'benchmarks, kernel sources or tests'],
];

/**
 * Problems with the tarball's file list (paths relative to the package root), one line each.
 * @param {Record<string, any>} pkg the package.json
 * @param {Set<string>} files
 * @param {string} readme the README's text
 * @returns {string[]}
 */
export function tarballContentProblems(pkg, files, readme) {
  const problems = [];
  for (const required of ['package.json', 'README.md', 'LICENSE']) {
    if (!files.has(required)) problems.push(`${required} is not in the tarball`);
  }
  const exportTargets = [];
  const collect = (v) => {
    if (typeof v === 'string') exportTargets.push(v.replace(/^\.\//, ''));
    else if (v && typeof v === 'object') for (const x of Object.values(v)) collect(x);
  };
  collect(pkg.exports);
  for (const b of Object.values(typeof pkg.bin === 'string' ? { b: pkg.bin } : (pkg.bin ?? {})))
    exportTargets.push(String(b).replace(/^\.\//, ''));
  for (const t of exportTargets) if (!files.has(t)) problems.push(`${t} (exports/bin) is not in the tarball`);

  for (const f of files)
    for (const [re, what] of FORBIDDEN) if (re.test(f)) problems.push(`${f}: ${what} must not ship`);

  for (const m of readme.matchAll(/\]\((\.\/)?([^)#:\s]+)(#[^)]*)?\)/g)) {
    const target = m[2];
    if (target.startsWith('../') || /^(src|test)\//.test(target) || target.startsWith('/')) continue;
    if (!files.has(target)) problems.push(`README links ${target}, which is not in the tarball`);
  }
  return problems;
}
