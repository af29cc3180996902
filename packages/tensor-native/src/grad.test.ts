// Gradients on the native backend. The native kernels are float32, so float64 finite differences
// (gradcheck) exercise the CPU fallback there: they check that the backend delegates correctly. The
// native kernels' own backward paths (oneDNN's two conv backward passes, pooling, the PReLU and relu
// gradient loops, bias sums) are checked by comparing float32 gradients of a small PReLU convnet on
// the native backend with float64 gradients of the same net on the CPU backend, which the core's
// gradchecks verify against finite differences.

import { conv2d, Generator, maxPool2d, prelu, randn, tensor, withBackend } from '@rectifier/tensor';
import { convnetGradientDeviations, gradcheck } from '@rectifier/tensor/testing';
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
    withBackend(native, () => {
      const gen = new Generator(4);
      const x = randn([2, 4, 6, 6], { generator: gen, dtype: 'float64', requiresGrad: true });
      const w = randn([4, 2, 3, 3], { generator: gen, dtype: 'float64', requiresGrad: true });
      const a = tensor([0.1, 0.2, 0.3, 0.4], { dtype: 'float64', requiresGrad: true });
      expect(x.backend).toBe(native);
      expect(
        gradcheck(
          (xx, ww, aa) =>
            maxPool2d(prelu(conv2d(xx, ww, null, { padding: 1, groups: 2 }), aa), { kernelSize: 2 }).sum(),
          [x, w, a],
        ),
      ).toBe(true);
    });
  });
});
