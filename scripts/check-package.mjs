#!/usr/bin/env node
// The packaging checks of the package in the current directory, run by its `npm test` after the
// build: `npm pack` once, then over that tarball publint (strict), Are the Types Wrong (the CLI's
// esm-only profile), the tarball's file list (package-checks/tarball-contents.mjs) and, with
// --browser, a browser bundle of every entry that is not Node-only. One process and one pack instead
// of one of each per tool: about half the CPU time of running publint, attw and the checks apart.
//
// Usage: node ../../scripts/check-package.mjs [--browser]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { browserBundleProblems } from './package-checks/browser-bundle.mjs';
import { publintProblems } from './package-checks/publint.mjs';
import { tarballContentProblems } from './package-checks/tarball-contents.mjs';
import { typesProblems } from './package-checks/types.mjs';

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--browser');
if (unknown.length > 0) {
  console.error(`check-package: unknown argument ${unknown[0]} (allowed: --browser)`);
  process.exit(2);
}
const pkgDir = process.cwd();
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));

const out = mkdtempSync(join(tmpdir(), 'rectifier-pack-'));
try {
  const [report] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out], {
      cwd: pkgDir,
      encoding: 'utf8',
    }),
  );
  const tarball = new Uint8Array(readFileSync(join(out, report.filename)));
  const files = new Set(report.files.map((f) => f.path));

  const problems = tarballContentProblems(pkg, files, readFileSync(join(pkgDir, 'README.md'), 'utf8'));
  const lint = await publintProblems(tarball);
  problems.push(...lint.problems, ...(await typesProblems(tarball)));
  const bundles = args.includes('--browser') ? await browserBundleProblems(pkg, pkgDir) : null;
  if (bundles) problems.push(...bundles.problems);

  for (const s of lint.suggestions) console.log(`${pkg.name}: suggestion: ${s}`);
  if (problems.length > 0) {
    console.error(`${pkg.name}: packaging check failed:\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    const browser = bundles ? `; browser bundles ok (${bundles.entries.join(', ')})` : '';
    console.log(
      `${pkg.name}: package ok: publint, types (esm-only), ${files.size} files, ${report.unpackedSize} bytes unpacked${browser}`,
    );
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
