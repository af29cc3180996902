import { type DType, type Generator, noGrad, rand, randn, type Shape, type Tensor } from '@rectifier/tensor';
import { checkFinite, describe } from './validate';

/** Options every random initializer accepts. */
export interface SampleOptions {
  /** Seeded Philox generator; default: the tensor package's default generator. */
  generator?: Generator;
  /** dtype of the returned tensor (shape form only); default `'float32'`. The in-place form keeps the tensor's dtype. */
  dtype?: DType;
}

export function checkShape(fn: string, shape: Shape): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new TypeError(`${fn}: shape must be an array of non-negative integers, got ${describe(shape)}`);
  }
}

export function checkDType(fn: string, dtype: DType | undefined): DType {
  const d = dtype ?? 'float32';
  if (d !== 'float32' && d !== 'float64') {
    throw new TypeError(`${fn}: dtype must be 'float32' or 'float64', got ${describe(d)}`);
  }
  return d;
}

/** mean + std * N(0, 1): a plain (not truncated) Gaussian. */
export function sampleNormal(
  fn: string,
  shape: Shape,
  mean: number,
  std: number,
  opts: SampleOptions,
): Tensor {
  checkFinite(fn, 'mean', mean);
  checkFinite(fn, 'std', std);
  if (std < 0) throw new RangeError(`${fn}: std must be >= 0, got ${std}`);
  const dtype = checkDType(fn, opts.dtype);
  return noGrad(() => {
    const z = randn(shape, { generator: opts.generator, dtype });
    const scaled = z.mul(std);
    z.dispose();
    if (mean === 0) return scaled;
    const shifted = scaled.add(mean);
    scaled.dispose();
    return shifted;
  });
}

/** U[low, high): low + (high - low) * U[0, 1). */
export function sampleUniform(
  fn: string,
  shape: Shape,
  low: number,
  high: number,
  opts: SampleOptions,
): Tensor {
  checkFinite(fn, 'lower bound', low);
  checkFinite(fn, 'upper bound', high);
  if (!(low <= high)) throw new RangeError(`${fn}: lower bound ${low} must not exceed upper bound ${high}`);
  const dtype = checkDType(fn, opts.dtype);
  return noGrad(() => {
    const u = rand(shape, { generator: opts.generator, dtype });
    const scaled = u.mul(high - low);
    u.dispose();
    const shifted = scaled.add(low);
    scaled.dispose();
    return shifted;
  });
}

/**
 * Copies `value` into `target` without recording a graph (initializers act on leaves that may require
 * grad, like PyTorch's `torch.no_grad()` init functions), then disposes `value`. Returns `target`.
 */
export function assignInto<T extends Tensor>(fn: string, target: T, value: Tensor): T {
  if (target === null || typeof target !== 'object' || !Array.isArray(target.shape)) {
    value.dispose();
    throw new TypeError(`${fn}: expected a Tensor to fill in place, got ${describe(target)}`);
  }
  try {
    noGrad(() => {
      const v = value.dtype === target.dtype ? value : value.cast(target.dtype);
      target.assign(v);
      if (v !== value) v.dispose();
    });
  } finally {
    value.dispose();
  }
  return target;
}
