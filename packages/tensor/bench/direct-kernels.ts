/**
 * The same workloads on the raw JS kernels (src/backends/cpu/kernels), without the Backend wrapper:
 * outputs are preallocated, so the difference to the backend numbers is the wrapper's cost
 * (allocation and first touch of fresh outputs, view handling).
 */
import {
  conv2dBackwardInput,
  conv2dBackwardWeight,
  conv2dForward,
} from '../src/backends/cpu/kernels/conv2d.js';
import { gemm } from '../src/backends/cpu/kernels/gemm.js';
import type { KernelResults } from './backend-kernels.js';
import { measure } from './timing.js';
import { CONV, CONV_FLOP, MATMUL_FLOP, MATMUL_N, randomF32 } from './workloads.js';

/** Measures gemm and the three conv2d kernels called directly on float32 arrays. */
export async function benchDirectKernels(warmup: number, runs: number): Promise<KernelResults> {
  const n = MATMUL_N;
  const g = CONV;
  const a = randomF32(n * n, 1);
  const b = randomF32(n * n, 2);
  const c = new Float32Array(n * n);
  const x = randomF32(g.N * g.C * g.H * g.W, 3);
  const w = randomF32(g.O * g.C * g.KH * g.KW, 4);
  const dy = randomF32(g.N * g.O * g.OH * g.OW, 5);
  const y = new Float32Array(dy.length);
  const dx = new Float32Array(x.length);
  const dw = new Float32Array(w.length);
  const opts = { warmup, runs, unit: 'GFLOP/s' };
  return {
    matmul: await measure(() => gemm(n, n, n, a, 0, n, 1, b, 0, n, 1, c, 0, n, 0), {
      ...opts,
      work: MATMUL_FLOP / 1e9,
      label: 'kernels gemm',
    }),
    conv2dForward: await measure(() => conv2dForward(x, w, y, g), {
      ...opts,
      work: CONV_FLOP / 1e9,
      label: 'kernels conv2d forward',
    }),
    conv2dBackwardInput: await measure(() => conv2dBackwardInput(dy, w, dx, g), {
      ...opts,
      work: CONV_FLOP / 1e9,
      label: 'kernels conv2d backward-input',
    }),
    conv2dBackwardWeight: await measure(() => conv2dBackwardWeight(x, dy, dw, g), {
      ...opts,
      work: CONV_FLOP / 1e9,
      label: 'kernels conv2d backward-weight',
    }),
  };
}
