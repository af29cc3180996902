import { tensor } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { AdaptiveAvgPool2d } from './adaptive-avg-pool2d';

describe('AdaptiveAvgPool2d', () => {
  it('global average pooling with outputSize 1', async () => {
    const x = tensor([
      [
        [
          [1, 2],
          [3, 6],
        ],
        [
          [0, 0],
          [0, 4],
        ],
      ],
    ]);
    expect(Array.from(await new AdaptiveAvgPool2d({ outputSize: 1 }).call(x).data())).toEqual([3, 1]);
  });
});
