import { Generator, randn } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { expectAllClose, naivePool, windows } from '../reference.test-helper';
import { MaxPool2d } from './max-pool2d';

describe('MaxPool2d', () => {
  it('matches naive max pooling (pool1 of the 14-layer model: 3x3 /3; with padding)', async () => {
    const x = randn([2, 3, 11, 9], { generator: new Generator(1) });
    const xd = await x.data();
    const p1 = new MaxPool2d({ kernelSize: 3, stride: 3 });
    const y1 = p1.call(x);
    expect(y1.shape).toEqual([2, 3, 3, 3]);
    expectAllClose(
      await y1.data(),
      naivePool(xd, [2, 3, 11, 9], windows(11, 3, 3, 0), windows(9, 3, 3, 0), 'max'),
    );
    const p2 = new MaxPool2d({ kernelSize: [3, 2], stride: [2, 1], padding: [1, 1] });
    const y2 = p2.call(x);
    expectAllClose(
      await y2.data(),
      naivePool(xd, [2, 3, 11, 9], windows(11, 3, 2, 1), windows(9, 2, 1, 1), 'max'),
    );
  });

  it('ceil mode and stride default; spec and toString', () => {
    const p = new MaxPool2d({ kernelSize: 2, ceilMode: true });
    expect(p.call(randn([1, 1, 5, 5])).shape).toEqual([1, 1, 3, 3]);
    expect(p.spec).toEqual({
      type: 'maxPool2d',
      kernelSize: [2, 2],
      stride: [2, 2],
      padding: [0, 0],
      dilation: [1, 1],
      ceilMode: true,
    });
    expect(p.toString()).toBe('MaxPool2d(kernelSize=[2, 2], stride=[2, 2], padding=[0, 0], ceilMode=true)');
  });

  it('rejects bad options and inputs', () => {
    expect(() => new MaxPool2d({ kernelSize: 2, padding: 2 })).toThrow(
      /padding 2 must be at most half the kernel size 2/,
    );
    expect(() => new MaxPool2d({ kernel_size: 2 } as never)).toThrow(/unknown option 'kernel_size'/);
    expect(() => new MaxPool2d({ kernelSize: 4 }).call(randn([1, 1, 3, 3]))).toThrow(
      /the 3x3 map is smaller than the 4x4 window/,
    );
  });
});
