import { Generator, randn } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { expectAllClose, naivePool } from '../reference.test-helper';
import { AdaptiveAvgPool2d } from './adaptive-avg-pool2d';
import { AdaptiveMaxPool2d } from './adaptive-max-pool2d';

const adaptive = (a: number, n: number): [number, number][] =>
  Array.from({ length: n }, (_, i) => [Math.floor((i * a) / n), Math.ceil(((i + 1) * a) / n)]);

describe('AdaptiveMaxPool2d / AdaptiveAvgPool2d', () => {
  it("use PyTorch's bins [floor(i·a/n), ceil((i+1)·a/n)), also when the map is smaller than the output", async () => {
    for (const [H, W, oh, ow] of [
      [10, 7, 6, 3],
      [3, 2, 5, 4],
    ]) {
      const x = randn([2, 3, H, W], { generator: new Generator(H) });
      const xd = await x.data();
      const mx = new AdaptiveMaxPool2d({ outputSize: [oh, ow] }).call(x);
      expect(mx.shape).toEqual([2, 3, oh, ow]);
      expectAllClose(await mx.data(), naivePool(xd, [2, 3, H, W], adaptive(H, oh), adaptive(W, ow), 'max'));
      const av = new AdaptiveAvgPool2d({ outputSize: [oh, ow] }).call(x);
      expectAllClose(await av.data(), naivePool(xd, [2, 3, H, W], adaptive(H, oh), adaptive(W, ow), 'avg'));
    }
  });

  it('spec, toString and errors', () => {
    expect(new AdaptiveMaxPool2d({ outputSize: 6 }).spec).toEqual({
      type: 'adaptiveMaxPool2d',
      outputSize: [6, 6],
    });
    expect(new AdaptiveAvgPool2d({ outputSize: [1, 2] }).toString()).toBe(
      'AdaptiveAvgPool2d(outputSize=[1, 2])',
    );
    expect(() => new AdaptiveMaxPool2d({ outputSize: 0 })).toThrow(/outputSize must be an integer >= 1/);
    expect(() => new AdaptiveAvgPool2d({} as never)).toThrow(
      /outputSize must be an integer or an \[h, w\] pair/,
    );
  });
});
