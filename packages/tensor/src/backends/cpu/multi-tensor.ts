/**
 * The CPU backend's fused multi-tensor kernels: SGD (Caffe form) over many tensors in one call, and
 * sums of squares with non-finite flags (the training guard's gradient norms). They run the exact
 * arithmetic of the elementwise ops they replace, element by element: every product and sum is
 * rounded to float32 (`Math.fround`) for float32 tensors, as the CPU backend's elementwise kernels
 * store each op's result in a Float32Array; so the results are bit-identical, without temporaries.
 */
import type { SgdHyper, TypedArray, View } from '../../backend.js';
import { alloc, type CpuStorage } from './storage.js';

const identity = (x: number) => x;

function elements(v: View<CpuStorage>): { a: TypedArray; start: number; n: number } {
  let n = 1;
  for (const d of v.shape) n *= d;
  return { a: v.storage.data, start: v.offset, n };
}

/** See `Backend.sgdStep`. */
export function sgdStep(
  params: readonly View<CpuStorage>[],
  grads: readonly View<CpuStorage>[],
  momenta: readonly (View<CpuStorage> | null)[],
  hyper: readonly SgdHyper[],
  skipIf?: View<CpuStorage>,
): void {
  if (skipIf && skipIf.storage.data[skipIf.offset] !== 0) return;
  for (let t = 0; t < params.length; t++) {
    const P = elements(params[t]);
    const G = elements(grads[t]);
    const m = momenta[t];
    const V = m ? elements(m) : null;
    const h = hyper[t];
    // the elementwise ops round each result (and each scalar operand) to the tensor's dtype
    const r = params[t].dtype === 'float32' ? Math.fround : identity;
    const lr = r(h.lr);
    const mu = r(h.momentum);
    const wd = r(h.weightDecay);
    const p = P.a;
    const g = G.a;
    const n = P.n;
    for (let i = 0; i < n; i++) {
      const pi = p[P.start + i];
      const gi = g[G.start + i];
      const d = h.weightDecay === 0 ? gi : r(gi + r(pi * wd));
      const step = r(d * lr);
      if (V === null) {
        p[P.start + i] = r(pi - step);
        continue;
      }
      const vNew = r(r(V.a[V.start + i] * mu) - step);
      V.a[V.start + i] = vNew;
      p[P.start + i] = h.nesterov ? r(r(pi + r(vNew * mu)) - step) : r(pi + vNew);
    }
  }
}

/** See `Backend.sumSquares`: float64 accumulation of squares rounded to the input's dtype. */
export function sumSquares(xs: readonly View<CpuStorage>[]): CpuStorage {
  const n = xs.length;
  const out = alloc('float32', 2 * n + 1);
  const o = out.data;
  let any = 0;
  for (let t = 0; t < n; t++) {
    const X = elements(xs[t]);
    const r = xs[t].dtype === 'float32' ? Math.fround : identity;
    let s = 0;
    let bad = 0;
    for (let i = 0; i < X.n; i++) {
      const v = X.a[X.start + i];
      s += r(v * v);
      if (v - v !== 0) bad = 1; // NaN or infinite
    }
    o[t] = s;
    o[n + t] = bad;
    any = Math.max(any, bad);
  }
  o[2 * n] = any;
  return out;
}
