/**
 * The verification loop of the tests: export a model, run the bytes in onnxruntime-node and
 * onnxruntime-web, and compare with Rectifier's own forward pass (eval mode) on the same seeded
 * random input.
 */
import type { Module } from '@rectifier/nn';
import { Generator, noGrad, randn } from '@rectifier/tensor';
import { exportOnnx } from '../export';
import type { ExportOptions } from '../export-spec';
import { maxAbs, maxAbsDiff, type Runtime, runModel } from './ort';

export interface Comparison {
  runtime: Runtime;
  batch: number;
  /** exported with a symbolic batch dimension */
  dynamic: boolean;
  /** max |ORT - Rectifier| */
  diff: number;
  /** max |Rectifier output|: the scale the tolerance is relative to */
  scale: number;
  dims: number[];
}

/** Rectifier's eval-mode forward on `shape`, with a seeded N(0,1) input. */
export function forward(model: Module<any, any>, shape: readonly number[], seed: number) {
  model.eval();
  return noGrad(() => {
    const x = randn(shape, { generator: new Generator(seed) });
    const y = model.call(x);
    const out: { x: Float32Array; y: Float32Array; dims: number[] } = {
      x: Float32Array.from(x.dataSync()),
      y: Float32Array.from(y.dataSync()),
      dims: [...y.shape],
    };
    x.dispose();
    y.dispose();
    return out;
  });
}

/**
 * Exports `model` (inputShape batch = 1 unless given) and compares it in both runtimes: at the
 * export batch, and, when `dynamicBatch` is set, at `batch` (default 3) too.
 */
export async function verifyModel(
  model: Module<any, any>,
  options: ExportOptions,
  runtimes: readonly Runtime[],
  opts: { batch?: number; seed?: number } = {},
): Promise<Comparison[]> {
  const bytes = exportOnnx(model, options);
  const batches = [options.inputShape[0]];
  if (options.dynamicBatch) batches.push(opts.batch ?? 3);
  const input = options.names?.input ?? 'input';
  const output = options.names?.output ?? 'output';
  const results: Comparison[] = [];
  for (const batch of batches) {
    const shape = [batch, ...options.inputShape.slice(1)];
    const ref = forward(model, shape, (opts.seed ?? 7) + batch);
    if (options.softmax) ref.y = softmaxRows(ref.y, ref.dims[ref.dims.length - 1]);
    for (const runtime of runtimes) {
      const out = (await runModel(runtime, bytes, { [input]: { data: ref.x, dims: shape } }))[output];
      if (out.dims.join() !== ref.dims.join()) {
        throw new Error(`${runtime}: output dims [${out.dims}] but Rectifier gives [${ref.dims}]`);
      }
      results.push({
        runtime,
        batch,
        dynamic: !!options.dynamicBatch,
        diff: maxAbsDiff(out.data, ref.y),
        scale: maxAbs(ref.y),
        dims: out.dims,
      });
    }
  }
  return results;
}

/** Softmax over each row of `k` values, in float64 (the reference for the `softmax: true` head). */
export function softmaxRows(y: Float32Array, k: number): Float32Array {
  const out = new Float32Array(y.length);
  for (let r = 0; r < y.length; r += k) {
    let m = -Infinity;
    for (let j = 0; j < k; j++) m = Math.max(m, y[r + j]);
    let z = 0;
    for (let j = 0; j < k; j++) z += Math.exp(y[r + j] - m);
    for (let j = 0; j < k; j++) out[r + j] = Math.exp(y[r + j] - m) / z;
  }
  return out;
}
