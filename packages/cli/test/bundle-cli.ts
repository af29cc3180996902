// The CLI as a user runs it (a separate node process), bundled by esbuild straight from the sources
// of every @rectifier package, so the binary tests need no prior build. The bundle sits in a
// temporary folder under the repository's node_modules so that the native packages it leaves
// external (sharp, onnxruntime-node, webgpu) resolve from there.
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const pkg = resolve(__dirname, '..');
const packages = resolve(pkg, '..');

/**
 * Bundles src/bin.ts into `<repo>/node_modules/.<prefix>XXXXXX/bin.mjs` and returns its path (remove
 * it with `removeBundle`). `external` lists packages left to node's resolution: native ones, or an
 * @rectifier package that must run from its build (e.g. serve, whose worker script lives in dist/).
 */
export async function bundleCliFromSources(prefix: string, external: string[]): Promise<string> {
  const dir = mkdtempSync(join(packages, '..', 'node_modules', `.${prefix}`));
  const bin = join(dir, 'bin.mjs');
  await build({
    entryPoints: [join(pkg, 'src', 'bin.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: bin,
    external,
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'error',
    plugins: [
      {
        name: 'rectifier-sources',
        setup(b) {
          b.onResolve({ filter: /^@rectifier\// }, (a) => {
            if (external.includes(a.path)) return { path: a.path, external: true };
            const m = /^@rectifier\/([^/]+)(?:\/(.+))?$/.exec(a.path) as RegExpExecArray;
            return {
              path: m[2] ? `${packages}/${m[1]}/src/${m[2]}/index.ts` : `${packages}/${m[1]}/src/index.ts`,
            };
          });
        },
      },
    ],
  });
  return bin;
}

/** Removes a bundle made by `bundleCliFromSources` (its temporary folder). */
export function removeBundle(bin: string): void {
  if (bin) rmSync(resolve(bin, '..'), { recursive: true, force: true });
}
