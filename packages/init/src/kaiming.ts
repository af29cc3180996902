import type { Shape, Tensor } from '@rectifier/tensor';
import { calculateCorrectFan, type FanMode, type Fans } from './fans';
import { calculateGain, type Nonlinearity } from './gain';
import { assignInto, checkShape, type SampleOptions, sampleNormal, sampleUniform } from './sample';
import { checkOptions } from './validate';

/** Options of the He (Kaiming) initializers. Defaults follow PyTorch's `kaiming_normal_`. */
export interface KaimingOptions extends SampleOptions {
  /**
   * Negative slope of the rectifier after this layer, used by `'leaky_relu'` (default 0 there, so the
   * gain is sqrt(2)) and `'prelu'` (default 0.25, the paper's initial PReLU slope). Ignored otherwise.
   */
  a?: number;
  /**
   * `'fan_in'` (default): std = gain / sqrt(n), n = k²c, preserves forward variances (Eq. 10).
   * `'fan_out'`: std = gain / sqrt(n̂), n̂ = k²d, preserves backward variances (Eq. 14; what the paper
   * used to train its large models).
   */
  mode?: FanMode;
  /** default `'leaky_relu'` (with `a` = 0 that is the ReLU gain sqrt(2)), as in PyTorch. */
  nonlinearity?: Nonlinearity;
  /** Explicit fans, for layouts that are not OIHW / [out, in] or for rank < 2 tensors. */
  fans?: Partial<Fans>;
}

const kaimingKeys = ['generator', 'dtype', 'a', 'mode', 'nonlinearity', 'fans'];

/**
 * The standard deviation the He initializers use for a weight of `shape`:
 * std = gain / sqrt(fan), gain = {@link calculateGain}(nonlinearity, a).
 *
 * With the ReLU gain sqrt(2) this is the paper's sqrt(2/n_l) (Eq. 10, mode 'fan_in') or sqrt(2/n̂_l)
 * (Eq. 14, mode 'fan_out'); with `nonlinearity: 'prelu'` it is Eq. 15's sqrt(2/((1+a²) n_l)).
 *
 * @example
 * kaimingStd([64, 3, 7, 7], { mode: 'fan_out', nonlinearity: 'relu' }); // sqrt(2/3136)
 */
export function kaimingStd(shape: Shape, opts: KaimingOptions = {}): number {
  checkOptions('kaimingStd', opts, kaimingKeys);
  return stdFor('kaimingStd', shape, opts);
}

function stdFor(fn: string, shape: Shape, opts: KaimingOptions): number {
  const nonlinearity = opts.nonlinearity ?? 'leaky_relu';
  // PyTorch's kaiming_* default a = 0 makes 'leaky_relu' the ReLU gain; for 'prelu' an undefined `a`
  // means the paper's 0.25 (calculateGain's default), never 0.
  const param = opts.a ?? (nonlinearity === 'leaky_relu' ? 0 : undefined);
  const gain = calculateGain(nonlinearity, param);
  const fan = calculateCorrectFan(fn, shape, opts.mode ?? 'fan_in', opts.fans);
  return gain / Math.sqrt(fan);
}

/**
 * A new tensor of `shape` from N(0, std²) with the He std (see {@link kaimingStd}): a plain Gaussian,
 * as in the paper ("a zero-mean Gaussian distribution whose standard deviation is sqrt(2/n_l)").
 * He et al. 2015, "Delving Deep into Rectifiers", arXiv:1502.01852, Eqs. 10, 14, 15.
 *
 * @example
 * // the paper's choice for its large models: Eq. 14, fan-out
 * const w = kaimingNormal([256, 96, 3, 3], { mode: 'fan_out', nonlinearity: 'relu', generator: new Generator(1) });
 */
export function kaimingNormal(shape: Shape, opts: KaimingOptions = {}): Tensor {
  checkOptions('kaimingNormal', opts, kaimingKeys);
  checkShape('kaimingNormal', shape);
  return sampleNormal('kaimingNormal', shape, 0, stdFor('kaimingNormal', shape, opts), opts);
}

/** In-place {@link kaimingNormal}: fills `t` (keeping its dtype; no graph is recorded) and returns it. */
export function kaimingNormal_<T extends Tensor>(t: T, opts: Omit<KaimingOptions, 'dtype'> = {}): T {
  checkOptions('kaimingNormal_', opts, kaimingKeys);
  const std = stdFor('kaimingNormal_', t.shape, opts);
  return assignInto(
    'kaimingNormal_',
    t,
    sampleNormal('kaimingNormal_', t.shape, 0, std, { ...opts, dtype: t.dtype }),
  );
}

/**
 * A new tensor of `shape` from U(-bound, bound) with bound = sqrt(3) * std, so the variance equals the
 * He variance of {@link kaimingStd} (PyTorch's `kaiming_uniform_`; the paper itself uses Gaussians).
 */
export function kaimingUniform(shape: Shape, opts: KaimingOptions = {}): Tensor {
  checkOptions('kaimingUniform', opts, kaimingKeys);
  checkShape('kaimingUniform', shape);
  const bound = Math.sqrt(3) * stdFor('kaimingUniform', shape, opts);
  return sampleUniform('kaimingUniform', shape, -bound, bound, opts);
}

/** In-place {@link kaimingUniform}. */
export function kaimingUniform_<T extends Tensor>(t: T, opts: Omit<KaimingOptions, 'dtype'> = {}): T {
  checkOptions('kaimingUniform_', opts, kaimingKeys);
  const bound = Math.sqrt(3) * stdFor('kaimingUniform_', t.shape, opts);
  return assignInto(
    'kaimingUniform_',
    t,
    sampleUniform('kaimingUniform_', t.shape, -bound, bound, { ...opts, dtype: t.dtype }),
  );
}
