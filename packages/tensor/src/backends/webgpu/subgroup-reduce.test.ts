/**
 * Sum reductions that combine partials with subgroup operations: on when the device offers
 * `subgroups` with `subgroup_id` (SwiftShader does, with 4-lane subgroups), off with
 * `tuning: { subgroups: false }`; both agree with float64 sums, int32 sums stay exact, and repeated
 * runs are bit-identical.
 */
import { describe, expect, test } from 'vitest';
import type { View } from '../../backend.js';
import { testWebGPU } from './gpu-env.js';
import type { WebGPUStorage } from './storage.js';
import { createWebGPUBackend } from './webgpu-backend.js';
import { data, firstMismatch } from './webgpu-reference.test-util.js';

const { backend, reason } = await testWebGPU();
if (!backend) test.skip(`subgroup reduction tests skipped: ${reason}`, () => {});

function view(s: WebGPUStorage, shape: number[], strides?: number[], offset = 0): View<WebGPUStorage> {
  const st = strides ?? shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  return { storage: s, dtype: s.dtype, shape, strides: st, offset };
}

describe.skipIf(!backend)('subgroup sum reductions', () => {
  test('are used exactly when the device has subgroups with subgroup_id, unless tuned off', async () => {
    const b = backend as NonNullable<typeof backend>;
    // the probe must find SwiftShader's (and any Dawn adapter's) subgroups: otherwise this path is untested
    expect(b.subgroups).toBe(b.features.has('subgroups'));
    const off = await createWebGPUBackend({ tuning: { subgroups: false } });
    try {
      expect(off.subgroups).toBe(false);
    } finally {
      off.destroy();
    }
  });

  test.each([
    ['subgroups', {}],
    ['shared-memory tree', { subgroups: false }],
    ['split extents', { reduceSplit: 3 }],
  ] as const)('%s: sums over rows, columns and strided views match float64', async (_, tuning) => {
    const b = await createWebGPUBackend({ tuning });
    try {
      const up = (a: ArrayLike<number>, dtype: 'float32' | 'int32' = 'float32') =>
        b.fromArray(dtype === 'int32' ? Int32Array.from(a) : Float32Array.from(a), dtype);
      const read = async (s: WebGPUStorage) => Array.from(await b.read(view(s, [s.size])));
      const [R, C] = [5, 1037];
      const x = data(R * C, 41);
      const xs = up(x);
      const rowSums = Array.from({ length: R }, (_, r) =>
        x.subarray(r * C, (r + 1) * C).reduce((a, v) => a + v, 0),
      );
      expect(firstMismatch(await read(b.reduce('sum', view(xs, [R, C]), [1])), rowSums, 1e-5, 1e-5)).toBe(-1);
      const colSums = Array.from({ length: C }, (_, c) => {
        let s = 0;
        for (let r = 0; r < R; r++) s += x[r * C + c] as number;
        return s;
      });
      expect(firstMismatch(await read(b.reduce('sum', view(xs, [R, C]), [0])), colSums, 1e-5, 1e-5)).toBe(-1);
      // a bias-gradient shape: [N, C, H, W] summed over N, H, W
      const [n, c, hw] = [3, 4, 97];
      const g = data(n * c * hw, 42);
      const want = Array.from({ length: c }, (_, ch) => {
        let s = 0;
        for (let i = 0; i < n; i++) for (let j = 0; j < hw; j++) s += g[(i * c + ch) * hw + j] as number;
        return s;
      });
      const gv = view(up(g), [n, c, hw, 1]);
      const got = await read(b.reduce('sum', gv, [0, 2, 3]));
      expect(firstMismatch(got, want, 1e-5, 1e-5)).toBe(-1);
      // bit-identical on a second run
      expect(await read(b.reduce('sum', gv, [0, 2, 3]))).toEqual(got);
      // int32 sums are exact beyond 2^24
      const ints = Array.from({ length: 300 }, (_, i) => 100000 + i);
      const exact = ints.reduce((a, v) => a + v, 0);
      expect(await read(b.reduce('sum', view(up(ints, 'int32'), [300]), [0]))).toEqual([exact]);
    } finally {
      b.destroy();
    }
  });
});
