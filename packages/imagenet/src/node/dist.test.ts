// The worker must load from the built package: build with the package's own tsup config (no .d.ts)
// into a scratch folder, then run the loader with its default worker resolution in a plain Node
// process and compare with the in-process result from the sources, pixel by pixel: the same code on
// the same files with the same seed gives the same float32 values, so any flip, reordering or offset
// in the built worker path fails.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Options } from 'tsup';
import { afterAll, describe, expect, it } from 'vitest';
import { maxAbsDiff, tempDir } from '../test-helpers.js';
import { imagenetDataset } from './dataset.js';
import { generateImageNetLike } from './generate.js';
import { ImageLoader } from './loader.js';

const pkg = fileURLToPath(new URL('../..', import.meta.url));
const t = tempDir('dist');
const out = join(pkg, 'node_modules', '.cache', `imagenet-dist-${process.pid}`);
afterAll(() => {
  t.cleanup();
  rmSync(out, { recursive: true, force: true });
});

describe('built package', () => {
  it('dist/worker.js is emitted next to the loader and the worker pool runs from dist', async () => {
    const configPath = pathToFileURL(join(pkg, 'tsup.config.ts')).href; // outside src/: loaded at run time
    const config = (await import(/* @vite-ignore */ configPath)).default as Options;
    await build({ ...config, outDir: out, dts: false, sourcemap: false, silent: true });
    await generateImageNetLike(t.dir, { classes: 2, trainPerClass: 5, valPerClass: 0, size: 36, seed: 1 });
    const opts = {
      transform: { kind: 'train', scaleRange: [36, 44], cropSize: 32 },
      batchSize: 4,
      seed: 5,
    } as const;
    const script = join(out, 'run.mjs');
    writeFileSync(
      script,
      `import { ImageLoader, imagenetDataset } from './node.js';
const loader = new ImageLoader(imagenetDataset(${JSON.stringify(t.dir)}), { ...${JSON.stringify(opts)}, workers: 2 });
const rows = [];
for await (const b of loader) rows.push({ shape: b.shape, labels: [...b.labels], data: Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength).toString('base64') });
await loader.close();
console.log(JSON.stringify(rows));`,
    );
    const stdout = execFileSync(process.execPath, [script], { encoding: 'utf8', cwd: pkg });
    const fromDist = JSON.parse(stdout);
    const local = new ImageLoader(imagenetDataset(t.dir), { ...opts, workers: 0 });
    const want: { shape: number[]; labels: number[]; data: Float32Array }[] = [];
    for await (const b of local) want.push({ shape: b.shape, labels: [...b.labels], data: b.data.slice() });
    expect(fromDist.map((r: { shape: number[] }) => r.shape)).toEqual([
      [4, 3, 32, 32],
      [4, 3, 32, 32],
      [2, 3, 32, 32],
    ]);
    expect(fromDist.map((r: { labels: number[] }) => r.labels)).toEqual(want.map((r) => r.labels));
    fromDist.forEach((r: { data: string }, i: number) => {
      const b = Buffer.from(r.data, 'base64');
      const got = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
      expect(got.length, `batch ${i}`).toBe(want[i].data.length);
      // element by element, exactly (tolerance 0): same decoder, resampler, crop, flip and noise
      expect(maxAbsDiff(got, want[i].data), `batch ${i}`).toBe(0);
    });
  });
});
