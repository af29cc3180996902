import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors.js';
import { backendsUnderTest } from '../test-support/backends.js';
import { f64, read } from '../test-support/helpers.js';
import { assertClose, gradcheck } from '../testing/index.js';
import { arange, tensor } from './creation.js';
import { mul } from './elementwise.js';
import * as v from './views.js';

describe.each(await backendsUnderTest())('views on $name', ({ backend }) => {
  const base = () => arange(24, undefined, 1, { backend }).reshape([2, 3, 4]);

  it('share storage and do not copy', () => {
    const x = base();
    const p = x.permute([2, 0, 1]);
    expect(p.storage).toBe(x.storage);
    expect(p.shape).toEqual([4, 2, 3]);
    expect(p.strides).toEqual([1, 12, 4]);
    expect(p.isContiguous()).toBe(false);
    expect(x.slice(2, 1, 4, 2).storage).toBe(x.storage);
    expect(x.unsqueeze(1).squeeze(1).storage).toBe(x.storage);
  });

  it('give the right values for views of views', async () => {
    const x = base();
    // x[1, :, 1::2] transposed, then narrowed
    const y = x.narrow(0, 1, 1).slice(2, 1, undefined, 2).transpose(1, 2).narrow(2, 1, 2);
    expect(y.shape).toEqual([1, 2, 2]);
    assertClose(await read(y), [17, 21, 19, 23]);
    assertClose(await read(y.contiguous().reshape([4])), [17, 21, 19, 23]);
    assertClose(await read(x.flatten(1).T.narrow(0, 0, 2)), [0, 12, 1, 13]);
    const e = tensor([1, 2, 3], { backend }).reshape([3, 1]).expand([-1, 2]).transpose(0, 1);
    assertClose(await read(e), [1, 2, 3, 1, 2, 3]);
    assertClose(await read(mul(e, 2)), [2, 4, 6, 2, 4, 6]);
  });

  it('reshape copies only when the layout cannot be viewed', async () => {
    const x = base();
    const t = x.transpose(0, 2); // [4,3,2]
    expect(() => t.view([24])).toThrow(ShapeError);
    const r = t.reshape([24]);
    expect(r.storage).not.toBe(x.storage);
    assertClose(await read(r.narrow(0, 0, 4)), [0, 12, 4, 16]);
    expect(x.reshape([6, -1]).storage).toBe(x.storage);
    expect(x.flatten(1).shape).toEqual([2, 12]);
  });

  it('handle negative dims, 0-size and 0-d tensors', async () => {
    const x = base();
    expect(x.unsqueeze(-1).shape).toEqual([2, 3, 4, 1]);
    expect(x.slice(-1, -2).shape).toEqual([2, 3, 2]);
    expect(x.narrow(1, 3, 0).shape).toEqual([2, 0, 4]);
    expect(x.slice(0, 5, 9).shape).toEqual([0, 3, 4]);
    const s = tensor(5, { backend });
    expect(s.reshape([1, 1]).shape).toEqual([1, 1]);
    expect(s.unsqueeze(0).shape).toEqual([1]);
    expect(() => x.permute([0, 1])).toThrow('permute: dims [0, 1] must list 3 dims');
    expect(() => x.narrow(1, 2, 2)).toThrow('narrow: start 2 and length 2 are out of range');
    expect(() => x.expand([3, 3, 4])).toThrow('expand: cannot expand [2, 3, 4] to [3, 3, 4]');
    expect(() => x.transpose(0, 3)).toThrow('transpose: d1 3 is out of range');
    expect(() => x.reshape([Number.NaN, 4])).toThrow('reshape: invalid size NaN in [NaN, 4]');
    expect(() => x.expand([2, 3, Number.POSITIVE_INFINITY])).toThrow('expand: invalid size Infinity');
    // non-integer bounds would give a NaN or fractional shape/offset: rejected up front
    expect(() => x.slice(0, Number.NaN, 1)).toThrow(
      'slice: start must be an integer, got NaN (dim 0 of shape [2, 3, 4])',
    );
    expect(() => x.slice(2, 0, 1.5)).toThrow('slice: end must be an integer, got 1.5');
    expect(x.slice(1, 1, Number.POSITIVE_INFINITY).shape).toEqual([2, 2, 4]);
  });
});

describe('view gradients (float64)', () => {
  it('reshape/permute/slice/narrow/expand/squeeze compose', () => {
    expect(
      gradcheck(
        (x) =>
          x
            .permute([1, 0, 2])
            .slice(2, 1, 4, 2)
            .reshape([3, -1])
            .unsqueeze(0)
            .expand([2, 3, 4])
            .squeeze()
            .mul(x.narrow(0, 0, 1).sum()),
        [f64([2, 3, 4], 1)],
      ),
    ).toBe(true);
  });
  it('broadcastTo and flatten', () => {
    expect(gradcheck((x) => x.broadcastTo([3, 2, 2]).flatten().square(), [f64([2, 1], 2)])).toBe(true);
  });
  it('view, transpose, unsqueeze and squeeze as functions', () => {
    expect(
      gradcheck(
        (x) =>
          v.squeeze(v.unsqueeze(v.transpose(v.view(x, [3, 2, 2]), 0, 2), 1), 1).mul(x.reshape([2, 2, 3])),
        [f64([12], 4)],
      ),
    ).toBe(true);
  });
  it('contiguous of a transposed view', () => {
    expect(gradcheck((x) => x.T.contiguous().mul(v.transpose(x, 0, 1)), [f64([3, 2], 3)])).toBe(true);
  });
});
