/**
 * Test helpers: finite-difference gradient checks and closeness assertions.
 * Import from `@rectifier/tensor/testing`.
 */

import { grad } from '../autograd/functional.js';
import { noGrad } from '../autograd/grad-mode.js';
import type { TypedArray } from '../backend.js';
import { fmt } from '../errors.js';
import { tidy } from '../memory.js';
import { tensor } from '../ops/creation.js';
import { Tensor } from '../tensor.js';

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

type Numeric = Tensor | TypedArray | number | readonly unknown[];

function flat(v: Numeric): { data: ArrayLike<number>; shape: readonly number[] | null } {
  if (v instanceof Tensor) return { data: v.dataSync(), shape: v.shape };
  if (typeof v === 'number') return { data: [v], shape: null };
  if (ArrayBuffer.isView(v)) return { data: v as TypedArray, shape: null };
  const out: number[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) for (const y of x) walk(y);
    else out.push(Number(x));
  };
  walk(v);
  return { data: out, shape: null };
}

/**
 * Asserts |actual - expected| <= atol + rtol * |expected| elementwise (NaN matches NaN, equal infinities
 * match). Accepts tensors on host-memory backends (read with dataSync; for other backends pass
 * `await t.data()`), typed arrays, nested arrays or numbers; shapes are compared when both are tensors.
 *
 * @example
 * assertClose(x.exp(), [1, Math.E], { atol: 1e-6 });
 */
export function assertClose(
  actual: Numeric,
  expected: Numeric,
  opts: { atol?: number; rtol?: number } = {},
): void {
  const atol = opts.atol ?? 1e-6;
  const rtol = opts.rtol ?? 1e-5;
  const a = flat(actual);
  const e = flat(expected);
  if (
    a.shape &&
    e.shape &&
    (a.shape.length !== e.shape.length || a.shape.some((d, i) => d !== e.shape?.[i]))
  ) {
    throw new Error(`assertClose: shape ${fmt(a.shape)} differs from expected ${fmt(e.shape)}`);
  }
  if (a.data.length !== e.data.length) {
    throw new Error(`assertClose: ${a.data.length} elements but expected ${e.data.length}`);
  }
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i];
    const y = e.data[i];
    if (Number.isNaN(y) ? Number.isNaN(x) : x === y || Math.abs(x - y) <= atol + rtol * Math.abs(y)) continue;
    throw new Error(`assertClose: element ${i}: got ${x}, expected ${y} (atol ${atol}, rtol ${rtol})`);
  }
}

export {
  type ConvnetGradientOptions,
  convnetGradientDeviations,
  type GradientDeviation,
} from './backend-gradients.js';
export { float32Bits, type TrainingRunOptions, trainingRunBits } from './training-run.js';
