import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors.js';
import { backendsUnderTest } from '../test-support/backends.js';
import { f64, randomOn, read } from '../test-support/helpers.js';
import { assertClose, gradcheck } from '../testing/index.js';
import { tensor } from './creation.js';

function refReduce(host: Float64Array, shape: number[], axis: number, f: (xs: number[]) => number): number[] {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const n = shape[axis];
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out: number[] = [];
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const xs: number[] = [];
      for (let k = 0; k < n; k++) xs.push(host[(o * n + k) * inner + i]);
      out.push(f(xs));
    }
  return out;
}
const sumOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe.each(await backendsUnderTest())('reductions on $name', ({ backend, atol, rtol }) => {
  it('sum/mean/max/min/argmax/argmin/var along every axis match a reference', async () => {
    const shape = [3, 4, 5];
    const { t, host } = randomOn(backend, shape, 1);
    for (let axis = 0; axis < 3; axis++) {
      assertClose(await read(t.sum(axis)), refReduce(host, shape, axis, sumOf), { atol: 1e-5, rtol });
      assertClose(
        await read(t.mean(axis)),
        refReduce(host, shape, axis, (xs) => sumOf(xs) / xs.length),
        { atol: 1e-5, rtol },
      );
      assertClose(
        await read(t.amax(axis)),
        refReduce(host, shape, axis, (xs) => Math.max(...xs)),
        { atol, rtol },
      );
      assertClose(
        await read(t.max(axis).values),
        refReduce(host, shape, axis, (xs) => Math.max(...xs)),
        { atol, rtol },
      );
      assertClose(
        await read(t.min({ dim: axis }).values),
        refReduce(host, shape, axis, (xs) => Math.min(...xs)),
        { atol, rtol },
      );
      assertClose(
        await read(t.argmax(axis)),
        refReduce(host, shape, axis, (xs) => xs.indexOf(Math.max(...xs))),
      );
      assertClose(
        await read(t.argmin(axis)),
        refReduce(host, shape, axis, (xs) => xs.indexOf(Math.min(...xs))),
      );
      const variance = (xs: number[]) => {
        const m = sumOf(xs) / xs.length;
        return sumOf(xs.map((x) => (x - m) ** 2)) / (xs.length - 1);
      };
      assertClose(await read(t.var(axis)), refReduce(host, shape, axis, variance), {
        atol: 1e-5,
        rtol: 1e-4,
      });
    }
  });

  it('reduces several axes, keeps dims and handles empty/0-d inputs', async () => {
    const { t, host } = randomOn(backend, [2, 3, 4], 2);
    const s = t.sum([0, 2], true);
    expect(s.shape).toEqual([1, 3, 1]);
    const ref = [0, 1, 2].map((j) => {
      let acc = 0;
      for (let i = 0; i < 2; i++) for (let k = 0; k < 4; k++) acc += host[i * 12 + j * 4 + k];
      return acc;
    });
    assertClose(await read(s), ref, { atol: 1e-5, rtol });
    expect(t.sum().shape).toEqual([]);
    expect(t.argmax().shape).toEqual([]);
    expect(t.mean([-1, -3]).shape).toEqual([3]);
    const empty = tensor(new Float32Array(0), { shape: [0, 3], backend });
    assertClose(await read(empty.sum(0)), [0, 0, 0]);
    expect(() => empty.max(0)).toThrow('max: cannot reduce over dim 0 of size 0');
    expect(() => t.sum(3)).toThrow(ShapeError);
    // errors name the op the caller used (std and var share one implementation)
    expect(() => t.std(3)).toThrow('std: dim 3 is out of range for a tensor of rank 3');
    expect(() => t.var(-4)).toThrow('var: dim -4 is out of range for a tensor of rank 3');
    expect(() => t.var(0, { correction: Number.NaN })).toThrow(
      'var: correction must be a finite number >= 0',
    );
    expect(() => t.std(0, { unbiased: false } as never)).toThrow("std: unknown option 'unbiased'");
    expect(() => t.int().std()).toThrow('std: input must be a float tensor, got int32');
    expect(() => t.argmin(3)).toThrow('argmin: dim 3 is out of range');
    expect(() => t.logSumExp(3)).toThrow('logSumExp: dim 3 is out of range');
    assertClose(await read(tensor(7, { backend }).sum()), [7]);
  });

  it('propagates NaN; argmax picks the first maximum or the NaN', async () => {
    const x = tensor(
      [
        [1, Number.NaN, 3],
        [2, 5, 5],
      ],
      { backend },
    );
    assertClose(await read(x.amax(1)), [Number.NaN, 5]);
    assertClose(await read(x.amin(1)), [Number.NaN, 2]);
    const [values, indices] = x.max(1);
    assertClose(await read(values), [Number.NaN, 5]);
    assertClose(await read(indices), [1, 1]); // torch: NaN wins, then the first maximum
    assertClose(await read(x.min(1).indices), [1, 0]);
    assertClose(await read(x.sum(1)), [Number.NaN, 12]);
    assertClose(await read(x.argmax(1)), [1, 1]);
  });

  it('logSumExp is stable for large values', async () => {
    const x = tensor(
      [
        [1000, 1000],
        [-1000, -1000],
      ],
      { backend },
    );
    assertClose(await read(x.logSumExp(1)), [1000 + Math.log(2), -1000 + Math.log(2)], {
      atol: 1e-3,
      rtol: 1e-6,
    });
    const inf = tensor([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY], { backend });
    assertClose(await read(inf.logSumExp(0)), [Number.NEGATIVE_INFINITY]);
  });
});

describe('reduction gradients (float64)', () => {
  it('sum, mean over axes with keepdim', () => {
    expect(gradcheck((x) => x.sum([0, 2], true).square(), [f64([2, 3, 4], 1)])).toBe(true);
    expect(gradcheck((x) => x.mean(1).square(), [f64([2, 3, 4], 2)])).toBe(true);
  });
  it('max, min, var, std, logSumExp', () => {
    expect(gradcheck((x) => x.amax(1), [f64([3, 5], 3)])).toBe(true);
    expect(gradcheck((x) => x.amin([0, 1]), [f64([3, 5], 4)])).toBe(true);
    expect(gradcheck((x) => x.max(1).values, [f64([3, 5], 8)])).toBe(true);
    expect(gradcheck((x) => x.min(0, true).values, [f64([3, 5], 9)])).toBe(true);
    expect(gradcheck((x) => x.var(0, { correction: 1 }), [f64([4, 3], 5)])).toBe(true);
    expect(gradcheck((x) => x.std(1, { correction: 0, keepdim: true }), [f64([2, 6], 6)])).toBe(true);
    expect(gradcheck((x) => x.logSumExp(1), [f64([3, 4], 7)])).toBe(true);
  });
  it('max shares the gradient equally among ties', () => {
    const x = tensor(
      [
        [1, 3, 3],
        [2, 0, 1],
      ],
      { dtype: 'float64', requiresGrad: true },
    );
    x.amax(1).sum().backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([0, 0.5, 0.5, 1, 0, 0]);
  });
  it('max(x, dim) gives the whole gradient to the chosen (first) maximum, like torch', () => {
    const x = tensor(
      [
        [1, 3, 3],
        [2, 0, 1],
      ],
      { dtype: 'float64', requiresGrad: true },
    );
    const { values, indices } = x.max(1);
    expect(values.shape).toEqual([2]);
    expect(Array.from(indices.dataSync())).toEqual([1, 0]);
    values
      .mul(tensor([2, 5], { dtype: 'float64' }))
      .sum()
      .backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([0, 2, 0, 5, 0, 0]);
  });
  it('max/min: all elements, a tensor operand (maximum) and errors for several dims', () => {
    const x = tensor([
      [1, 4],
      [3, 2],
    ]);
    expect(Array.from(x.max().dataSync())).toEqual([4]);
    expect(Array.from(x.max(tensor([2])).dataSync())).toEqual([2, 4, 3, 2]);
    expect(x.max(1, true).values.shape).toEqual([2, 1]);
    expect(() => x.max([0, 1] as never)).toThrow('max: dim must be a single integer');
    expect(() => x.sum({ dims: 1 } as never)).toThrow("sum: unknown option 'dims'");
    expect(Array.from(x.sum({ dim: 1, keepdim: true }).dataSync())).toEqual([5, 5]);
    expect(x.sum({ dim: 1, keepdim: true }).shape).toEqual([2, 1]);
    expect(Array.from(x.var({ dim: 0, correction: 0 }).dataSync())).toEqual([1, 1]);
  });
});
