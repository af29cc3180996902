import type { Shape, Tensor } from '@rectifier/tensor';
import { calculateFans, type Fans } from './fans';
import { assignInto, checkShape, type SampleOptions, sampleNormal, sampleUniform } from './sample';
import { checkFinite, checkOptions } from './validate';

/** Options of the Glorot ("Xavier") initializers. */
export interface XavierOptions extends SampleOptions {
  /** default 1 */
  gain?: number;
  /** Explicit fans (both needed) for layouts that are not OIHW / [out, in]. */
  fans?: Fans;
}

const xavierKeys = ['generator', 'dtype', 'gain', 'fans'];

/**
 * Glorot & Bengio's std = gain * sqrt(2 / (fanIn + fanOut)) (PyTorch `xavier_normal_`).
 *
 * Note: the "Xavier" of He et al.'s comparison (Figs. 2-3) is the one-sided variant n̂ Var[w] = 1, i.e.
 * std = sqrt(1/n̂). Use `kaimingNormal(shape, { nonlinearity: 'linear', mode: 'fan_out' })` for that;
 * it equals this function whenever fanIn == fanOut.
 */
export function xavierStd(shape: Shape, opts: XavierOptions = {}): number {
  checkOptions('xavierStd', opts, xavierKeys);
  return stdFor('xavierStd', shape, opts);
}

function stdFor(fn: string, shape: Shape, opts: XavierOptions): number {
  const gain = opts.gain ?? 1;
  checkFinite(fn, 'gain', gain);
  let fans: Fans;
  if (opts.fans !== undefined) {
    checkOptions(`${fn} fans`, opts.fans, ['fanIn', 'fanOut']);
    checkFinite(fn, 'fans.fanIn', opts.fans.fanIn);
    checkFinite(fn, 'fans.fanOut', opts.fans.fanOut);
    fans = opts.fans;
  } else {
    fans = calculateFans(shape);
  }
  const sum = fans.fanIn + fans.fanOut;
  if (!(sum > 0)) throw new RangeError(`${fn}: fanIn + fanOut is ${sum} for shape [${shape.join(', ')}]`);
  return gain * Math.sqrt(2 / sum);
}

/**
 * A new tensor of `shape` from N(0, std²), std = gain * sqrt(2 / (fanIn + fanOut)).
 *
 * @example
 * const w = xavierNormal([256, 256, 2, 2], { generator: new Generator(0) }); // std = sqrt(1/1024)
 */
export function xavierNormal(shape: Shape, opts: XavierOptions = {}): Tensor {
  checkOptions('xavierNormal', opts, xavierKeys);
  checkShape('xavierNormal', shape);
  return sampleNormal('xavierNormal', shape, 0, stdFor('xavierNormal', shape, opts), opts);
}

/** In-place {@link xavierNormal}. */
export function xavierNormal_<T extends Tensor>(t: T, opts: Omit<XavierOptions, 'dtype'> = {}): T {
  checkOptions('xavierNormal_', opts, xavierKeys);
  const std = stdFor('xavierNormal_', t.shape, opts);
  return assignInto(
    'xavierNormal_',
    t,
    sampleNormal('xavierNormal_', t.shape, 0, std, { ...opts, dtype: t.dtype }),
  );
}

/** A new tensor of `shape` from U(-b, b), b = gain * sqrt(6 / (fanIn + fanOut)) (same variance as {@link xavierNormal}). */
export function xavierUniform(shape: Shape, opts: XavierOptions = {}): Tensor {
  checkOptions('xavierUniform', opts, xavierKeys);
  checkShape('xavierUniform', shape);
  const bound = Math.sqrt(3) * stdFor('xavierUniform', shape, opts);
  return sampleUniform('xavierUniform', shape, -bound, bound, opts);
}

/** In-place {@link xavierUniform}. */
export function xavierUniform_<T extends Tensor>(t: T, opts: Omit<XavierOptions, 'dtype'> = {}): T {
  checkOptions('xavierUniform_', opts, xavierKeys);
  const bound = Math.sqrt(3) * stdFor('xavierUniform_', t.shape, opts);
  return assignInto(
    'xavierUniform_',
    t,
    sampleUniform('xavierUniform_', t.shape, -bound, bound, { ...opts, dtype: t.dtype }),
  );
}
