// Gradients on the WASM backend. The WASM kernels are float32, so finite differences in float64
// (gradcheck) exercise the JS fallback there: they check that the backend delegates correctly. The
// WASM kernels' own backward paths are checked by comparing float32 gradients of a small PReLU
// convnet on the WASM backend with float64 gradients of the same net on the CPU backend, which the
// core's gradchecks verify against finite differences.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conv2d, cpuBackend, Generator, maxPool2d, prelu, randn, tensor, withBackend } from '../../index.js';
import { convnetGradientDeviations, gradcheck } from '../../testing/index.js';
import { createWasmBackend, type WasmBackend } from './backend.js';

describe('gradients on the WASM backend', () => {
  let wasm: WasmBackend;
  beforeAll(async () => {
    wasm = await createWasmBackend({ threads: 2 });
  });
  afterAll(() => wasm.close());

  it('float32 WASM gradients of a PReLU convnet match float64 CPU gradients', () => {
    for (const d of convnetGradientDeviations(wasm, { batch: 6, size: 15 })) {
      expect(d.scale, d.name).toBeGreaterThan(0);
      expect(d.maxAbsDiff, d.name).toBeLessThanOrEqual(1e-4 * d.scale + 1e-6);
    }
  });

  it('float64 finite-difference gradcheck passes on the WASM backend (JS kernel fallback)', () => {
    withBackend(wasm, () => {
      const gen = new Generator(4);
      const x = randn([2, 4, 6, 6], { generator: gen, dtype: 'float64', requiresGrad: true });
      const w = randn([4, 2, 3, 3], { generator: gen, dtype: 'float64', requiresGrad: true });
      const a = tensor([0.1, 0.2, 0.3, 0.4], { dtype: 'float64', requiresGrad: true });
      expect(x.backend).toBe(wasm);
      expect(
        gradcheck(
          (xx, ww, aa) =>
            maxPool2d(prelu(conv2d(xx, ww, null, { padding: 1, groups: 2 }), aa), { kernelSize: 2 }).sum(),
          [x, w, a],
        ),
      ).toBe(true);
    });
  });

  it('uses the CPU backend as the reference (sanity: the two backends differ)', () => {
    expect(wasm).not.toBe(cpuBackend);
    expect(wasm.name).toBe('wasm');
  });
});
