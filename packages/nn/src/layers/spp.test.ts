import { Generator, Parameter, randn } from '@rectifier/tensor';
import { gradcheck } from '@rectifier/tensor/testing';
import { describe, expect, it } from 'vitest';
import { sppAxisGeometry } from '../geometry';
import { expectAllClose, naivePool } from '../reference.test-helper';
import { SpatialPyramidPooling } from './spp';

const sppWindows = (a: number, n: number): [number, number][] => {
  const { kernel, stride } = sppAxisGeometry(a, n);
  return Array.from({ length: n }, (_, i) => [i * stride, i * stride + kernel]);
};

/** SPP-net layout: each level flattened channel-major, levels concatenated. */
function naiveSpp(
  x: ArrayLike<number>,
  [N, C, H, W]: number[],
  levels: number[],
  mode: 'max' | 'avg',
): number[] {
  const perLevel = levels.map((n) => naivePool(x, [N, C, H, W], sppWindows(H, n), sppWindows(W, n), mode));
  const out: number[] = [];
  for (let b = 0; b < N; b++) {
    levels.forEach((n, l) => {
      const block = C * n * n;
      out.push(...perLevel[l].slice(b * block, (b + 1) * block));
    });
  }
  return out;
}

describe('SpatialPyramidPooling', () => {
  it('gives a fixed length C·Σn² for any input size >= the largest level', async () => {
    const spp = new SpatialPyramidPooling({ levels: [6, 3, 2, 1] });
    for (const [H, W] of [
      [18, 18],
      [13, 17],
      [6, 40],
    ]) {
      const x = randn([2, 5, H, W], { generator: new Generator(H * W) });
      const y = spp.call(x);
      expect(y.shape).toEqual([2, 5 * 50]);
      expectAllClose(await y.data(), naiveSpp(await x.data(), [2, 5, H, W], [6, 3, 2, 1], 'max'));
    }
    expect(spp.outputFeatures(256)).toBe(12_800);
  });

  it('average mode, and gradients reach the input', async () => {
    const spp = new SpatialPyramidPooling({ levels: [3, 1], mode: 'avg' });
    const x = new Parameter(randn([1, 2, 7, 5], { generator: new Generator(3) }));
    const y = spp.call(x);
    expectAllClose(await y.data(), naiveSpp(await x.data(), [1, 2, 7, 5], [3, 1], 'avg'));
    y.sum().backward();
    expect(x.grad?.shape).toEqual([1, 2, 7, 5]);
  });

  it('gradients match central differences in float64 (max and avg, uneven map)', () => {
    for (const mode of ['max', 'avg'] as const) {
      const spp = new SpatialPyramidPooling({ levels: [3, 2, 1], mode });
      const x = randn([2, 2, 7, 5], { dtype: 'float64', generator: new Generator(9) }).requiresGrad_();
      expect(gradcheck((t) => spp.call(t), [x])).toBe(true);
    }
  });

  it('spec, toString and errors', () => {
    const spp = new SpatialPyramidPooling({ levels: [7, 3, 2, 1] });
    expect(spp.spec).toEqual({ type: 'spp', levels: [7, 3, 2, 1], mode: 'max' });
    expect(spp.toString()).toBe('SpatialPyramidPooling(levels=[7, 3, 2, 1], mode=max)');
    expect(() => spp.call(randn([1, 2, 6, 9]))).toThrow(
      /pyramid level 7 needs a feature map of at least 7x7, got 6x9/,
    );
    expect(() => new SpatialPyramidPooling({ levels: [] })).toThrow(/levels must be a non-empty array/);
    expect(() => new SpatialPyramidPooling({ levels: [2, 0] })).toThrow(
      /levels\[1\] must be an integer >= 1/,
    );
    expect(() => new SpatialPyramidPooling({ levels: [2], mode: 'sum' as never })).toThrow(
      /mode must be one of 'max', 'avg'/,
    );
  });
});
