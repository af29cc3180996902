// Gradients on the native backend. The native kernels are float32, so float64 finite differences
// (gradcheck) exercise the CPU fallback there: they check that the backend delegates correctly. The
// native kernels' own backward paths (oneDNN's two conv backward passes, pooling, the PReLU and relu
// gradient loops, bias sums) are checked by comparing float32 gradients of a small PReLU convnet on
// the native backend with float64 gradients of the same net on the CPU backend, which the core's
// gradchecks verify against finite differences.

import {
  avgPool2d,
  conv2d,
  crossEntropy,
  Generator,
  grad,
  linear,
  maxPool2d,
  prelu,
  randint,
  randn,
  type Tensor,
  tensor,
  tidy,
  withBackend,
} from '@rectifier/tensor';
import { gradcheck } from '@rectifier/tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNativeBackend, type NativeBackend } from './backend.js';

/** conv(stride 1, pad 1, bias) -> PReLU (per channel) -> max pool -> grouped strided conv -> avg pool -> linear -> CE. */
function net(x: Tensor, w1: Tensor, b1: Tensor, a: Tensor, w2: Tensor, fc: Tensor, y: Tensor): Tensor {
  let h = prelu(conv2d(x, w1, b1, { padding: 1 }), a);
  h = maxPool2d(h, { kernelSize: 3, stride: 2, padding: 1 });
  h = conv2d(h, w2, null, { stride: 2, padding: 1, groups: 2 }).relu();
  h = avgPool2d(h, { kernelSize: 2 }).flatten(1);
  return crossEntropy(linear(h, fc), y);
}

describe('gradients on the native backend', () => {
  let native: NativeBackend;
  beforeAll(async () => {
    native = await createNativeBackend({ threads: 2 });
  });

  it('float32 native gradients of a PReLU convnet match float64 CPU gradients', () => {
    const gen = new Generator(3);
    const shapes = [[8, 8, 3, 3], [8], [8], [8, 4, 3, 3], [5, 8 * 4 * 4]];
    // 16 x 32 x 32 images: large enough that every elementwise pass runs the native loops
    const x64 = randn([16, 8, 32, 32], { generator: gen, dtype: 'float64' });
    const params64 = shapes.map((s, i) =>
      randn(s, { generator: gen, dtype: 'float64' }).mul(i === 2 ? 0.1 : 0.3),
    );
    const y = randint(0, 5, [16], { generator: gen });
    const grads64 = tidy(() => {
      const ps = params64.map((p) => p.detach().requiresGrad_());
      return grad(net(x64, ps[0], ps[1], ps[2], ps[3], ps[4], y), ps).map((g) =>
        Float64Array.from(g.dataSync()),
      );
    });
    const grads32 = withBackend(native, () =>
      tidy(() => {
        const x = tensor(x64.dataSync(), { shape: x64.shape, dtype: 'float32' });
        const ps = params64.map((p) =>
          tensor(p.dataSync(), { shape: p.shape, dtype: 'float32', requiresGrad: true }),
        );
        const yw = tensor(y.dataSync(), { shape: y.shape, dtype: 'int32' });
        const loss = net(x, ps[0], ps[1], ps[2], ps[3], ps[4], yw);
        expect(loss.backend).toBe(native);
        return grad(loss, ps).map((g) => Float64Array.from(g.dataSync()));
      }),
    );
    for (let i = 0; i < grads64.length; i++) {
      const scale = Math.max(...grads64[i].map(Math.abs));
      expect(scale).toBeGreaterThan(0);
      for (let j = 0; j < grads64[i].length; j++) {
        expect(Math.abs(grads32[i][j] - grads64[i][j])).toBeLessThanOrEqual(1e-4 * scale + 1e-6);
      }
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
