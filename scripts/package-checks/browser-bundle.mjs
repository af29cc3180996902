// Bundles every browser-facing entry of a package the way a web app would (esbuild,
// --platform=browser, from the built dist through the exports map) and reports anything that does
// not resolve in a browser, e.g. Node's fs. Entries named "node" are Node-only by design and skipped.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

/**
 * Problems bundling the package in `pkgDir` for browsers, one line per entry that fails.
 * @param {Record<string, any>} pkg the package.json
 * @param {string} pkgDir
 * @returns {Promise<{ problems: string[], entries: string[] }>}
 */
export async function browserBundleProblems(pkg, pkgDir) {
  const entries = Object.keys(pkg.exports)
    .filter((k) => k !== './package.json' && k !== './node' && !k.endsWith('/node'))
    .map((k) => (k === '.' ? pkg.name : `${pkg.name}/${k.slice(2)}`));
  const dir = mkdtempSync(join(tmpdir(), 'rectifier-browser-bundle-'));
  const problems = [];
  try {
    // An empty tsconfig stops esbuild from applying the package's own development tsconfig (its
    // "paths" point at sources that a published package does not ship).
    const tsconfig = join(dir, 'tsconfig.json');
    writeFileSync(tsconfig, '{}');
    for (const spec of entries) {
      const entry = join(dir, 'entry.mjs');
      writeFileSync(entry, `export * from '${spec}';\n`);
      try {
        await build({
          entryPoints: [entry],
          bundle: true,
          platform: 'browser',
          format: 'esm',
          write: false,
          logLevel: 'silent',
          tsconfig,
          nodePaths: [resolve(pkgDir, 'node_modules'), resolve(pkgDir, '../../node_modules')],
        });
      } catch (e) {
        const msgs = (e.errors ?? []).map((m) => `${m.text}${m.location ? ` (${m.location.file})` : ''}`);
        problems.push(`browser bundle of ${spec}: ${msgs.join('; ') || e.message}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { problems, entries };
}
