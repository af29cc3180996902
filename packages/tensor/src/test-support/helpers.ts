/** Small helpers shared by the op tests. */
import type { Backend, DType } from '../backend.js';
import { cpuBackend } from '../backends/cpu/index.js';
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

/**
 * Runs `fn` on `backend` (float32) and on the CPU in float64 from the same inputs, and returns both
 * outputs and both sets of input gradients of sum(fn(...) * w) for a fixed ramp w: what the per-backend
 * op tests compare, so every backend's forward and backward is checked against a float64 reference.
 */
export async function forwardBackwardOn(
  backend: Backend,
  shapes: readonly (readonly number[])[],
  fn: (...xs: Tensor[]) => Tensor,
  seed = 1,
): Promise<{ out: Float64Array; ref: Float64Array; grads: Float64Array[]; refGrads: Float64Array[] }> {
  const run = async (b: Backend, dtype: DType) => {
    const xs = shapes.map((s, i) => randomOn(b, s, seed + i, dtype).t.requiresGrad_());
    const y = fn(...xs);
    const n = y.size;
    const w = tensor(
      Float64Array.from({ length: n }, (_, i) => ((i % 7) - 3) / 4),
      { dtype, backend: b, shape: y.shape },
    );
    y.mul(w).sum().backward();
    return { out: await read(y), grads: await Promise.all(xs.map((x) => read(x.grad!))) };
  };
  const got = await run(backend, 'float32');
  const ref = await run(cpuBackend, 'float64');
  return { out: got.out, ref: ref.out, grads: got.grads, refGrads: ref.grads };
}
