import { describe, expect, it } from 'vitest';
import { epochOrder, permutation } from './shuffle.js';

describe('permutation', () => {
  it('is a permutation, reproducible per (seed, epoch), different across epochs', () => {
    const p = permutation(1000, 5, 0);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(permutation(1000, 5, 0)).toEqual(p);
    expect(permutation(1000, 5, 1)).not.toEqual(p);
    expect(permutation(1000, 6, 0)).not.toEqual(p);
    expect(permutation(0, 1, 1).length).toBe(0);
  });

  it('puts element 0 at each of 5 positions equally often over epochs (chi-square, 4 dof)', () => {
    const counts = [0, 0, 0, 0, 0];
    const n = 20_000;
    for (let e = 0; e < n; e++) counts[permutation(5, 9, e).indexOf(0)]++;
    const chi = counts.reduce((a, c) => a + (c - n / 5) ** 2 / (n / 5), 0);
    expect(chi).toBeLessThan(23.5); // chi2(4) 0.9999 quantile
  });
});

describe('epochOrder', () => {
  it('shards disjointly and covers the dataset, padding like DistributedSampler', () => {
    const n = 10;
    const parts = [0, 1, 2].map((rank) => epochOrder(n, 4, { seed: 1, rank, worldSize: 3 }));
    for (const p of parts) expect(p.length).toBe(4);
    const all = parts.flatMap((p) => [...p]);
    expect(new Set(all).size).toBe(10); // 12 slots, 2 padded repeats
    const global = permutation(n, 1, 4);
    expect(parts[1][0]).toBe(global[1]);
    expect(parts[1][1]).toBe(global[4]);
    // padding wraps to the start of the global order
    expect(parts[0][3]).toBe(global[9]);
    expect(parts[1][3]).toBe(global[0]);
  });

  it('dropTail and no shuffle', () => {
    expect([...epochOrder(10, 0, { shuffle: false, rank: 1, worldSize: 3, dropTail: true })]).toEqual([
      1, 4, 7,
    ]);
    expect(() => epochOrder(10, 0, { rank: 3, worldSize: 3 })).toThrow(/rank must be in \[0, 3\)/);
  });
});
