/**
 * Heavy-kernel throughput through the Backend interface (what the Tensor front end calls): matmul and
 * the three conv2d passes. Works for any backend with host-visible, synchronous kernels (cpu, wasm);
 * each call's fresh output storage is disposed right away, as the front end would.
 */
import type { Backend, Storage, View } from '../src/backend.js';
import { measure, type Sample } from './timing.js';
import { CONV, CONV_FLOP, MATMUL_FLOP, MATMUL_N, randomF32 } from './workloads.js';

function view(storage: Storage, shape: number[]): View {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return { storage, dtype: storage.dtype, shape, strides, offset: 0 };
}

export interface KernelResults {
  matmul: Sample;
  conv2dForward: Sample;
  conv2dBackwardInput: Sample;
  conv2dBackwardWeight: Sample;
}

/** Measures the four kernels on `backend` (float32). */
export async function benchBackendKernels(
  backend: Backend,
  warmup: number,
  runs: number,
): Promise<KernelResults> {
  const n = MATMUL_N;
  const g = CONV;
  const owned: Storage[] = [];
  const upload = (data: Float32Array, shape: number[]) => {
    const s = backend.fromArray(data, 'float32');
    owned.push(s);
    return view(s, shape);
  };
  const a = upload(randomF32(n * n, 1), [1, n, n]);
  const b = upload(randomF32(n * n, 2), [1, n, n]);
  const x = upload(randomF32(g.N * g.C * g.H * g.W, 3), [g.N, g.C, g.H, g.W]);
  const w = upload(randomF32(g.O * g.C * g.KH * g.KW, 4), [g.O, g.C, g.KH, g.KW]);
  const dy = upload(randomF32(g.N * g.O * g.OH * g.OW, 5), [g.N, g.O, g.OH, g.OW]);
  const gf = (flop: number) => flop / 1e9;
  const opts = { warmup, runs, unit: 'GFLOP/s' };
  try {
    return {
      matmul: await measure(() => backend.dispose(backend.matmul(a, b)), {
        ...opts,
        work: gf(MATMUL_FLOP),
        label: `${backend.name} matmul`,
      }),
      conv2dForward: await measure(() => backend.dispose(backend.conv2d(x, w, g)), {
        ...opts,
        work: gf(CONV_FLOP),
        label: `${backend.name} conv2d forward`,
      }),
      conv2dBackwardInput: await measure(() => backend.dispose(backend.conv2dBackwardInput(dy, w, g)), {
        ...opts,
        work: gf(CONV_FLOP),
        label: `${backend.name} conv2d backward-input`,
      }),
      conv2dBackwardWeight: await measure(() => backend.dispose(backend.conv2dBackwardWeight(x, dy, g)), {
        ...opts,
        work: gf(CONV_FLOP),
        label: `${backend.name} conv2d backward-weight`,
      }),
    };
  } finally {
    for (const s of owned) backend.dispose(s);
  }
}
