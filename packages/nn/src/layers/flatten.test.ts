import { arange } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { Flatten } from './flatten';

describe('Flatten', () => {
  it('flattens from dim 1 by default, row-major', async () => {
    const x = arange(24).reshape([2, 3, 2, 2]);
    const y = new Flatten().call(x);
    expect(y.shape).toEqual([2, 12]);
    expect(Array.from(await y.data())).toEqual(Array.from(await x.data()));
    expect(new Flatten({ startDim: 0, endDim: 1 }).call(x).shape).toEqual([6, 2, 2]);
    expect(new Flatten({ startDim: -2 }).call(x).shape).toEqual([2, 3, 4]);
  });

  it('errors', () => {
    expect(() => new Flatten({ startDim: 3, endDim: 1 }).call(arange(24).reshape([2, 3, 4]))).toThrow(
      /cannot flatten dims 3..1 of a rank-3 input/,
    );
    expect(() => new Flatten({ start: 1 } as never)).toThrow(/unknown option 'start'/);
  });
});
