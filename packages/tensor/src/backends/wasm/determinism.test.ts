/**
 * Run-to-run determinism of the WASM backend on 2 threads: the work split and the order in which
 * partial results are combined depend only on the shapes and the thread count, never on which
 * worker took which work unit, so repeated runs are bit-identical (a seed reproduces a run and a
 * resumed run continues exactly).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { withBackend } from '../../backend-state.js';
import { randn } from '../../ops/creation.js';
import { Generator } from '../../random/generator.js';
import { trainingRunBits } from '../../testing/index.js';
import { createWasmBackend } from './backend.js';
import { WasmKernels } from './kernels.js';
import { createWasmRuntime, KERNELS, pickFlavour } from './runtime.js';

const wasm = await createWasmBackend({ threads: 2 });
afterAll(() => wasm.close());

describe('wasm backend determinism (2 threads)', () => {
  it('two identical training runs give bit-identical losses and weights', () => {
    const a = withBackend(wasm, () => trainingRunBits({ steps: 30, size: 16 }));
    const b = withBackend(wasm, () => trainingRunBits({ steps: 30, size: 16 }));
    expect(a.losses.every(Number.isFinite)).toBe(true);
    expect(b.losses).toEqual(a.losses);
    expect(b.weights).toEqual(a.weights);
  });

  it('kernels give the same bits whichever thread takes which work unit', async () => {
    // The calling thread alone running every unit of a 2-thread job is what happens when the OS
    // deschedules the worker; the worker taking units is the usual case. Both must agree, bit for
    // bit, with each other and across repeats (per-thread partial sums did not: images landed in
    // whichever thread's buffer was free).
    const rt = await createWasmRuntime(2, pickFlavour());
    const k = new WasmKernels(rt);
    const fns = (rt as unknown as { fns: ((...a: number[]) => void)[] }).fns;
    const threaded = rt.run.bind(rt);
    const solo: typeof rt.run = (name, args, nt = rt.threads) => {
      Atomics.store(rt.i32, rt.queue >> 2, 0);
      fns[KERNELS.indexOf(name)](...args, 0, Math.min(nt, rt.threads));
    };
    const r = new Generator(9);
    const N = 6;
    const x = randn([N, 16, 24, 24], { generator: r }).dataSync() as Float32Array;
    const dy = randn([N, 32, 24, 24], { generator: r }).dataSync() as Float32Array;
    const w = randn([32, 16, 3, 3], { generator: r }).dataSync() as Float32Array;
    const g = {
      ...{ N, C: 16, H: 24, W: 24, O: 32, KH: 3, KW: 3, OH: 24, OW: 24 },
      ...{ strideH: 1, strideW: 1, padH: 1, padW: 1, dilationH: 1, dilationW: 1, groups: 1 },
    };
    const all = () => {
      const dw = new Float32Array(32 * 16 * 9);
      const y = new Float32Array(N * 32 * 24 * 24);
      const dx = new Float32Array(N * 16 * 24 * 24);
      const mm = new Float32Array(96 * 200);
      k.conv2dBackwardWeight(x, dy, dw, g);
      k.conv2dForward(x, w, y, g);
      k.conv2dBackwardInput(dy, w, dx, g);
      k.gemmBatched(1, 96, 200, 300, x, 0, 0, 300, 1, dy, 0, 0, 200, 1, mm, 0, 0);
      return [dw, y, dx, mm].map((a) => Array.from(new Uint32Array(a.buffer)));
    };
    try {
      const first = all();
      for (let i = 0; i < 10; i++) expect(all()).toEqual(first);
      rt.run = solo;
      expect(all()).toEqual(first);
    } finally {
      rt.run = threaded;
      rt.dispose();
    }
  });
});
