// Identity, Add and Concat: forward against plain float64 loops, gradients by float64 finite
// differences (gradcheck), shape inference and errors through the registry.
import { Generator, randn, type Tensor } from '@rectifier/tensor';
import { gradcheck } from '@rectifier/tensor/testing';
import { describe, expect, it } from 'vitest';
import { buildLayer } from '../build';
import { inferLayer } from '../spec';
import { Add } from './add';
import { Concat } from './concat';
import { Identity } from './identity';

const f64 = (shape: number[], seed: number) =>
  randn(shape, { generator: new Generator(seed), dtype: 'float64' }).requiresGrad_(true);

/** Row-major index of `idx` in `shape`, with size-1 dims broadcast. */
function at(data: ArrayLike<number>, shape: readonly number[], idx: readonly number[]): number {
  let off = 0;
  const lead = idx.length - shape.length;
  for (let i = 0; i < shape.length; i++) off = off * shape[i] + (shape[i] === 1 ? 0 : idx[lead + i]);
  return data[off];
}

function* indices(shape: readonly number[]): Iterable<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  for (let k = 0; k < n; k++) {
    const idx: number[] = [];
    let r = k;
    for (let i = shape.length - 1; i >= 0; i--) {
      idx.unshift(r % shape[i]);
      r = Math.floor(r / shape[i]);
    }
    yield idx;
  }
}

describe('Identity', () => {
  it('returns its input (the same tensor) and passes shapes through', () => {
    const x = f64([2, 3], 1);
    expect(new Identity().call(x)).toBe(x);
    expect(inferLayer({ type: 'identity' }, [2, 3]).outputShape).toEqual([2, 3]);
    expect(buildLayer({ type: 'identity' })).toBeInstanceOf(Identity);
    expect(new Identity().toString()).toBe('Identity()');
  });
});

describe('Add', () => {
  it('sums any number of inputs with broadcasting, exactly as float64 loops do', async () => {
    const a = f64([2, 3, 4, 4], 2);
    const b = f64([1, 3, 1, 1], 3);
    const c = f64([4], 4);
    const y = new Add().call(a, b, c);
    expect(y.shape).toEqual([2, 3, 4, 4]);
    const [da, db, dc, dy] = await Promise.all([a.data(), b.data(), c.data(), y.data()]);
    let k = 0;
    for (const idx of indices([2, 3, 4, 4])) {
      expect(dy[k++]).toBe(at(da, a.shape, idx) + at(db, b.shape, idx) + at(dc, c.shape, idx));
    }
  });

  it('gradients reach every input (summed over broadcast axes): float64 finite differences', () => {
    const add = new Add();
    expect(
      gradcheck(
        (x, s, t) => add.call(x, s, t),
        [f64([2, 3, 2, 2], 5), f64([1, 3, 1, 1], 6), f64([2, 3, 2, 2], 7)],
      ),
    ).toBe(true);
  });

  it('one input is returned as is; shapes that do not broadcast are named', () => {
    const x = f64([2, 2], 8);
    expect(new Add().call(x)).toBe(x);
    expect(() => new Add().call(f64([2, 3], 1), f64([2, 4], 2))).toThrow(
      /Add \(add\): input shapes do not broadcast \(input \[2, 3\], \[2, 4\]\)/,
    );
    expect(
      inferLayer({ type: 'add' }, [
        [1, 8, 5, 5],
        [1, 8, 5, 5],
      ]),
    ).toEqual({
      outputShape: [1, 8, 5, 5],
      parameters: 0,
      multiplyAdds: 0,
    });
  });
});

describe('Concat', () => {
  it('joins along channels by default, and along any dim, exactly as float64 loops do', async () => {
    const a = f64([2, 3, 2, 2], 9);
    const b = f64([2, 1, 2, 2], 10);
    const y = new Concat().call(a, b);
    expect(y.shape).toEqual([2, 4, 2, 2]);
    const [da, db, dy] = await Promise.all([a.data(), b.data(), y.data()]);
    let k = 0;
    for (const [n, c, h, w] of indices([2, 4, 2, 2])) {
      expect(dy[k++]).toBe(c < 3 ? at(da, a.shape, [n, c, h, w]) : at(db, b.shape, [n, c - 3, h, w]));
    }
    expect(new Concat({ dim: -1 }).call(f64([2, 3], 1), f64([2, 5], 2)).shape).toEqual([2, 8]);
  });

  it('gradients split back to each input: float64 finite differences', () => {
    const cat = new Concat();
    expect(gradcheck((x, z) => cat.call(x, z).square(), [f64([2, 2, 3, 1], 11), f64([2, 3, 3, 1], 12)])).toBe(
      true,
    );
  });

  it('spec, rebuild, inference and errors', () => {
    const c = new Concat({ dim: 2 });
    expect(c.spec).toEqual({ type: 'concat', dim: 2 });
    expect(buildLayer(c.spec).toString()).toBe('Concat(dim=2)');
    expect(
      inferLayer(c.spec, [
        [1, 2, 3],
        [1, 2, 4],
      ]).outputShape,
    ).toEqual([1, 2, 7]);
    expect(() =>
      inferLayer({ type: 'concat', dim: 1 }, [
        [1, 2, 3, 3],
        [1, 2, 4, 4],
      ]),
    ).toThrow(/concat \(concat\): inputs must match in every dim but 1/);
    expect(() => new Concat({ dim: 3 }).call(f64([2, 2], 1) as Tensor)).toThrow(/dim 3 is out of range/);
    expect(() => new Concat({ axis: 1 } as never)).toThrow(/unknown option 'axis'/);
  });
});
