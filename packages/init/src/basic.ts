import { full, type Shape, type Tensor } from '@rectifier/tensor';
import {
  assignInto,
  checkDType,
  checkShape,
  type SampleOptions,
  sampleNormal,
  sampleUniform,
} from './sample';
import { checkFinite, checkOptions } from './validate';

/** Options of {@link normal}: N(mean, std²), a plain (not truncated) Gaussian. */
export interface NormalOptions extends SampleOptions {
  /** default 0 */
  mean?: number;
  /** default 1 */
  std?: number;
}

/** Options of {@link uniform}: U[a, b). */
export interface UniformOptions extends SampleOptions {
  /** lower bound, default 0 */
  a?: number;
  /** upper bound, default 1 */
  b?: number;
}

const sampleKeys = ['generator', 'dtype'] as const;
const normalKeys = [...sampleKeys, 'mean', 'std'];
const uniformKeys = [...sampleKeys, 'a', 'b'];

/**
 * A new tensor of `shape` drawn from N(mean, std²) (defaults mean 0, std 1). The paper's fc layers use
 * this with fixed stds: 0.01 for fc1 and fc2, 0.001 for fc3 (He et al. 2015, §2.2).
 *
 * @example
 * const w = normal([4096, 12800], { std: 0.01, generator: new Generator(0) });
 */
export function normal(shape: Shape, opts: NormalOptions = {}): Tensor {
  checkOptions('normal', opts, normalKeys);
  checkShape('normal', shape);
  return sampleNormal('normal', shape, opts.mean ?? 0, opts.std ?? 1, opts);
}

/** In-place {@link normal}: fills `t` (keeping its dtype) and returns it. */
export function normal_<T extends Tensor>(t: T, opts: Omit<NormalOptions, 'dtype'> = {}): T {
  checkOptions('normal_', opts, normalKeys);
  const v = sampleNormal('normal_', t.shape, opts.mean ?? 0, opts.std ?? 1, {
    ...opts,
    dtype: dtypeOf('normal_', t),
  });
  return assignInto('normal_', t, v);
}

/** A new tensor of `shape` drawn from U[a, b) (defaults a = 0, b = 1). */
export function uniform(shape: Shape, opts: UniformOptions = {}): Tensor {
  checkOptions('uniform', opts, uniformKeys);
  checkShape('uniform', shape);
  return sampleUniform('uniform', shape, opts.a ?? 0, opts.b ?? 1, opts);
}

/** In-place {@link uniform}: fills `t` and returns it. */
export function uniform_<T extends Tensor>(t: T, opts: Omit<UniformOptions, 'dtype'> = {}): T {
  checkOptions('uniform_', opts, uniformKeys);
  const v = sampleUniform('uniform_', t.shape, opts.a ?? 0, opts.b ?? 1, {
    ...opts,
    dtype: dtypeOf('uniform_', t),
  });
  return assignInto('uniform_', t, v);
}

/** A new tensor of `shape` filled with `value`. */
export function constant(shape: Shape, value: number, opts: Pick<SampleOptions, 'dtype'> = {}): Tensor {
  checkOptions('constant', opts, ['dtype']);
  checkShape('constant', shape);
  checkFinite('constant', 'value', value);
  return full(shape, value, { dtype: checkDType('constant', opts.dtype) });
}

/** In-place {@link constant}: fills `t` with `value` and returns it (e.g. PReLU slopes with 0.25). */
export function constant_<T extends Tensor>(t: T, value: number): T {
  checkFinite('constant_', 'value', value);
  return assignInto('constant_', t, full(t.shape, value, { dtype: t.dtype }));
}

/** A new tensor of zeros (the paper initialises every bias to 0: "We also initialize b = 0"). */
export function zeros(shape: Shape, opts: Pick<SampleOptions, 'dtype'> = {}): Tensor {
  checkOptions('zeros', opts, ['dtype']);
  return constant(shape, 0, opts);
}

/** In-place {@link zeros}. */
export function zeros_<T extends Tensor>(t: T): T {
  return constant_(t, 0);
}

/** A new tensor of ones. */
export function ones(shape: Shape, opts: Pick<SampleOptions, 'dtype'> = {}): Tensor {
  checkOptions('ones', opts, ['dtype']);
  return constant(shape, 1, opts);
}

/** In-place {@link ones}. */
export function ones_<T extends Tensor>(t: T): T {
  return constant_(t, 1);
}

function dtypeOf(fn: string, t: Tensor) {
  if (t === null || typeof t !== 'object' || !('dtype' in t)) {
    throw new TypeError(`${fn}: expected a Tensor to fill in place`);
  }
  return checkDType(fn, t.dtype);
}
