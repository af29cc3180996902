import { arange, interpolate, pad, randn } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { buildLayer } from '../build';
import { Sequential } from '../sequential';
import { summary } from '../summary';
import { Conv2d } from './conv2d';
import { ConstantPad2d, ReflectionPad2d, ReplicationPad2d, ZeroPad2d } from './pad2d';
import { Upsample } from './upsample';

describe('padding layers', () => {
  it("are F.pad on the last two dims, with PyTorch's class names", () => {
    const x = arange(1, 7).reshape([1, 1, 2, 3]);
    // ReflectionPad2d(1) on [[1, 2, 3], [4, 5, 6]] (torch's output)
    expect(Array.from(new ReflectionPad2d({ padding: 1 }).call(x).dataSync())).toEqual([
      ...[5, 4, 5, 6, 5],
      ...[2, 1, 2, 3, 2],
      ...[5, 4, 5, 6, 5],
      ...[2, 1, 2, 3, 2],
    ]);
    const y = randn([2, 3, 4, 5]);
    for (const [layer, mode, value] of [
      [new ZeroPad2d({ padding: [1, 0, 2, 1] }), 'constant', 0],
      [new ConstantPad2d({ padding: [1, -1, 0, 2], value: 0.5 }), 'constant', 0.5],
      [new ReplicationPad2d({ padding: 2 }), 'replicate', 0],
    ] as const) {
      const p = layer.padding;
      expect(Array.from(layer.call(y).dataSync())).toEqual(Array.from(pad(y, p, mode, value).dataSync()));
      const rebuilt = buildLayer(JSON.parse(JSON.stringify(layer.spec)));
      expect(rebuilt.typeName).toBe(layer.typeName);
      expect((rebuilt as typeof layer).spec).toEqual(layer.spec);
    }
    expect(new ConstantPad2d({ padding: 1, value: 2 }).toString()).toBe(
      'ConstantPad2d(padding=[1, 1, 1, 1], value=2)',
    );
  });

  it('infer shapes for summary and refuse what does not fit, in one line', () => {
    const net = new Sequential(
      new ReflectionPad2d({ padding: 3 }),
      new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 7 }),
      new Upsample({ scaleFactor: 2, mode: 'bilinear' }),
      new ZeroPad2d({ padding: [0, 1, 0, 1] }),
    );
    const s = summary(net, [2, 3, 10, 12]);
    expect(s.rows.map((r) => r.outputShape)).toEqual([
      [2, 3, 16, 18],
      [2, 4, 10, 12],
      [2, 4, 20, 24],
      [2, 4, 21, 25],
    ]);
    expect(s.rows.map((r) => r.multiplyAdds)).toEqual([0, 2 * 4 * 10 * 12 * 3 * 49, 0, 0]);
    expect(() => summary(new Sequential(new ReflectionPad2d({ padding: 4 })), [1, 3, 4, 8])).toThrow(
      '0 (pad2d): reflect padding [4, 4, 4, 4] must be smaller than the 4x8 map (input [1, 3, 4, 8])',
    );
    expect(() => new ReflectionPad2d({ padding: -1 })).toThrow(
      'ReflectionPad2d: padding[0] must be an integer >= 0',
    );
    expect(() => new ZeroPad2d({ padding: [1, 2] as never })).toThrow(
      'ZeroPad2d: padding must be an integer or [left, right, top, bottom], got [1, 2]',
    );
    expect(() => new ZeroPad2d({ padding: 1, value: 2 } as never)).toThrow(
      "ZeroPad2d: unknown option 'value'",
    );
  });
});

describe('Upsample', () => {
  it('is interpolate with a fixed size or scale factor', () => {
    const x = randn([2, 3, 5, 4]);
    const cases = [
      [new Upsample({ scaleFactor: 2 }), { scaleFactor: [2, 2] as [number, number] }],
      [
        new Upsample({ size: [7, 9], mode: 'bilinear' }),
        { size: [7, 9], mode: 'bilinear', alignCorners: false },
      ],
      [
        new Upsample({ scaleFactor: [1.5, 0.5], mode: 'bilinear', alignCorners: true }),
        { scaleFactor: [1.5, 0.5], mode: 'bilinear', alignCorners: true },
      ],
    ] as const;
    for (const [layer, o] of cases) {
      expect(Array.from(layer.call(x).dataSync())).toEqual(Array.from(interpolate(x, o as never).dataSync()));
      const rebuilt = buildLayer(JSON.parse(JSON.stringify(layer.spec))) as Upsample;
      expect(rebuilt.spec).toEqual(layer.spec);
      expect(summary(new Sequential(layer), [2, 3, 5, 4]).outputShape).toEqual(layer.call(x).shape);
    }
    expect(() => new Upsample({ scaleFactor: 2, alignCorners: true })).toThrow(
      "Upsample: alignCorners can only be set with mode 'bilinear'",
    );
    expect(() => new Upsample({})).toThrow('Upsample: give exactly one of size and scaleFactor');
    expect(() => new Upsample({ size: 0 })).toThrow(
      'Upsample: size must be an integer >= 1 or a pair of them, got 0',
    );
  });
});
