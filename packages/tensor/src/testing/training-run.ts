/**
 * A determinism probe for backends: a few SGD steps of a small PReLU convnet (two 3x3 convs with
 * bias, PReLU, relu, 2x2 max pool, linear, cross-entropy) from a fixed seed, returning every loss and
 * the exact bit patterns of the final weights. Two runs on a deterministic backend with the same
 * thread count give equal results (-0 vs 0 and NaN payloads count as differences).
 */
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../memory.js';
import { prelu } from '../ops/activation.js';
import { conv2d } from '../ops/conv.js';
import { full, randn, tensor, zeros } from '../ops/creation.js';
import { relu } from '../ops/elementwise.js';
import { crossEntropy } from '../ops/loss.js';
import { linear } from '../ops/matmul.js';
import { maxPool2d } from '../ops/pool.js';
import { Parameter } from '../parameter.js';
import { Generator } from '../random/generator.js';
import type { Tensor } from '../tensor.js';

/** The exact float32 bit patterns of a tensor's values. */
export function float32Bits(t: Tensor): number[] {
  return Array.from(new Uint32Array(new Float32Array(t.dataSync()).buffer));
}

/** Size of the probe: 16 images of `size` x `size` (a multiple of 2), 16 channels. Default 16. */
export interface TrainingRunOptions {
  steps: number;
  size?: number;
}

/**
 * Trains the probe net for `steps` SGD steps (lr 0.05) on the current backend.
 * @example
 * const a = withBackend(b, () => trainingRunBits({ steps: 8 }));
 * const c = withBackend(b, () => trainingRunBits({ steps: 8 }));
 * expect(c).toEqual(a);
 */
export function trainingRunBits(opts: TrainingRunOptions): { losses: number[]; weights: number[][] } {
  const size = opts.size ?? 16;
  const g = new Generator(5);
  const he = (shape: number[], fanIn: number) =>
    new Parameter(randn(shape, { generator: g }).mul(Math.sqrt(2 / fanIn)));
  const pooled = (16 * size * size) / 4;
  const params = {
    w1: he([16, 3, 3, 3], 27),
    b1: new Parameter(zeros([16])),
    a1: new Parameter(full([16], 0.25)),
    w2: he([16, 16, 3, 3], 144),
    b2: new Parameter(zeros([16])),
    w3: he([4, pooled], pooled),
    b3: new Parameter(zeros([4])),
  };
  const x = randn([16, 3, size, size], { generator: g });
  const y = tensor(
    Array.from({ length: 16 }, (_, i) => i % 4),
    { dtype: 'int32' },
  );
  const losses: number[] = [];
  for (let step = 0; step < opts.steps; step++) {
    losses.push(
      tidy(() => {
        let h = prelu(conv2d(x, params.w1, params.b1, { padding: 1 }), params.a1);
        h = maxPool2d(relu(conv2d(h, params.w2, params.b2, { padding: 1 })), { kernelSize: 2 });
        const loss = crossEntropy(linear(h.flatten(1), params.w3, params.b3), y);
        loss.backward();
        noGrad(() => {
          for (const p of Object.values(params)) {
            if (p.grad) p.assign(p.sub(p.grad.mul(0.05)));
            p.zeroGrad();
          }
        });
        return loss.dataSync()[0];
      }),
    );
  }
  const weights = Object.values(params).map(float32Bits);
  for (const p of Object.values(params)) p.dispose();
  x.dispose();
  y.dispose();
  return { losses, weights };
}
