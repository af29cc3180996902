// Run-to-run determinism of the native backend for a given thread count: oneDNN partitions its
// convolution and GEMM work statically by thread count and the native loops split work into fixed
// chunks, so repeated runs are bit-identical (a seed reproduces a run and a resumed run continues
// exactly). Also: the loops other than oneDNN's give the same bits on 1 and 2 threads.
import {
  conv2d,
  crossEntropy,
  full,
  Generator,
  linear,
  maxPool2d,
  noGrad,
  Parameter,
  prelu,
  randn,
  relu,
  type Tensor,
  tensor,
  tidy,
  withBackend,
  zeros,
} from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { createNativeBackend } from '../src/backend.js';

/** Exact bit patterns, so that -0 / 0 and NaN payloads count as differences too. */
const bits = (t: Tensor) => Array.from(new Uint32Array(new Float32Array(t.dataSync()).buffer));

/** A PReLU convnet big enough that every kernel runs on both threads (batch 16, 32x32, 16 channels). */
function trainRun(steps: number): { losses: number[]; weights: number[][] } {
  const g = new Generator(5);
  const he = (shape: number[], fanIn: number) =>
    new Parameter(randn(shape, { generator: g }).mul(Math.sqrt(2 / fanIn)));
  const params = {
    w1: he([16, 3, 3, 3], 27),
    b1: new Parameter(zeros([16])),
    a1: new Parameter(full([16], 0.25)),
    w2: he([16, 16, 3, 3], 144),
    b2: new Parameter(zeros([16])),
    w3: he([4, 16 * 16 * 16], 4096),
    b3: new Parameter(zeros([4])),
  };
  const x = randn([16, 3, 32, 32], { generator: g });
  const y = tensor(
    Array.from({ length: 16 }, (_, i) => i % 4),
    { dtype: 'int32' },
  );
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
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
  const weights = Object.values(params).map(bits);
  for (const p of Object.values(params)) p.dispose();
  x.dispose();
  y.dispose();
  return { losses, weights };
}

describe('native backend determinism', () => {
  it('two identical training runs on 2 threads give bit-identical losses and weights', async () => {
    const native = await createNativeBackend({ threads: 2 });
    const a = withBackend(native, () => trainRun(8));
    const b = withBackend(native, () => trainRun(8));
    expect(a.losses.every(Number.isFinite)).toBe(true);
    expect(a.losses[7]).toBeLessThan(a.losses[0]);
    expect(b.losses).toEqual(a.losses);
    expect(b.weights).toEqual(a.weights);
  });

  it('the native loops (relu, PReLU, pooling, bias sums) give the same bits on 1 and 2 threads', async () => {
    const one = await createNativeBackend({ threads: 1 });
    const two = await createNativeBackend({ threads: 2 });
    const run = () => {
      const g = new Generator(9);
      const x = randn([8, 16, 32, 32], { generator: g });
      const a = randn([16], { generator: g });
      const h = maxPool2d(prelu(relu(x.add(x)), a), { kernelSize: 2 });
      return [bits(h), bits(h.sum([0, 2, 3]))];
    };
    expect(withBackend(two, () => tidy(run))).toEqual(withBackend(one, () => tidy(run)));
  });
});
