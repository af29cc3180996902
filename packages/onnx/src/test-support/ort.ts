/**
 * ONNX Runtime harness for the tests: the same bytes run in onnxruntime-node (native CPU EP) and
 * onnxruntime-web (wasm EP, in Node). Sessions are created per model; the wasm module is compiled
 * once per worker and reused (the first web session costs ~0.5-0.8 s, later ones milliseconds).
 */
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';

ortWeb.env.wasm.numThreads = 1;
ortWeb.env.logLevel = 'error';

export type Runtime = 'node' | 'web';
export const runtimes: Runtime[] = ['node', 'web'];

export interface Feed {
  data: Float32Array;
  dims: readonly number[];
}

export interface RunResult {
  data: Float32Array;
  dims: number[];
}

/** Runs `model` once in the given runtime and returns every output by name. */
export async function runModel(
  runtime: Runtime,
  model: Uint8Array,
  feeds: Record<string, Feed>,
): Promise<Record<string, RunResult>> {
  const ort = (runtime === 'node' ? ortNode : ortWeb) as typeof ortNode;
  const session = await ort.InferenceSession.create(model, {
    graphOptimizationLevel: 'all',
    // failures are asserted by the tests themselves; keep ORT's own log quiet
    logSeverityLevel: 4,
  });
  try {
    const inputs: Record<string, ortNode.Tensor> = {};
    for (const [name, f] of Object.entries(feeds)) inputs[name] = new ort.Tensor('float32', f.data, f.dims);
    const results = await session.run(inputs);
    const out: Record<string, RunResult> = {};
    for (const [name, t] of Object.entries(results)) {
      out[name] = { data: new Float32Array(t.data as Float32Array), dims: [...t.dims] };
    }
    return out;
  } finally {
    await session.release();
  }
}

/** max |a - b| over all elements (arrays must have equal length). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths ${a.length} and ${b.length} differ`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** max |a| over all elements: the output scale the tolerance is relative to. */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
