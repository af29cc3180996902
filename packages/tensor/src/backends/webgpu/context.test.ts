import { describe, expect, test } from 'vitest';
import { bucketSize } from './buffer-pool.js';
import { grid, MAX_GROUPS } from './context.js';
import { stableStringify } from './stable-key.js';
import { coalesce } from './storage.js';

describe('webgpu host-side helpers', () => {
  test('grid covers every workgroup and stays within 65535 per dimension', () => {
    for (const g of [1, 255, 65535, 65536, 65535 * 3 + 1, 10_000_000]) {
      const [x, y] = grid(g);
      expect(x).toBeLessThanOrEqual(MAX_GROUPS);
      expect(y).toBeLessThanOrEqual(MAX_GROUPS);
      expect(x * y).toBeGreaterThanOrEqual(g);
      expect(x * (y - 1)).toBeLessThan(g); // no fully idle row of workgroups
    }
  });

  test('bucket sizes: >= the request, multiples of 16, at most 25% slack above 64 bytes', () => {
    for (const b of [1, 16, 17, 64, 65, 100, 1000, 4096, 4097, 123_456_789]) {
      const s = bucketSize(b);
      expect(s).toBeGreaterThanOrEqual(b);
      expect(s % 16).toBe(0);
      if (b > 64) expect(s).toBeLessThanOrEqual(b * 1.25 + 16);
    }
    expect(bucketSize(4097)).toBe(bucketSize(4500)); // shared bucket: reuse across nearby sizes
  });

  test('pipeline keys do not depend on property order', () => {
    expect(stableStringify({ kernel: 'conv2d', tile: { BM: 64, BN: 64 }, kind: 'forward' })).toBe(
      stableStringify({ kind: 'forward', tile: { BN: 64, BM: 64 }, kernel: 'conv2d' }),
    );
    expect(stableStringify({ a: [1, { c: 2, b: 1 }] })).toBe('{"a":[1,{"b":1,"c":2}]}');
  });

  test('coalesce merges axes every operand walks contiguously and drops size-1 axes', () => {
    // contiguous [2,3,4] and a broadcast row [1,1,4] (strides 0,0,1)
    expect(
      coalesce(
        [2, 3, 4],
        [
          [12, 4, 1],
          [0, 0, 1],
        ],
      ),
    ).toEqual({
      shape: [6, 4],
      strides: [
        [4, 1],
        [0, 1],
      ],
    });
    // a transposed operand blocks merging
    expect(
      coalesce(
        [3, 4],
        [
          [4, 1],
          [1, 3],
        ],
      ),
    ).toEqual({
      shape: [3, 4],
      strides: [
        [4, 1],
        [1, 3],
      ],
    });
    expect(coalesce([1, 5, 1], [[5, 1, 1]])).toEqual({ shape: [5], strides: [[1]] });
    expect(coalesce([1, 1], [[1, 1]])).toEqual({ shape: [1], strides: [[0]] });
  });
});
