import { describe, expect, it } from 'vitest';
import { backendsUnderTest } from '../test-support/backends.js';
import { f64, forwardBackwardOn, read } from '../test-support/helpers.js';
import { assertClose, gradcheck } from '../testing/index.js';
import { ones, tensor, zeros } from './creation.js';
import { batchNorm } from './normalization.js';

// channel 0 holds 1..4 and channel 1 holds 10, 20, 30, 40 over a [2, 2, 1, 2] input
const data = [1, 2, 10, 20, 3, 4, 30, 40];

describe.each(await backendsUnderTest())('batchNorm on $name', ({ backend, atol, rtol }) => {
  it('training: batch mean and biased variance normalise; running stats take the unbiased one', async () => {
    const x = tensor(data, { shape: [2, 2, 1, 2], backend });
    const rm = zeros([2], { backend });
    const rv = ones([2], { backend });
    const y = batchNorm(x, { runningMean: rm, runningVar: rv, training: true });
    const s0 = Math.sqrt(1.25 + 1e-5);
    const s1 = Math.sqrt(125 + 1e-5);
    assertClose(
      await read(y),
      [-1.5 / s0, -0.5 / s0, -15 / s1, -5 / s1, 0.5 / s0, 1.5 / s0, 5 / s1, 15 / s1],
      { atol, rtol },
    );
    // momentum 0.1: 0.9 * 0 + 0.1 * mean; 0.9 * 1 + 0.1 * (n / (n - 1)) * biased var
    assertClose(await read(rm), [0.25, 2.5], { atol, rtol });
    assertClose(await read(rv), [0.9 + 0.1 * (5 / 3), 0.9 + 0.1 * (500 / 3)], { atol, rtol });
  });
  it('eval: running statistics, weight and bias', async () => {
    const x = tensor(data, { shape: [2, 2, 1, 2], backend });
    const y = batchNorm(x, {
      runningMean: tensor([1, 10], { backend }),
      runningVar: tensor([4, 100], { backend }),
      weight: tensor([2, 3], { backend }),
      bias: tensor([0.5, -1], { backend }),
      eps: 0,
    });
    const a = (v: number) => ((v - 1) / 2) * 2 + 0.5;
    const b = (v: number) => ((v - 10) / 10) * 3 - 1;
    assertClose(await read(y), [a(1), a(2), b(10), b(20), a(3), a(4), b(30), b(40)], { atol, rtol });
  });
  for (const [name, shape] of [
    ['NCHW', [3, 4, 3, 2]],
    ['NC', [5, 3]],
    ['NCL', [2, 3, 4]],
  ] as const) {
    it(`training ${name}: forward and gradients of x, weight, bias match the float64 CPU result`, async () => {
      const C = shape[1];
      const r = await forwardBackwardOn(backend, [shape, [C], [C]], (x, w, b) =>
        batchNorm(x, { weight: w, bias: b, training: true }),
      );
      assertClose(r.out, r.ref, { atol: 1e-4, rtol: 1e-4 });
      for (let i = 0; i < 3; i++) assertClose(r.grads[i], r.refGrads[i], { atol: 1e-4, rtol: 1e-3 });
    });
  }
});

describe('batchNorm gradients (float64 finite differences)', () => {
  it('training mode: through the batch mean and variance (x, weight, bias)', () => {
    const rm = zeros([3], { dtype: 'float64' });
    const rv = ones([3], { dtype: 'float64' });
    expect(
      gradcheck(
        (x, w, b) => batchNorm(x, { runningMean: rm, runningVar: rv, weight: w, bias: b, training: true }),
        [f64([4, 3, 2, 3], 1), f64([3], 2), f64([3], 3)],
      ),
    ).toBe(true);
    expect(gradcheck((x) => batchNorm(x, { training: true }), [f64([6, 3], 4)])).toBe(true);
  });
  it('the batch statistics are not constants: d sum(y) / dx is 0 without affine', () => {
    const x = f64([4, 2, 3, 3], 5);
    batchNorm(x, { training: true }).sum().backward();
    assertClose(x.grad!.dataSync(), new Float64Array(x.size), { atol: 1e-12 });
  });
  it('eval mode (x, weight, bias)', () => {
    const rm = tensor([0.5, -1, 2], { dtype: 'float64' });
    const rv = tensor([2, 0.5, 1], { dtype: 'float64' });
    expect(
      gradcheck(
        (x, w, b) => batchNorm(x, { runningMean: rm, runningVar: rv, weight: w, bias: b }),
        [f64([2, 3, 2, 2], 6), f64([3], 7), f64([3], 8)],
      ),
    ).toBe(true);
  });
});

describe('batchNorm argument errors', () => {
  it('names what is wrong and what is allowed', () => {
    const x = zeros([2, 3, 2, 2]);
    expect(() => batchNorm(zeros([1, 3, 1, 1]), { training: true })).toThrow(
      'batchNorm: expected more than 1 value per channel when training, got input [1, 3, 1, 1]',
    );
    expect(() => batchNorm(x, { weight: zeros([4]), training: true })).toThrow(
      "batchNorm: weight must have shape [3] (the input's channels), got [4]",
    );
    expect(() => batchNorm(x)).toThrow('eval mode (training false) needs runningMean and runningVar');
    expect(() => batchNorm(x, { runningMean: zeros([3]), training: true })).toThrow(
      'give both runningMean and runningVar, or neither',
    );
    expect(() => batchNorm(x, { training: true, momentum: 2 })).toThrow('momentum must be in [0, 1], got 2');
    expect(() => batchNorm(zeros([3]), { training: true })).toThrow('input must be [N, C, ...], got [3]');
    expect(() => batchNorm(x, { training: true, moment: 0.1 } as never)).toThrow(
      "batchNorm: unknown option 'moment'",
    );
  });
});
