// Row sums of a contiguous float32 matrix in float64 (the JS backend also accumulates sums in
// float64), the core of the reductions a training step needs: bias gradients (sum over N, H, W of
// an NCHW gradient) and global average pooling (sum over H, W).

import { splitAt } from './gemm';

/** out[r] (float64) = sum_j x[r*inner + j] for r < rows; blocks of rows from the atomic counter. */
export function rowSums(x: usize, rows: i32, inner: i32, out: usize, queue: usize, tid: i32, nt: i32): void {
  const units = min(rows, 4 * nt);
  for (let u = atomic.add<i32>(queue, 1); u < units; u = atomic.add<i32>(queue, 1)) {
    const r0 = splitAt(rows, units, u, 1),
      r1 = splitAt(rows, units, u + 1, 1);
    for (let r = r0; r < r1; r++) {
      const p = x + ((<usize>r * <usize>inner) << 2);
      let lo = f64x2.splat(0);
      let hi = f64x2.splat(0);
      let j = 0;
      for (; j + 4 <= inner; j += 4) {
        const v = v128.load(p + ((<usize>j) << 2));
        lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
        hi = f64x2.add(hi, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
      }
      const both = f64x2.add(lo, hi);
      let s = f64x2.extract_lane(both, 0) + f64x2.extract_lane(both, 1);
      for (; j < inner; j++) s += <f64>load<f32>(p + ((<usize>j) << 2));
      store<f64>(out + ((<usize>r) << 3), s);
    }
  }
}
