/**
 * End-to-end checks of the tensor core as a training engine: a small conv net
 * (conv -> prelu -> pool -> conv -> relu -> pool -> linear) trained with plain SGD, and a
 * 1,000-step loop whose live tensor count and bytes must stay flat.
 */
import { describe, expect, it } from 'vitest';
import { noGrad } from './autograd/grad-mode.js';
import { memory, tidy } from './memory.js';
import { prelu } from './ops/activation.js';
import { conv2d } from './ops/conv.js';
import { full, randn, tensor, zeros } from './ops/creation.js';
import { relu } from './ops/elementwise.js';
import { crossEntropy } from './ops/loss.js';
import { linear } from './ops/matmul.js';
import { maxPool2d } from './ops/pool.js';
import { Parameter } from './parameter.js';
import { Generator } from './random/generator.js';
import type { Tensor } from './tensor.js';

function makeNet(g: Generator) {
  // He-normal initialisation: std = sqrt(2 / fanIn)
  const he = (shape: number[], fanIn: number) =>
    new Parameter(randn(shape, { generator: g }).mul(Math.sqrt(2 / fanIn)));
  const params = {
    w1: he([4, 1, 3, 3], 9),
    b1: new Parameter(zeros([4])),
    a1: new Parameter(full([4], 0.25), { weightDecay: false }),
    w2: he([8, 4, 3, 3], 36),
    b2: new Parameter(zeros([8])),
    w3: he([3, 32], 32),
    b3: new Parameter(zeros([3])),
  };
  const forward = (x: Tensor) => {
    let h = conv2d(x, params.w1, params.b1, { padding: 1 });
    h = maxPool2d(prelu(h, params.a1), { kernelSize: 2 });
    h = maxPool2d(relu(conv2d(h, params.w2, params.b2, { padding: 1 })), { kernelSize: 2 });
    return linear(h.flatten(1), params.w3, params.b3);
  };
  return { params: Object.values(params), forward };
}

/** Three classes of 8x8 images: a horizontal bar, a vertical bar or a diagonal, plus noise. */
function makeData(n: number, g: Generator) {
  const labels = Array.from({ length: n }, (_, i) => i % 3);
  const noise = randn([n, 1, 8, 8], { generator: g }).dataSync();
  const x = new Float32Array(n * 64);
  labels.forEach((c, i) => {
    for (let r = 0; r < 8; r++)
      for (let q = 0; q < 8; q++) {
        const on = c === 0 ? r === 3 || r === 4 : c === 1 ? q === 3 || q === 4 : Math.abs(r - q) <= 1;
        x[i * 64 + r * 8 + q] = (on ? 1 : 0) + 0.3 * noise[i * 64 + r * 8 + q];
      }
  });
  return { x: tensor(x, { shape: [n, 1, 8, 8] }), y: tensor(labels, { dtype: 'int32' }) };
}

function sgdStep(params: Parameter[], lr: number): void {
  noGrad(() => {
    for (const p of params) {
      if (p.grad) p.assign(p.sub(p.grad.mul(lr)));
      p.zeroGrad();
    }
  });
}

describe('training a small conv net', () => {
  it('reaches a cross-entropy below 0.1 with plain SGD', () => {
    const g = new Generator(0);
    const net = makeNet(g);
    const data = makeData(48, g);
    let first = 0;
    let last = 0;
    for (let step = 0; step < 150; step++) {
      last = tidy(() => {
        const loss = crossEntropy(net.forward(data.x), data.y);
        loss.backward();
        sgdStep(net.params, 0.1);
        return loss.dataSync()[0];
      });
      if (step === 0) first = last;
    }
    expect(first).toBeGreaterThan(0.5);
    expect(last).toBeLessThan(0.1);
  });

  it('keeps live tensors and bytes flat over 1,000 steps', () => {
    const g = new Generator(1);
    const net = makeNet(g);
    const data = makeData(4, g);
    const before = memory();
    const snapshots: Record<number, ReturnType<typeof memory>> = {};
    for (let step = 1; step <= 1000; step++) {
      tidy(() => {
        const loss = crossEntropy(net.forward(data.x), data.y);
        loss.backward();
        sgdStep(net.params, 0.01);
      });
      if (step === 100 || step === 1000) snapshots[step] = memory();
    }
    expect(snapshots[1000]).toEqual(snapshots[100]);
    // after each step only the parameters and the data are alive (grads were zeroed)
    expect(snapshots[100]).toEqual(before);
  });
});
