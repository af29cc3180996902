// Gradients on the native backend. The native kernels are float32, so float64 finite differences
// (gradcheck) exercise the CPU fallback there: they check that the backend delegates correctly. The
// native kernels' own backward paths (oneDNN's two conv backward passes, pooling, the PReLU and relu
// gradient loops, bias sums) are checked by comparing float32 gradients of a small PReLU convnet on
// the native backend with float64 gradients of the same net on the CPU backend, which the core's
// gradchecks verify against finite differences.

import { convnetGradientDeviations, float64FallbackGradcheck } from '@rectifier/tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNativeBackend, type NativeBackend } from './backend.js';

describe('gradients on the native backend', () => {
  let native: NativeBackend;
  beforeAll(async () => {
    native = await createNativeBackend({ threads: 2 });
  });

  it('float32 native gradients of a PReLU convnet match float64 CPU gradients', () => {
    // 16 x 32 x 32 images: large enough that every elementwise pass runs the native loops
    for (const d of convnetGradientDeviations(native, { batch: 16, size: 32 })) {
      expect(d.scale, d.name).toBeGreaterThan(0);
      expect(d.maxAbsDiff, d.name).toBeLessThanOrEqual(1e-4 * d.scale + 1e-6);
    }
  });

  it('float64 finite-difference gradcheck passes on the native backend (CPU kernel fallback)', () => {
    expect(float64FallbackGradcheck(native)).toBe(true);
  });
});
