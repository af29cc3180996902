// Test helpers: temporary directories and a worker script built from the TypeScript sources.
import { mkdtempSync, rmSync } from 'node:fs';
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

/**
 * Bundles src/node/worker.ts with esbuild (the engine tsup uses) into node_modules/.cache inside the
 * package, so that `sharp` resolves from the workspace. Node 20 cannot run the .ts worker directly.
 */
export function sourceWorker(): Promise<string> {
  worker ??= (async () => {
    const out = join(pkg, 'node_modules', '.cache', `imagenet-test-${process.pid}`, 'worker.mjs');
    await build({
      entryPoints: [join(pkg, 'src', 'node', 'worker.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: out,
      external: ['sharp'],
      logLevel: 'silent',
    });
    return out;
  })();
  return worker;
}
