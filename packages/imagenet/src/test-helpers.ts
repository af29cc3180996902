// Test helpers: temporary directories and a worker script built from the TypeScript sources.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

/** One source image of the PIL / torchvision reference fixtures (scripts/make-pixel-fixtures.py). */
export interface PixelFixture {
  name: string;
  path: string;
  bytes: Uint8Array;
  /** PIL's mode before `convert('RGB')`: RGB, L or CMYK. */
  mode: string;
  /** PIL's decoded RGB pixels (HWC). */
  decoded: { data: Uint8Array; width: number; height: number };
  /** PIL's bilinear resizes (torchvision `Resize(shorter)`), HWC RGB. */
  resized: { shorter: number; width: number; height: number; data: Uint8Array }[];
  /** torchvision Resize(resize) + CenterCrop(cropSize) + ToTensor + Normalize(ImageNet), CHW float32. */
  eval: { resize: number; cropSize: number; data: Float32Array };
  /** The same with Grayscale(1) first and Normalize([0.5], [0.25]). */
  evalGrey: { resize: number; cropSize: number; data: Float32Array };
}

/** Directory of the committed reference fixtures. */
export const PIXEL_FIXTURES = join(pkg, 'fixtures', 'pixels');

/** Reads the committed PIL / torchvision reference fixtures. */
export function pixelFixtures(): PixelFixture[] {
  const ref = JSON.parse(readFileSync(join(PIXEL_FIXTURES, 'reference.json'), 'utf8')) as {
    images: Record<string, Record<string, never>>;
  };
  const u8 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
  const f32 = (s: string) => {
    const b = Buffer.from(s, 'base64');
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };
  return Object.entries(ref.images).map(([name, e]: [string, any]) => ({
    name,
    path: join(PIXEL_FIXTURES, name),
    bytes: new Uint8Array(readFileSync(join(PIXEL_FIXTURES, name))),
    mode: e.mode,
    decoded: { data: u8(e.decoded), width: e.width, height: e.height },
    resized: e.resized.map((r: any) => ({ ...r, data: u8(r.data) })),
    eval: { ...e.eval, data: f32(e.eval.data) },
    evalGrey: { ...e.evalGrey, data: f32(e.evalGrey.data) },
  }));
}

/** Largest |a[i] - b[i]| over all elements (lengths must match). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths ${a.length} and ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
