// Test helpers: temporary directories and a worker script built from the TypeScript sources.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const pkg = fileURLToPath(new URL('..', import.meta.url));

/** A fresh directory under os.tmpdir(); `cleanup()` removes it. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `rectifier-imagenet-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

let worker: Promise<string> | undefined;
let workerCleanup: (() => void) | undefined;

/** Removes the bundle made by {@link sourceWorker} (call in afterAll). */
export function disposeSourceWorker(): void {
  workerCleanup?.();
  worker = undefined;
  workerCleanup = undefined;
}

/**
 * Bundles src/node/worker.ts with esbuild (the engine tsup uses) into a temporary file, because
 * Node 20 cannot run the .ts worker directly. `sharp` stays external, imported by absolute path so
 * it resolves from the workspace wherever the bundle lives.
 */
export function sourceWorker(): Promise<string> {
  worker ??= (async () => {
    const { dir, cleanup } = tempDir('worker');
    workerCleanup = cleanup;
    const out = join(dir, 'worker.mjs');
    const sharpPath = createRequire(join(pkg, 'package.json')).resolve('sharp');
    await build({
      entryPoints: [join(pkg, 'src', 'node', 'worker.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: out,
      logLevel: 'silent',
      plugins: [
        {
          name: 'sharp-absolute',
          setup(b) {
            b.onResolve({ filter: /^sharp$/ }, () => ({ path: sharpPath, external: true }));
          },
        },
      ],
    });
    return out;
  })();
  return worker;
}
