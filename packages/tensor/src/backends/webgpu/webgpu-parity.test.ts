/**
 * Front-end parity: the same ops, with their gradients, run through `@rectifier/tensor` on the CPU
 * reference backend and on WebGPU from identical inputs; outputs and input gradients must agree within
 * float32 tolerances (different summation orders, GPU transcendental functions). Also: same-seed RNG
 * parity and a 5-step SGD training run of a small PReLU conv net whose losses must agree to 1e-4.
 */
import { describe, expect, test } from 'vitest';
import type { Backend } from '../../backend.js';
import {
  abs,
  adaptiveAvgPool2d,
  adaptiveMaxPool2d,
  amax,
  argmax,
  avgPool2d,
  clamp,
  concat,
  conv2d,
  cpuBackend,
  crossEntropy,
  div,
  dropout,
  exp,
  Generator,
  gather,
  gt,
  linear,
  log,
  logSoftmax,
  logSumExp,
  matmul,
  max,
  maximum,
  maxPool2d,
  mean,
  minimum,
  mul,
  noGrad,
  pow,
  prelu,
  rand,
  randn,
  sigmoid,
  softmax,
  sqrt,
  stack,
  sub,
  sum,
  type Tensor,
  tanh,
  tensor,
  variance,
  where,
} from '../../index.js';
import { testWebGPU } from './gpu-env.js';
import { data, firstMismatch } from './webgpu-reference.test-util.js';

const { backend: gpu, reason } = await testWebGPU();
if (!gpu) test.skip(`WebGPU parity tests skipped: ${reason}`, () => {});

type Maker = (
  shape: number[],
  seed: number,
  opts?: { int?: number; grad?: boolean; scale?: number; shift?: number },
) => Tensor;

interface Result {
  outputs: Float32Array[];
  grads: Float32Array[];
}

/** Builds the inputs on `backend`, runs `fn`, backpropagates sum(out * w) and reads everything back. */
async function runOn(backend: Backend, fn: (mk: Maker) => Tensor[]): Promise<Result> {
  const inputs: Tensor[] = [];
  const mk: Maker = (shape, seed, o = {}) => {
    const n = shape.reduce((a, b) => a * b, 1);
    if (o.int !== undefined) {
      const v = Int32Array.from(data(n, seed), (x) => Math.floor(((x + 1) / 2) * (o.int as number)));
      return tensor(v, { shape, dtype: 'int32', backend });
    }
    const v = data(n, seed).map((x) => x * (o.scale ?? 1) + (o.shift ?? 0));
    const t = tensor(v, { shape, backend, requiresGrad: o.grad ?? true });
    if (o.grad ?? true) inputs.push(t);
    return t;
  };
  const outs = fn(mk);
  let loss: Tensor | null = null;
  outs.forEach((o, i) => {
    if (o.dtype !== 'float32' || !o.requiresGrad) return;
    const w = tensor(data(o.size, 1000 + i), { shape: o.shape, backend });
    const term = sum(mul(o, w));
    loss = loss ? loss.add(term) : term;
  });
  if (loss) (loss as Tensor).backward();
  const outputs = await Promise.all(outs.map(async (o) => Float32Array.from(await o.data())));
  const grads = await Promise.all(
    inputs.map(async (t) => (t.grad ? Float32Array.from(await t.grad.data()) : new Float32Array(0))),
  );
  return { outputs, grads };
}

async function expectParity(fn: (mk: Maker) => Tensor[], rtol = 1e-4, atol = 1e-5): Promise<void> {
  const want = await runOn(cpuBackend, fn);
  const got = await runOn(gpu as Backend, fn);
  want.outputs.forEach((w, i) => {
    const bad = firstMismatch(got.outputs[i] as Float32Array, w, rtol, atol);
    expect(bad, `output ${i}: webgpu ${got.outputs[i]?.[bad]} cpu ${w[bad]} at ${bad}`).toBe(-1);
  });
  want.grads.forEach((w, i) => {
    const bad = firstMismatch(got.grads[i] as Float32Array, w, rtol, atol);
    expect(bad, `grad ${i}: webgpu ${got.grads[i]?.[bad]} cpu ${w[bad]} at ${bad}`).toBe(-1);
  });
}

describe.skipIf(!gpu)('webgpu vs cpu through the tensor front end', () => {
  test('elementwise chains with broadcasting and strided views', async () => {
    await expectParity((mk) => {
      const x = mk([3, 1, 5], 1);
      const y = mk([4, 5], 2);
      const z = mk([5, 4], 3).transpose(0, 1); // a strided (transposed) operand
      const pos = mk([4, 5], 4, { scale: 0.5, shift: 1.6 });
      return [
        mul(x, y).add(exp(z)).sub(tanh(x)),
        div(sigmoid(y), pos),
        pow(pos, y),
        maximum(x, z).add(minimum(y, 0.1)),
        where(gt(y, 0), abs(x), sqrt(pos)).mul(log(pos)),
        clamp(mul(x, 3), -1, 1),
        prelu(mk([2, 3, 4], 5), mk([3], 6, { scale: 0.25 })),
      ];
    });
  });

  test('reductions, softmax family and cross-entropy', async () => {
    await expectParity((mk) => {
      const x = mk([4, 6, 7], 7);
      const logits = mk([5, 9], 8, { scale: 3 });
      const target = mk([5], 9, { int: 9 });
      return [
        sum(x, [0, 2]),
        mean(x, 1, true),
        amax(x, 2),
        max(x, 2).values,
        variance(x, [0, 1]),
        logSumExp(x, -1),
        softmax(logits, 1),
        logSoftmax(x.permute([2, 0, 1]), 1),
        crossEntropy(logits, target),
        crossEntropy(logits, target, { labelSmoothing: 0.1, reduction: 'sum' }),
        argmax(logits, 1),
      ];
    });
  });

  test('matmul, linear, gather, concat and stack', async () => {
    await expectParity((mk) => {
      const a = mk([2, 1, 5, 7], 10);
      const b = mk([3, 7, 6], 11);
      const x = mk([6, 10], 12);
      const idx = mk([6, 3], 13, { int: 10 });
      return [
        matmul(a, b),
        linear(x, mk([4, 10], 14), mk([4], 15)),
        gather(x, 1, idx),
        concat([x, mk([2, 10], 16)], 0),
        stack([x, x.mul(2)], 1),
      ];
    });
  });

  test('conv2d (stride, padding, dilation, groups, bias) and pooling', async () => {
    await expectParity((mk) => {
      const x = mk([2, 4, 9, 8], 20);
      const y1 = conv2d(x, mk([6, 4, 3, 3], 21), mk([6], 22), { padding: 1 });
      const y2 = conv2d(x, mk([4, 2, 3, 2], 23), null, {
        stride: [2, 1],
        padding: [2, 1],
        dilation: [2, 1],
        groups: 2,
      });
      return [
        y1,
        y2,
        maxPool2d(y1, { kernelSize: 3, stride: 2, padding: 1 }),
        avgPool2d(x, { kernelSize: 3, stride: 2, ceilMode: true, countIncludePad: false }),
        adaptiveMaxPool2d(x, [3, 2]),
        adaptiveAvgPool2d(y2, 2),
      ];
    });
  });

  test('same seed, same random numbers (rand, randn, dropout)', async () => {
    const draw = async (backend: Backend) => {
      const g = new Generator(1234);
      const u = rand([1001], { generator: g, backend });
      const n = randn([3, 333], { generator: g, backend });
      const d = dropout(tensor(new Float32Array(64).fill(1), { backend }), 0.5, true, g);
      return Promise.all([u.data(), n.data(), d.data()]);
    };
    const [cu, cn, cd] = await draw(cpuBackend);
    const [gu, gn, gd] = await draw(gpu as Backend);
    expect(Array.from(gu)).toEqual(Array.from(cu));
    expect(firstMismatch(gn, cn, 2e-6, 2e-6)).toBe(-1);
    expect(Array.from(gd)).toEqual(Array.from(cd));
  });

  test('training parity: conv -> prelu -> maxpool -> linear -> crossEntropy, 5 SGD steps', async () => {
    const train = async (backend: Backend) => {
      const g = new Generator(7);
      const param = (shape: number[], scale: number) =>
        randn(shape, { generator: g, backend }).mul(scale).detach().requiresGrad_();
      const w1 = param([6, 3, 3, 3], Math.sqrt(2 / 27)); // He init (the paper's Eq. 10)
      const b1 = tensor(new Float32Array(6), { backend, requiresGrad: true });
      const a1 = tensor(new Float32Array(6).fill(0.25), { backend, requiresGrad: true }); // PReLU slopes, init 0.25
      const w2 = param([5, 6 * 4 * 4], Math.sqrt(1 / 96));
      const b2 = tensor(new Float32Array(5), { backend, requiresGrad: true });
      const x = randn([8, 3, 8, 8], { generator: g, backend });
      const labels = tensor(
        Int32Array.from({ length: 8 }, (_, i) => (i * 3) % 5),
        { dtype: 'int32', backend },
      );
      const params = [w1, b1, a1, w2, b2];
      const losses: number[] = [];
      for (let step = 0; step < 5; step++) {
        const h = maxPool2d(prelu(conv2d(x, w1, b1, { padding: 1 }), a1), { kernelSize: 2 });
        const loss = crossEntropy(linear(h.flatten(1), w2, b2), labels);
        loss.backward();
        losses.push(await loss.item());
        noGrad(() => {
          for (const p of params) {
            p.assign(sub(p, mul(p.grad as Tensor, 0.1)));
            p.zeroGrad();
          }
        });
      }
      return losses;
    };
    const cpu = await train(cpuBackend);
    const web = await train(gpu as Backend);
    expect(cpu[4]).toBeLessThan(cpu[0] as number);
    for (let i = 0; i < 5; i++)
      expect(Math.abs((web[i] as number) - (cpu[i] as number)) / Math.abs(cpu[i] as number)).toBeLessThan(
        1e-4,
      );
  });
});
