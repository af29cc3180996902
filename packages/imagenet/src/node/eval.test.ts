import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { maxAbsDiff, tempDir } from '../test-helpers.js';
import { applyTransform, multiScaleInputs } from '../transform.js';
import { imagenetDataset } from './dataset.js';
import { decodeImage } from './decode.js';
import { multiScaleInputsFromFile, tenCropFromFile } from './eval.js';
import { generateImageNetLike } from './generate.js';
import { ImageLoader } from './loader.js';
import { computeMeanImage } from './mean.js';

const t = tempDir('eval');
afterAll(() => t.cleanup());

function smooth(w: number, h: number): Buffer {
  const b = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      b[(y * w + x) * 3] = Math.round(40 + (180 * x) / w);
      b[(y * w + x) * 3 + 1] = Math.round(30 + (200 * y) / h);
      b[(y * w + x) * 3 + 2] = Math.round(100 + 50 * Math.sin(x / 7) * Math.cos(y / 5));
    }
  return b;
}

describe('file-based test-time inputs', () => {
  it('multi-scale and 10-view inputs from a file match the pure-JS views', async () => {
    const path = join(t.dir, 'a.JPEG'); // a PNG with a .JPEG name: sniffed, not trusted
    writeFileSync(
      path,
      await sharp(smooth(80, 60), { raw: { width: 80, height: 60, channels: 3 } })
        .png()
        .toBuffer(),
    );
    const img = await decodeImage(await sharp(path).png().toBuffer());
    const ins = await multiScaleInputsFromFile(path, [60, 90]);
    const js = multiScaleInputs(img, [60, 90]);
    expect(ins.map((i) => [i.scale, i.flip, i.width, i.height])).toEqual(
      js.map((i) => [i.scale, i.flip, i.width, i.height]),
    );
    expect(ins[1].data).toEqual(js[1].data); // scale 60 = original size: exact
    let d = 0;
    for (let i = 0; i < ins[2].data.length; i++) d += Math.abs(ins[2].data[i] - js[2].data[i]);
    expect(d / ins[2].data.length).toBeLessThan(2);
    const ten = await tenCropFromFile(path, { resize: 60, cropSize: 48 });
    expect(ten).toEqual(applyTransform(img, { kind: 'tenCrop', resize: 60, cropSize: 48 }, 0, 0, 0));
  });
});

describe('computeMeanImage', () => {
  it('averages center views per pixel (checked against a direct mean)', async () => {
    const dir = join(t.dir, 'ds');
    await generateImageNetLike(dir, { classes: 2, trainPerClass: 3, valPerClass: 0, size: 36, seed: 2 });
    const ds = imagenetDataset(dir);
    const mean = await computeMeanImage(ds, { resize: 36, cropSize: 32, loader: { workers: 0 } });
    const loader = new ImageLoader(ds, {
      transform: { kind: 'center', resize: 36, cropSize: 32, normalization: {} },
      workers: 0,
      batchSize: 6,
    });
    // every element of the mean image against the per-element mean of the 6 views
    const want = new Float64Array(3072);
    for await (const b of loader)
      for (let i = 0; i < 6; i++) for (let e = 0; e < 3072; e++) want[e] += b.data[i * 3072 + e] / 6;
    expect([mean.width, mean.height, mean.data.length]).toEqual([32, 32, 3072]);
    expect(maxAbsDiff(mean.data, want)).toBeLessThan(1e-3);
  });
});

describe('default workers from sources', () => {
  it('fall back to the main thread with one warning when no built worker exists', async () => {
    const dir = join(t.dir, 'ds2');
    await generateImageNetLike(dir, { classes: 1, trainPerClass: 2, valPerClass: 0, size: 32, seed: 2 });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const loader = new ImageLoader(imagenetDataset(dir), {
      transform: { kind: 'center', resize: 32, cropSize: 32 },
    });
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/no built worker at .*worker.js; loading in the main thread/),
    );
    warn.mockRestore();
    let n = 0;
    for await (const b of loader) n += b.labels.length;
    expect(n).toBe(2);
  });
});
