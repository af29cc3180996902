import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { epochOrder } from '../shuffle.js';
import { disposeSourceWorker, sourceWorker, tempDir } from '../test-helpers.js';
import { type BadEntry, imagenetDataset } from './dataset.js';
import { generateImageNetLike } from './generate.js';
import { type Batch, ImageLoader, type LoaderOptions } from './loader.js';

const t = tempDir('loader');
let workerUrl: string;
const transform = { kind: 'train', scaleRange: [36, 48], cropSize: 32 } as const;

beforeAll(async () => {
  [workerUrl] = await Promise.all([
    sourceWorker(),
    generateImageNetLike(t.dir, { classes: 3, trainPerClass: 6, valPerClass: 2, size: 40, seed: 2 }),
  ]);
});
afterAll(() => {
  t.cleanup();
  disposeSourceWorker();
});

async function collect(loader: ImageLoader, max = Number.POSITIVE_INFINITY): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of loader) {
    out.push(b);
    if (out.length >= max) break;
  }
  return out;
}

function make(opts: Partial<LoaderOptions> = {}) {
  return new ImageLoader(imagenetDataset(t.dir), {
    transform,
    batchSize: 5,
    seed: 9,
    workerUrl,
    onBadFile: () => {},
    ...opts,
  });
}

describe('ImageLoader', () => {
  it('worker pool (from sources) and main thread give identical, seeded batches', async () => {
    const a = make({ workers: 2 });
    const b = make({ workers: 0 });
    const [ba, bb] = [await collect(a), await collect(b)];
    await a.close();
    expect(ba.map((x) => x.shape)).toEqual([
      [5, 3, 32, 32],
      [5, 3, 32, 32],
      [5, 3, 32, 32],
      [3, 3, 32, 32],
    ]);
    for (let i = 0; i < ba.length; i++) {
      expect(ba[i].data).toEqual(bb[i].data);
      expect(ba[i].labels).toEqual(bb[i].labels);
    }
    const order = epochOrder(18, 0, { seed: 9 });
    expect(ba.flatMap((x) => [...x.indices])).toEqual([...order]);
    expect(a.state()).toEqual({ epoch: 1, position: 0 });
    const next = await collect(a);
    expect(next.flatMap((x) => [...x.indices])).not.toEqual([...order]);
    await a.close();
    // labels are standard class indices of the wnid folders
    expect(new Set(ba.flatMap((x) => [...x.labels]))).toEqual(new Set([0, 333, 666]));
  });

  it('recycled buffers give the same batches (workers and main thread)', async () => {
    for (const workers of [0, 2]) {
      const plain = await collect(make({ workers }));
      const l = make({ workers });
      const copies: Float32Array[] = [];
      for (let e = 0; e < 2; e++)
        for await (const b of l) {
          if (e === 1) copies.push(b.data.slice());
          l.recycle(b);
          if (workers > 0) expect(b.data.length).toBe(0); // transferred back to a worker
        }
      await l.close();
      const second = await collect(make({ workers: 0, state: { epoch: 1, position: 0 } }));
      expect(copies).toEqual(second.map((b) => b.data));
      expect(plain.length).toBe(4);
    }
  });

  it('resumes mid-epoch with the same remaining order and augmentation', async () => {
    const full = await collect(make({ workers: 0 }));
    const first = make({ workers: 0 });
    await collect(first, 2);
    const saved = first.state();
    expect(saved).toEqual({ epoch: 0, position: 10 });
    const resumed = await collect(make({ workers: 0, state: saved }));
    expect(resumed.map((x) => x.data)).toEqual(full.slice(2).map((x) => x.data));
  });

  it('shards: ranks are disjoint and cover the dataset', async () => {
    const seen: number[] = [];
    for (const rank of [0, 1, 2]) {
      const l = make({ workers: 0, rank, worldSize: 3, dropLast: false });
      expect(l.samplesPerEpoch).toBe(6);
      for (const b of await collect(l)) seen.push(...b.indices);
    }
    expect(seen.sort((x, y) => x - y)).toEqual(Array.from({ length: 18 }, (_, i) => i));
  });

  it('stats: images produced and the worker time they took, summed over epochs', async () => {
    for (const workers of [0, 2]) {
      const l = make({ workers });
      expect(l.stats()).toEqual({ images: 0, batches: 0, busyMs: 0, workers: Math.max(1, workers) });
      await collect(l);
      const one = l.stats();
      expect(one.images).toBe(18);
      expect(one.batches).toBe(4);
      expect(one.busyMs).toBeGreaterThan(0);
      await collect(l);
      expect(l.stats().images).toBe(36);
      expect(l.stats().busyMs).toBeGreaterThan(one.busyMs);
      await l.close();
    }
    const ten = make({ workers: 0, transform: { kind: 'tenCrop', resize: 40, cropSize: 32 }, batchSize: 4 });
    await collect(ten, 1);
    // views, not samples: 40 per batch of 4 (the loader may have prefetched more than the one taken)
    const s = ten.stats();
    expect(s.batches).toBeGreaterThanOrEqual(1);
    expect(s.images).toBe(40 * s.batches);
  });

  it('tenCrop batches carry 10 views per label', async () => {
    const l = make({
      workers: 0,
      transform: { kind: 'tenCrop', resize: 40, cropSize: 32 },
      shuffle: false,
      batchSize: 4,
    });
    const [b] = await collect(l, 1);
    expect(b.shape).toEqual([40, 3, 32, 32]);
    expect(b.labels.length).toBe(4);
    expect(b.views).toBe(10);
  });

  it('logs, counts and skips every kind of bad file without stopping the epoch', async () => {
    const d = tempDir('bad');
    await generateImageNetLike(d.dir, { classes: 2, trainPerClass: 4, valPerClass: 0, size: 32, seed: 3 });
    const cls = join(d.dir, 'train', 'n01440764');
    const good = readFileSync(join(cls, 'n01440764_0.JPEG'));
    writeFileSync(join(cls, 'a_zero.JPEG'), '');
    writeFileSync(join(cls, 'b_text.JPEG'), 'GIF89a not really');
    writeFileSync(join(cls, 'c_trunc.JPEG'), good.subarray(0, Math.floor(good.length * 0.5)));
    const corrupt = Buffer.from(good);
    corrupt.fill(0xff, 2, 200); // wipe the tables after SOI
    writeFileSync(join(cls, 'd_corrupt.JPEG'), corrupt);
    writeFileSync(
      join(cls, 'e_png.JPEG'),
      await sharp({ create: { width: 40, height: 36, channels: 3, background: '#0a0' } })
        .png()
        .toBuffer(),
    );
    symlinkSync(join(d.dir, 'gone'), join(d.dir, 'train', 'n01443537')); // unreadable directory
    const ds = imagenetDataset(d.dir);
    ds.samples.push({ path: join(cls, 'n01440764_1.JPEG'), label: 1000 }); // label outside the table
    const logged: BadEntry[] = [];
    const l = new ImageLoader(ds, {
      transform,
      batchSize: 4,
      workers: 1,
      workerUrl,
      onBadFile: (e) => logged.push(e),
    });
    const batches = await collect(l);
    await l.close();
    const n = batches.reduce((a, b) => a + b.labels.length, 0);
    expect(n).toBe(8 + 1); // 8 generated + the PNG named .JPEG
    expect(l.skipped).toBe(6);
    const why = (name: string) => logged.find((e) => e.path.endsWith(name))?.reason;
    expect(why('a_zero.JPEG')).toMatch(/empty file/);
    expect(why('b_text.JPEG')).toMatch(/not a JPEG or PNG/);
    expect(why('c_trunc.JPEG')).toMatch(/decode failed/);
    expect(why('d_corrupt.JPEG')).toMatch(/header has no readable image size|decode failed/);
    expect(why('n01443537')).toMatch(/unreadable/);
    expect(logged.find((e) => /label 1000 outside the class table \[0, 1000\)/.test(e.reason))).toBeTruthy();
    expect(l.state()).toEqual({ epoch: 1, position: 0 });
    d.cleanup();
  });

  it('says what to do when the worker script is missing', () => {
    const l = make({ workers: 1, workerUrl: join(t.dir, 'nope.js') });
    return expect(collect(l)).rejects.toThrow(/worker script not found .* pass workerUrl/);
  });
});
