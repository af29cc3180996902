/**
 * A conformance check for backends with float32 kernels (WASM here, @rectifier/tensor-native, your
 * own): the gradients of a small PReLU convnet computed on the backend in float32 against the same
 * net's float64 gradients on the CPU backend, which the core's gradchecks verify against finite
 * differences. Float64 finite differences alone would only exercise such a backend's CPU fallback.
 */
import { grad } from '../autograd/functional.js';
import type { Backend } from '../backend.js';
import { withBackend } from '../backend-state.js';
import { tidy } from '../memory.js';
import { prelu } from '../ops/activation.js';
import { conv2d } from '../ops/conv.js';
import { randint, randn, tensor } from '../ops/creation.js';
import { crossEntropy } from '../ops/loss.js';
import { linear } from '../ops/matmul.js';
import { avgPool2d, maxPool2d } from '../ops/pool.js';
import { Generator } from '../random/generator.js';
import type { Tensor } from '../tensor.js';
import { gradcheck } from './gradcheck.js';

/** Batch and map size of the check; large enough that a backend's fast paths run, not its fallbacks. */
export interface ConvnetGradientOptions {
  /** Images per batch. Default 6. */
  batch?: number;
  /** Height and width of the 8-channel input, a multiple of 4 (or 15, as the WASM tests use). Default 15. */
  size?: number;
  /** Seed of the data and weights. Default 3. */
  seed?: number;
}

/** One parameter's gradient: the largest |float32 - float64| difference and the float64 scale. */
export interface GradientDeviation {
  readonly name: string;
  readonly maxAbsDiff: number;
  readonly scale: number;
}

/** conv(stride 1, pad 1, bias) -> PReLU (per channel) -> max pool -> grouped strided conv -> relu -> avg pool -> linear -> CE. */
function net(x: Tensor, w1: Tensor, b1: Tensor, a: Tensor, w2: Tensor, fc: Tensor, y: Tensor): Tensor {
  let h = prelu(conv2d(x, w1, b1, { padding: 1 }), a);
  h = maxPool2d(h, { kernelSize: 3, stride: 2, padding: 1 });
  h = conv2d(h, w2, null, { stride: 2, padding: 1, groups: 2 }).relu();
  h = avgPool2d(h, { kernelSize: 2 }).flatten(1);
  return crossEntropy(linear(h, fc), y);
}

/**
 * The convnet's parameter gradients on `backend` (float32) against the CPU backend (float64).
 * A conforming backend stays within about 1e-4 of each gradient's scale.
 * @example
 * for (const d of convnetGradientDeviations(myBackend)) expect(d.maxAbsDiff).toBeLessThanOrEqual(1e-4 * d.scale + 1e-6);
 */
export function convnetGradientDeviations(
  backend: Backend,
  opts: ConvnetGradientOptions = {},
): GradientDeviation[] {
  const batch = opts.batch ?? 6;
  const size = opts.size ?? 15;
  const gen = new Generator(opts.seed ?? 3);
  // spatial size after the 3x3 stride-2 max pool, the 3x3 stride-2 conv (both padding 1), the 2x2 average pool
  const half = (n: number) => Math.floor((n - 1) / 2) + 1;
  const pooled = Math.floor(half(half(size)) / 2);
  const names = ['conv1.weight', 'conv1.bias', 'prelu.weight', 'conv2.weight', 'fc.weight'];
  const shapes = [[8, 8, 3, 3], [8], [8], [8, 4, 3, 3], [5, 8 * pooled * pooled]];
  const x64 = randn([batch, 8, size, size], { generator: gen, dtype: 'float64' });
  const params64 = shapes.map((s, i) =>
    randn(s, { generator: gen, dtype: 'float64' }).mul(i === 2 ? 0.1 : 0.3),
  );
  const y = randint(0, 5, [batch], { generator: gen });
  try {
    const grads64 = tidy(() => {
      const ps = params64.map((p) => p.detach().requiresGrad_());
      return grad(net(x64, ps[0], ps[1], ps[2], ps[3], ps[4], y), ps).map((g) =>
        Float64Array.from(g.dataSync()),
      );
    });
    const grads32 = withBackend(backend, () =>
      tidy(() => {
        const x = tensor(x64.dataSync(), { shape: x64.shape, dtype: 'float32' });
        const ps = params64.map((p) =>
          tensor(p.dataSync(), { shape: p.shape, dtype: 'float32', requiresGrad: true }),
        );
        const yw = tensor(y.dataSync(), { shape: y.shape, dtype: 'int32' });
        const loss = net(x, ps[0], ps[1], ps[2], ps[3], ps[4], yw);
        if (loss.backend !== backend)
          throw new Error('convnetGradientDeviations: the loss was not computed on the backend');
        return grad(loss, ps).map((g) => Float64Array.from(g.dataSync()));
      }),
    );
    return grads64.map((g64, i) => {
      let maxAbsDiff = 0;
      let scale = 0;
      for (let j = 0; j < g64.length; j++) {
        scale = Math.max(scale, Math.abs(g64[j]));
        maxAbsDiff = Math.max(maxAbsDiff, Math.abs(grads32[i][j] - g64[j]));
      }
      return { name: names[i], maxAbsDiff, scale };
    });
  } finally {
    for (const t of [x64, y, ...params64]) t.dispose();
  }
}

/**
 * Float64 finite-difference gradcheck of conv2d (grouped, padded) -> PReLU -> max pool on `backend`.
 * A backend with float32 kernels runs float64 through its CPU fallback, so this checks that it
 * delegates forward and backward correctly; true when every gradient matches.
 */
export function float64FallbackGradcheck(backend: Backend): boolean {
  return withBackend(backend, () => {
    const gen = new Generator(4);
    const x = randn([2, 4, 6, 6], { generator: gen, dtype: 'float64', requiresGrad: true });
    const w = randn([4, 2, 3, 3], { generator: gen, dtype: 'float64', requiresGrad: true });
    const a = tensor([0.1, 0.2, 0.3, 0.4], { dtype: 'float64', requiresGrad: true });
    if (x.backend !== backend) throw new Error('float64FallbackGradcheck: the inputs are not on the backend');
    return gradcheck(
      (xx, ww, aa) =>
        maxPool2d(prelu(conv2d(xx, ww, null, { padding: 1, groups: 2 }), aa), { kernelSize: 2 }).sum(),
      [x, w, a],
    );
  });
}
