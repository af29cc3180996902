import { describe, expect, it } from 'vitest';
import { DTypeError } from '../errors.js';
import { backendsUnderTest } from '../test-support/backends.js';
import { f64, randomOn, read } from '../test-support/helpers.js';
import { assertClose, gradcheck } from '../testing/index.js';
import { tensor, zeros } from './creation.js';
import { crossEntropy } from './loss.js';

function refCE(x: Float64Array, t: number[], C: number, eps = 0): number[] {
  return t.map((k, n) => {
    const row = Array.from(x.subarray(n * C, n * C + C));
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    const ls = row.map((v) => v - lse);
    return -(1 - eps) * ls[k] - (eps * ls.reduce((a, b) => a + b, 0)) / C;
  });
}

describe.each(await backendsUnderTest())('crossEntropy on $name', ({ backend, atol, rtol }) => {
  it('matches the definition for every reduction and with label smoothing', async () => {
    const x = randomOn(backend, [4, 5], 1);
    const t = [0, 4, 2, 2];
    const target = tensor(t, { dtype: 'int32', backend });
    const ref = refCE(x.host, t, 5);
    assertClose(await read(crossEntropy(x.t, target, { reduction: 'none' })), ref, { atol: 1e-5, rtol });
    assertClose(await read(crossEntropy(x.t, target, { reduction: 'sum' })), [ref.reduce((a, b) => a + b)], {
      atol: 1e-5,
      rtol,
    });
    assertClose(await read(crossEntropy(x.t, target)), [ref.reduce((a, b) => a + b) / 4], {
      atol: 1e-5,
      rtol,
    });
    const sm = refCE(x.host, t, 5, 0.1);
    assertClose(
      await read(crossEntropy(x.t, target, { labelSmoothing: 0.1 })),
      [sm.reduce((a, b) => a + b) / 4],
      { atol: 1e-5, rtol },
    );
  });
  it('is stable for huge logits', async () => {
    const x = tensor(
      [
        [1e4, 0],
        [0, -1e4],
      ],
      { backend },
    );
    const l = crossEntropy(x, tensor([1, 0], { dtype: 'int32', backend }), { reduction: 'none' });
    assertClose(await read(l), [1e4, 0], { atol: 1e-3, rtol: 1e-5 });
    expect(Number.isFinite(atol)).toBe(true);
  });
  it('validates its arguments', () => {
    const x = zeros([2, 3], { backend });
    expect(() => crossEntropy(x, tensor([0, 1], { backend }))).toThrow(DTypeError);
    expect(() =>
      crossEntropy(x, tensor([0, 1], { dtype: 'int32', backend }), { label_smoothing: 0.1 } as never),
    ).toThrow("crossEntropy: unknown option 'label_smoothing'");
    expect(() => crossEntropy(x, tensor([0, 1, 2], { dtype: 'int32', backend }))).toThrow(
      'crossEntropy: target must have shape [2], got [3]',
    );
    expect(() =>
      crossEntropy(zeros([2, 3, 4], { backend }), tensor([0, 1], { dtype: 'int32', backend })),
    ).toThrow('crossEntropy: target must have shape [2, 4], got [2] (logits [2, 3, 4])');
    if (backend.readSync)
      expect(() => crossEntropy(x, tensor([0, 3], { dtype: 'int32', backend }))).toThrow(
        'crossEntropy: target[1] = 3 is out of range for 3 classes (logits [2, 3])',
      );
    if (backend.readSync)
      expect(() => crossEntropy(x, tensor([-1, 0], { dtype: 'int32', backend }))).toThrow(
        'crossEntropy: target[0] = -1 is out of range',
      );
  });
});

describe('crossEntropy gradients (float64)', () => {
  const target = tensor([1, 0, 3], { dtype: 'int32' });
  it('mean, sum, none', () => {
    expect(gradcheck((x) => crossEntropy(x, target), [f64([3, 4], 1)])).toBe(true);
    expect(gradcheck((x) => crossEntropy(x, target, { reduction: 'sum' }), [f64([3, 4], 2)])).toBe(true);
    expect(gradcheck((x) => crossEntropy(x, target, { reduction: 'none' }), [f64([3, 4], 3)])).toBe(true);
  });
  it('with label smoothing', () => {
    expect(gradcheck((x) => crossEntropy(x, target, { labelSmoothing: 0.2 }), [f64([3, 4], 4)])).toBe(true);
  });
  it('equals softmax - onehot divided by N', () => {
    const x = tensor([[1, 2, 3]], { dtype: 'float64', requiresGrad: true });
    crossEntropy(x, tensor([2], { dtype: 'int32' })).backward();
    const e = [1, 2, 3].map(Math.exp);
    const s = e.reduce((a, b) => a + b);
    assertClose(x.grad!, [e[0] / s, e[1] / s, e[2] / s - 1], { atol: 1e-12 });
  });
});
