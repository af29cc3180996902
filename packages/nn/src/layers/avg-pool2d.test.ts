import { Generator, randn } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { expectAllClose, naivePool, windows } from '../reference.test-helper';
import { AvgPool2d } from './avg-pool2d';

describe('AvgPool2d', () => {
  it('matches naive average pooling, counting the padding by default', async () => {
    const x = randn([1, 2, 6, 7], { generator: new Generator(2) });
    const xd = await x.data();
    const rows = windows(6, 3, 2, 1);
    const cols = windows(7, 3, 2, 1);
    const incl = new AvgPool2d({ kernelSize: 3, stride: 2, padding: 1 }).call(x);
    expectAllClose(
      await incl.data(),
      naivePool(xd, [1, 2, 6, 7], rows, cols, 'avg', () => 9),
    );
    const excl = new AvgPool2d({ kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }).call(x);
    expectAllClose(await excl.data(), naivePool(xd, [1, 2, 6, 7], rows, cols, 'avg'));
  });

  it('spec, toString and errors', () => {
    const p = new AvgPool2d({ kernelSize: 2 });
    expect(p.spec).toEqual({
      type: 'avgPool2d',
      kernelSize: [2, 2],
      stride: [2, 2],
      padding: [0, 0],
      ceilMode: false,
      countIncludePad: true,
    });
    expect(p.toString()).toBe(
      'AvgPool2d(kernelSize=[2, 2], stride=[2, 2], padding=[0, 0], ceilMode=false, countIncludePad=true)',
    );
    expect(
      new AvgPool2d({
        kernelSize: 3,
        stride: 2,
        padding: 1,
        ceilMode: true,
        countIncludePad: false,
      }).toString(),
    ).toBe(
      'AvgPool2d(kernelSize=[3, 3], stride=[2, 2], padding=[1, 1], ceilMode=true, countIncludePad=false)',
    );
    expect(() => new AvgPool2d({ kernelSize: 2, divisorOverride: 3 } as never)).toThrow(
      /unknown option 'divisorOverride'/,
    );
    expect(() => p.call(randn([2, 4]))).toThrow(/expects a 4-D NCHW input/);
  });
});
