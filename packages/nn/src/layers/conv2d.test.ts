import { Generator, randn } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { expectAllClose, naiveConv2d } from '../reference.test-helper';
import { Conv2d } from './conv2d';

describe('Conv2d', () => {
  it('matches a naive float64 convolution (stride, padding, dilation, groups, bias)', async () => {
    const g = new Generator(1);
    const conv = new Conv2d({
      inChannels: 4,
      outChannels: 6,
      kernelSize: [3, 2],
      stride: [2, 1],
      padding: [1, 2],
      dilation: [1, 2],
      groups: 2,
      generator: g,
    });
    const x = randn([2, 4, 7, 6], { generator: g });
    const y = conv.call(x);
    const ref = naiveConv2d(
      await x.data(),
      [2, 4, 7, 6],
      await conv.weight.data(),
      [6, 2, 3, 2],
      await conv.bias!.data(),
      {
        stride: [2, 1],
        padding: [1, 2],
        dilation: [1, 2],
        groups: 2,
      },
    );
    expect(y.shape).toEqual(ref.shape);
    expectAllClose(await y.data(), ref.data, 1e-5);
  });

  it('default init is U(±1/sqrt(fanIn)) for weight and bias; shapes are OIHW', async () => {
    const conv = new Conv2d({ inChannels: 8, outChannels: 64, kernelSize: 3, generator: new Generator(2) });
    expect(conv.weight.shape).toEqual([64, 8, 3, 3]);
    expect(conv.bias!.shape).toEqual([64]);
    const bound = 1 / Math.sqrt(72);
    const w = Array.from(await conv.weight.data());
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    // uniform on ±bound has std bound/sqrt(3); 4608 draws: 5 standard errors ≈ 5 · 0.745/sqrt(4608) relative
    const std = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
    expect(Math.abs(std / (bound / Math.sqrt(3)) - 1)).toBeLessThan((5 * Math.sqrt(0.8 / 4608)) / 2);
    expect(Math.max(...Array.from(await conv.bias!.data()).map(Math.abs))).toBeLessThanOrEqual(bound);
  });

  it('exposes a resolved spec and prints like PyTorch', () => {
    const conv = new Conv2d({
      inChannels: 3,
      outChannels: 96,
      kernelSize: 7,
      stride: 2,
      padding: 3,
      bias: false,
    });
    expect(conv.spec).toEqual({
      type: 'conv2d',
      inChannels: 3,
      outChannels: 96,
      kernelSize: [7, 7],
      stride: [2, 2],
      padding: [3, 3],
      dilation: [1, 1],
      groups: 1,
      bias: false,
    });
    expect(conv.bias).toBeNull();
    expect(conv.toString()).toBe(
      'Conv2d(3, 96, kernelSize=[7, 7], stride=[2, 2], padding=[3, 3], bias=false)',
    );
    expect(conv.namedParameters().map(([n]) => n)).toEqual(['weight']);
  });

  it('rejects bad options and inputs with clear errors', () => {
    expect(() => new Conv2d({ inChannels: 3, outChannels: 4, kernelsize: 3 } as never)).toThrow(
      /Conv2d: unknown option 'kernelsize'/,
    );
    expect(() => new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 0 })).toThrow(
      /kernelSize must be an integer >= 1, got 0/,
    );
    expect(() => new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, groups: 2 })).toThrow(
      /divisible by groups 2/,
    );
    expect(() => new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: -1 })).toThrow(
      /padding must be an integer >= 0/,
    );
    const conv = new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3 });
    expect(() => conv.call(randn([1, 2, 8, 8]))).toThrow(
      /Conv2d \(conv2d\): expects 3 input channels but got 2 \(input \[1, 2, 8, 8\]\)/,
    );
    expect(() => conv.call(randn([3, 8, 8]))).toThrow(/expects a 4-D NCHW input/);
    expect(() => conv.call(randn([1, 3, 2, 2]))).toThrow(/the 2x2 map is smaller than the 3x3 kernel/);
  });
});
