/**
 * Test helpers: finite-difference gradient checks and closeness assertions.
 * Import from `@rectifier/tensor/testing`.
 */

import type { TypedArray } from '../backend.js';
import { fmt } from '../errors.js';
import { Tensor } from '../tensor.js';

export { type GradcheckOptions, gradcheck } from './gradcheck.js';

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
  float64FallbackGradcheck,
  type GradientDeviation,
} from './backend-gradients.js';
export { seededUniform } from './seeded-uniform.js';
export { float32Bits, type TrainingRunOptions, trainingRunBits } from './training-run.js';
