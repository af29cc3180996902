import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test-helpers.js';
import { imagenetDataset } from './dataset.js';
import { generateImageNetLike } from './generate.js';
import { ImageLoader } from './loader.js';

const t = tempDir('gen');
afterAll(() => t.cleanup());

async function features(split: 'train' | 'val') {
  const loader = new ImageLoader(imagenetDataset(t.dir, { split }), {
    transform: { kind: 'center', resize: 32, cropSize: 32, normalization: {} },
    workers: 0,
    shuffle: false,
    batchSize: 1000,
  });
  const out: { x: Float64Array; y: number }[] = [];
  for await (const b of loader)
    b.labels.forEach((y, i) => {
      // 4x4 average-pooled colours: 48 features.
      const x = new Float64Array(48);
      for (let c = 0; c < 3; c++)
        for (let yy = 0; yy < 32; yy++)
          for (let xx = 0; xx < 32; xx++)
            x[c * 16 + (yy >> 3) * 4 + (xx >> 3)] += b.data[i * 3072 + c * 1024 + yy * 32 + xx] / 64;
      out.push({ x, y });
    });
  return out;
}

describe('generateImageNetLike', () => {
  it('is deterministic and its classes are learnable (nearest class mean far above chance)', async () => {
    const a = await generateImageNetLike(t.dir, {
      classes: 6,
      trainPerClass: 12,
      valPerClass: 5,
      size: 32,
      seed: 11,
    });
    expect([a.train, a.val]).toEqual([72, 30]);
    const train = await features('train');
    const val = await features('val');
    const labels = [...new Set(train.map((s) => s.y))];
    const means = labels.map((l) => {
      const m = new Float64Array(48);
      const xs = train.filter((s) => s.y === l);
      for (const s of xs) for (let j = 0; j < 48; j++) m[j] += s.x[j] / xs.length;
      return m;
    });
    let correct = 0;
    for (const s of val) {
      const d = means.map((m) => m.reduce((acc, v, j) => acc + (v - s.x[j]) ** 2, 0));
      if (labels[d.indexOf(Math.min(...d))] === s.y) correct++;
    }
    expect(correct / val.length).toBeGreaterThan(0.8); // chance is 1/6
    const again = tempDir('gen2');
    await generateImageNetLike(again.dir, {
      classes: 6,
      trainPerClass: 12,
      valPerClass: 5,
      size: 32,
      seed: 11,
    });
    for (const f of [
      join('train', a.wnids[2], `${a.wnids[2]}_3.JPEG`),
      join('val', 'ILSVRC2012_val_00000007.JPEG'),
      'LOC_val_solution.csv',
    ])
      expect(readFileSync(join(again.dir, f))).toEqual(readFileSync(join(t.dir, f)));
    again.cleanup();
  });
});
