// Gradients on the WASM backend. The WASM kernels are float32, so finite differences in float64
// (gradcheck) exercise the JS fallback there: they check that the backend delegates correctly. The
// WASM kernels' own backward paths are checked by comparing float32 gradients of a small PReLU
// convnet on the WASM backend with float64 gradients of the same net on the CPU backend, which the
// core's gradchecks verify against finite differences.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuBackend } from '../../index.js';
import { convnetGradientDeviations, float64FallbackGradcheck } from '../../testing/index.js';
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
    expect(float64FallbackGradcheck(wasm)).toBe(true);
  });

  it('uses the CPU backend as the reference (sanity: the two backends differ)', () => {
    expect(wasm).not.toBe(cpuBackend);
    expect(wasm.name).toBe('wasm');
  });
});
