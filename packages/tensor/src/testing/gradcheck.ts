/** Finite-difference gradient checks in float64 against autograd. */

import { grad } from '../autograd/functional.js';
import { noGrad } from '../autograd/grad-mode.js';
import { fmt } from '../errors.js';
import { tidy } from '../memory.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';

/** Tolerances of `gradcheck`. */
export interface GradcheckOptions {
  /** finite-difference step (default 1e-6) */
  eps?: number;
  /** absolute tolerance (default 1e-5) */
  atol?: number;
  /** relative tolerance (default 1e-3) */
  rtol?: number;
  /** seed of the output projection weights (default 1) */
  seed?: number;
}

/** Deterministic projection weights in [0.5, 1.5) with alternating signs (no Tensor RNG involved). */
function projection(n: number, seed: number): Float64Array {
  const w = new Float64Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    w[i] = (0.5 + s / 4294967296) * (i % 2 === 0 ? 1 : -1);
  }
  return w;
}

function evalScalar(
  fn: (...xs: Tensor[]) => Tensor,
  values: Float64Array[],
  inputs: readonly Tensor[],
  w: Float64Array,
): number {
  return tidy(() =>
    noGrad(() => {
      const xs = inputs.map((t, i) =>
        t.requiresGrad ? tensor(values[i], { shape: t.shape, dtype: 'float64' }) : t,
      );
      const out = fn(...xs).dataSync();
      let s = 0;
      for (let i = 0; i < out.length; i++) s += out[i] * w[i];
      return s;
    }),
  );
}

/**
 * Compares autograd gradients of `fn` with central finite differences (float64, CPU). The output is
 * projected to a scalar L = sum(w * fn(inputs)) with fixed pseudo-random weights w, so every output
 * element and sign pattern is exercised; then for every element x_j of every input that requires
 * grad, (L(x_j + eps) - L(x_j - eps)) / 2eps must match dL/dx_j within atol + rtol * |analytic|.
 * Inputs that do not require grad (e.g. int32 targets) are passed through unchanged.
 * Throws an Error describing the worst mismatch; returns true otherwise.
 *
 * @example
 * gradcheck((x, w) => prelu(x, w), [randn([2, 3], { dtype: 'float64', requiresGrad: true }), full([3], 0.25, { dtype: 'float64', requiresGrad: true })]);
 */
export function gradcheck(
  fn: (...xs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  opts: GradcheckOptions = {},
): true {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  const diff = inputs.filter((t) => t.requiresGrad);
  if (diff.length === 0) throw new Error('gradcheck: no input requires grad');
  for (const t of diff) {
    if (t.dtype !== 'float64')
      throw new Error(`gradcheck: inputs that require grad must be float64, got ${t.dtype}`);
  }
  const values = inputs.map((t) => (t.requiresGrad ? Float64Array.from(t.dataSync()) : new Float64Array(0)));
  const analytic = tidy(() => {
    const leaves = inputs.map((t, i) =>
      t.requiresGrad ? tensor(values[i], { shape: t.shape, dtype: 'float64', requiresGrad: true }) : t,
    );
    const out = fn(...leaves);
    if (!out.requiresGrad)
      throw new Error('gradcheck: the output does not depend on any input that requires grad');
    const w = tensor(projection(out.size, opts.seed ?? 1), { shape: out.shape, dtype: 'float64' });
    const gs = grad(
      out.mul(w).sum(),
      leaves.filter((t) => t.requiresGrad),
    );
    return { grads: gs.map((g) => Float64Array.from(g.dataSync())), n: out.size };
  });
  const w = projection(analytic.n, opts.seed ?? 1);
  let k = 0;
  inputs.forEach((t, i) => {
    if (!t.requiresGrad) return;
    const g = analytic.grads[k++];
    const v = values[i];
    for (let j = 0; j < v.length; j++) {
      const orig = v[j];
      v[j] = orig + eps;
      const plus = evalScalar(fn, values, inputs, w);
      v[j] = orig - eps;
      const minus = evalScalar(fn, values, inputs, w);
      v[j] = orig;
      const numeric = (plus - minus) / (2 * eps);
      const err = Math.abs(numeric - g[j]);
      if (!(err <= atol + rtol * Math.abs(numeric))) {
        throw new Error(
          `gradcheck: input ${i} (shape ${fmt(t.shape)}) element ${j}: analytic ${g[j]} vs numeric ${numeric} (|diff| ${err}, atol ${atol}, rtol ${rtol})`,
        );
      }
    }
  });
  return true;
}
