// Gradients on the WASM backend. The WASM kernels are float32, so finite differences in float64
// (gradcheck) exercise the JS fallback there: they check that the backend delegates correctly. The
// WASM kernels' own backward paths are checked by comparing float32 gradients of a small PReLU
// convnet on the WASM backend with float64 gradients of the same net on the CPU backend, which the
// core's gradchecks verify against finite differences.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  avgPool2d,
  conv2d,
  cpuBackend,
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
} from '../../index.js';
import { gradcheck } from '../../testing/index.js';
import { createWasmBackend, type WasmBackend } from './backend.js';

/** conv(stride 1, pad 1, bias) -> PReLU (per channel) -> max pool -> grouped strided conv -> avg pool -> linear -> CE. */
function net(x: Tensor, w1: Tensor, b1: Tensor, a: Tensor, w2: Tensor, fc: Tensor, y: Tensor): Tensor {
  let h = prelu(conv2d(x, w1, b1, { padding: 1 }), a);
  h = maxPool2d(h, { kernelSize: 3, stride: 2, padding: 1 });
  h = conv2d(h, w2, null, { stride: 2, padding: 1, groups: 2 }).relu();
  h = avgPool2d(h, { kernelSize: 2 }).flatten(1);
  return crossEntropy(linear(h, fc), y);
}

describe('gradients on the WASM backend', () => {
  let wasm: WasmBackend;
  beforeAll(async () => {
    wasm = await createWasmBackend({ threads: 2 });
  });
  afterAll(() => wasm.close());

  it('float32 WASM gradients of a PReLU convnet match float64 CPU gradients', () => {
    const gen = new Generator(3);
    const shapes = [[8, 8, 3, 3], [8], [8], [8, 4, 3, 3], [5, 8 * 2 * 2]];
    const x64 = randn([6, 8, 15, 15], { generator: gen, dtype: 'float64' });
    const params64 = shapes.map((s, i) =>
      randn(s, { generator: gen, dtype: 'float64' }).mul(i === 2 ? 0.1 : 0.3),
    );
    const y = randint(0, 5, [6], { generator: gen });
    const grads64 = tidy(() => {
      const ps = params64.map((p) => p.detach().requiresGrad_());
      return grad(net(x64, ps[0], ps[1], ps[2], ps[3], ps[4], y), ps).map((g) =>
        Float64Array.from(g.dataSync()),
      );
    });
    const grads32 = withBackend(wasm, () =>
      tidy(() => {
        const x = tensor(x64.dataSync(), { shape: x64.shape, dtype: 'float32' });
        const ps = params64.map((p) =>
          tensor(p.dataSync(), { shape: p.shape, dtype: 'float32', requiresGrad: true }),
        );
        const yw = tensor(y.dataSync(), { shape: y.shape, dtype: 'int32' });
        const loss = net(x, ps[0], ps[1], ps[2], ps[3], ps[4], yw);
        expect(loss.backend).toBe(wasm);
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
