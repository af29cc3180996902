import { describe, expect, it } from 'vitest';
import { tensor } from '../ops/creation.js';
import { f64 } from '../test-support/helpers.js';
import { assertClose, gradcheck, seededUniform } from './index.js';

describe('gradcheck', () => {
  it('accepts a correct gradient and passes non-differentiable inputs through', () => {
    const idx = tensor([1, 0], { dtype: 'int32' });
    expect(gradcheck((x, i) => x.square().mul(i.float().cast('float64')), [f64([2], 1), idx])).toBe(true);
  });
  it('catches a wrong gradient and says where', () => {
    // x * detach(x) has autograd gradient x, but the true derivative is 2x
    expect(() => gradcheck((x) => x.mul(x.detach()), [f64([3], 2)])).toThrow(
      /gradcheck: input 0 \(shape \[3\]\) element 0: analytic/,
    );
  });
  it('rejects float32 inputs and inputs without grad', () => {
    expect(() => gradcheck((x) => x, [tensor([1], { requiresGrad: true })])).toThrow('must be float64');
    expect(() => gradcheck((x) => x, [tensor([1], { dtype: 'float64' })])).toThrow('no input requires grad');
  });
});

describe('assertClose', () => {
  it('compares within atol + rtol * |expected|, NaN with NaN, infinities exactly', () => {
    assertClose(tensor([1, Number.NaN, Number.POSITIVE_INFINITY]), [
      1 + 1e-7,
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ]);
    assertClose([[1, 2]], new Float64Array([1, 2.0001]), { atol: 0, rtol: 1e-4 });
    expect(() => assertClose([1], [1.1])).toThrow('assertClose: element 0: got 1, expected 1.1');
    expect(() => assertClose([Number.NaN], [1])).toThrow();
    expect(() => assertClose([1, 2], [1])).toThrow('2 elements but expected 1');
    expect(() => assertClose(tensor([[1, 2]]), tensor([1, 2]))).toThrow(
      'shape [1, 2] differs from expected [2]',
    );
  });
});

describe('seededUniform', () => {
  it('repeats its sequence for a seed, stays in [0, 1), and differs between seeds', () => {
    const take = (seed: number) => {
      const r = seededUniform(seed);
      return Array.from({ length: 1000 }, () => r());
    };
    const a = take(7);
    expect(take(7)).toEqual(a);
    expect(a.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(take(8)).not.toEqual(a);
    // roughly uniform: the mean of 1000 draws is within 5 standard errors of 1/2
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / a.length));
  });
});
