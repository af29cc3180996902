#!/usr/bin/env node
// Bundles every browser-facing entry of the package in the current directory the way a web app would
// (esbuild, --platform=browser, from the built dist through the exports map) and fails on anything
// that does not resolve in a browser, e.g. Node's fs. Entries named "node" are Node-only by design
// and skipped. Run by the `npm test` of every package meant for browsers (all but the CLI).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const entries = Object.keys(pkg.exports)
  .filter((k) => k !== './package.json' && k !== './node' && !k.endsWith('/node'))
  .map((k) => (k === '.' ? pkg.name : `${pkg.name}/${k.slice(2)}`));

const dir = mkdtempSync(join(tmpdir(), 'rectifier-browser-bundle-'));
try {
  // An empty tsconfig stops esbuild from applying the package's own development tsconfig (its
  // "paths" point at sources that a published package does not ship).
  const tsconfig = join(dir, 'tsconfig.json');
  writeFileSync(tsconfig, '{}');
  const failures = [];
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
        nodePaths: [resolve('node_modules'), resolve('../../node_modules')],
      });
    } catch (e) {
      const msgs = (e.errors ?? []).map((m) => `${m.text}${m.location ? ` (${m.location.file})` : ''}`);
      failures.push(`${spec}: ${msgs.join('; ') || e.message}`);
    }
  }
  if (failures.length > 0) {
    console.error(`${pkg.name}: browser bundle failed:\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`${pkg.name}: browser bundles ok (${entries.join(', ')})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
