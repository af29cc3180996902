import { describe, expect, it } from 'vitest';
import type { IdxArray } from './idx.js';
import { idxBatches } from './idx-batches.js';
import { permutation } from './shuffle.js';

const images: IdxArray = {
  type: 'uint8',
  shape: [10, 2, 2],
  data: Uint8Array.from({ length: 40 }, (_, i) => i * 6),
};
const labels: IdxArray = {
  type: 'uint8',
  shape: [10],
  data: Uint8Array.from({ length: 10 }, (_, i) => i % 3),
};

describe('idxBatches', () => {
  it('yields seeded NCHW batches with labels and normalisation', () => {
    const bs = [
      ...idxBatches(images, labels, { batchSize: 4, seed: 2, epoch: 1, scale: 1, mean: 3, std: 2 }),
    ];
    expect(bs.map((b) => b.shape)).toEqual([
      [4, 1, 2, 2],
      [4, 1, 2, 2],
      [2, 1, 2, 2],
    ]);
    const order = [...permutation(10, 2, 1)];
    expect(bs.flatMap((b) => [...b.indices])).toEqual(order);
    const i0 = order[0];
    expect(bs[0].labels[0]).toBe(i0 % 3);
    expect(bs[0].data[3]).toBe((images.data[i0 * 4 + 3] - 3) / 2);
  });

  it('resumes from a position, shards and drops the tail', () => {
    const all = [...idxBatches(images, labels, { batchSize: 3, seed: 1 })];
    const rest = [...idxBatches(images, labels, { batchSize: 3, seed: 1, position: all[0].position })];
    expect(rest.map((b) => [...b.indices])).toEqual(all.slice(1).map((b) => [...b.indices]));
    const r1 = [
      ...idxBatches(images, labels, { batchSize: 3, seed: 1, rank: 1, worldSize: 2, dropLast: true }),
    ];
    expect(r1.map((b) => b.labels.length)).toEqual([3]);
    expect(() => [...idxBatches(images, { ...labels, shape: [9] }, {})]).toThrow(/10 images but 9 labels/);
  });
});
