/** Small helpers shared by the op tests. */
import type { Backend, DType } from '../backend.js';
import { randn, tensor } from '../ops/creation.js';
import { Generator } from '../random/generator.js';
import type { Tensor } from '../tensor.js';

/** A float64 leaf requiring grad with N(0,1) entries from a fixed seed: the gradcheck input. */
export function f64(shape: readonly number[], seed = 1, scale = 1): Tensor {
  const t = randn(shape, { dtype: 'float64', generator: new Generator(seed) });
  const out = scale === 1 ? t : t.mul(scale);
  return out.detach().requiresGrad_();
}

/** Same values on any backend: random data drawn on CPU in float64, uploaded as `dtype`. */
export function randomOn(
  backend: Backend,
  shape: readonly number[],
  seed: number,
  dtype: DType = 'float32',
): { t: Tensor; host: Float64Array } {
  const host = Float64Array.from(
    randn(shape, { dtype: 'float64', generator: new Generator(seed) }).dataSync(),
  );
  const data =
    dtype === 'float64'
      ? host
      : dtype === 'float32'
        ? Float32Array.from(host)
        : Int32Array.from(host, Math.round);
  return { t: tensor(data, { shape, dtype, backend }), host: Float64Array.from(data) };
}

/** Reads any backend's tensor into a Float64Array. */
export async function read(t: Tensor): Promise<Float64Array> {
  return Float64Array.from(await t.data());
}
