import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors.js';
import { backendsUnderTest } from '../test-support/backends.js';
import { f64, randomOn, read } from '../test-support/helpers.js';
import { assertClose, gradcheck } from '../testing/index.js';
import { logSoftmax, prelu, softmax } from './activation.js';
import { full, tensor } from './creation.js';

describe.each(await backendsUnderTest())('activations on $name', ({ backend, atol, rtol }) => {
  it('prelu channel-wise on axis 1 and shared', async () => {
    const x = randomOn(backend, [2, 3, 2, 2], 1);
    const a = [0.1, 0.25, -0.5];
    const y = prelu(x.t, tensor(a, { backend }));
    const ref = Array.from(x.host, (v, i) => (v > 0 ? v : a[Math.floor(i / 4) % 3] * v));
    assertClose(await read(y), ref, { atol, rtol });
    const s = prelu(x.t, tensor([0.25], { backend }));
    assertClose(
      await read(s),
      Array.from(x.host, (v) => (v > 0 ? v : 0.25 * v)),
      { atol, rtol },
    );
    const v = prelu(tensor([-1, 2, -3], { backend }), tensor([0.1, 0.2, 0.3], { backend }));
    assertClose(await read(v), [-0.1, 2, -0.9], { atol, rtol });
    expect(() => prelu(x.t, tensor([1, 2], { backend }))).toThrow(
      'prelu: input has 3 channels (dim 1) but weight has 2',
    );
    expect(() => prelu(x.t, full([3, 1], 0.1, { backend }))).toThrow(ShapeError);
  });

  it('softmax and logSoftmax along any axis, stable for large inputs', async () => {
    const x = randomOn(backend, [3, 4], 2);
    const rows = [0, 1, 2].map((r) => Array.from(x.host.subarray(r * 4, r * 4 + 4)));
    const refSoft = rows.flatMap((r) => {
      const m = Math.max(...r);
      const e = r.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    });
    assertClose(await read(softmax(x.t, 1)), refSoft, { atol, rtol });
    assertClose(await read(logSoftmax(x.t)), refSoft.map(Math.log), { atol: 1e-5, rtol });
    const cols = await read(softmax(x.t, 0));
    for (let j = 0; j < 4; j++) expect(cols[j] + cols[4 + j] + cols[8 + j]).toBeCloseTo(1, 5);
    const big = tensor([[1000, 0, -1000]], { backend });
    assertClose(await read(logSoftmax(big, 1)), [0, -1000, -2000], { atol: 1e-3 });
    expect(() => softmax(x.t, 2)).toThrow('softmax: dim 2 is out of range for a tensor of rank 2');
    expect(() => softmax(tensor([1], { backend, dtype: 'int32' }))).toThrow(
      'softmax: input must be a float tensor, got int32',
    );
    expect(() => logSoftmax(x.t, -3)).toThrow('logSoftmax: dim -3 is out of range');
  });
});

describe('activation gradients (float64)', () => {
  it('prelu channel-wise [C] on axis 1', () => {
    expect(gradcheck(prelu, [f64([2, 3, 2, 2], 1), f64([3], 2, 0.3)])).toBe(true);
  });
  it('prelu shared [1]', () => {
    expect(gradcheck(prelu, [f64([2, 3, 2], 3), f64([1], 4, 0.3)])).toBe(true);
  });
  it('prelu on a 1-D input and a 2-D [N,C] input', () => {
    expect(gradcheck(prelu, [f64([4], 5), f64([4], 6)])).toBe(true);
    expect(gradcheck(prelu, [f64([3, 4], 7), f64([4], 8)])).toBe(true);
  });
  it('softmax and logSoftmax', () => {
    expect(gradcheck((x) => softmax(x, 1), [f64([2, 5], 9)])).toBe(true);
    expect(gradcheck((x) => logSoftmax(x, 0), [f64([4, 3], 10)])).toBe(true);
    expect(gradcheck((x) => logSoftmax(x.permute([1, 0, 2]), 2), [f64([2, 3, 4], 11)])).toBe(true);
  });
  it('prelu at y = 0: input gradient is a, slope gradient is 0 (He et al. 2015 Eq. 2-3)', () => {
    const x = tensor([[0, -2, 3]], { dtype: 'float64', requiresGrad: true });
    const a = tensor([0.25], { dtype: 'float64', requiresGrad: true });
    prelu(x, a).sum().backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([0.25, 0.25, 1]);
    expect(Array.from(a.grad!.dataSync())).toEqual([-2]); // sum of y over y <= 0; the y = 0 term adds 0
    // channel-wise: channel 0 sits exactly at 0, channel 1 is negative
    const xc = tensor([[[0], [-1]]], { dtype: 'float64', requiresGrad: true }); // [1,2,1]
    const ac = tensor([0.5, 0.1], { dtype: 'float64', requiresGrad: true });
    prelu(xc, ac).sum().backward();
    expect(Array.from(xc.grad!.dataSync())).toEqual([0.5, 0.1]);
    expect(Array.from(ac.grad!.dataSync())).toEqual([0, -1]);
  });
});
