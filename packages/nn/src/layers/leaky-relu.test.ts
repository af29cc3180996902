import { Parameter, tensor } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { LeakyReLU } from './leaky-relu';

describe('LeakyReLU gradient', () => {
  it('is the slope for x <= 0 and 1 above', async () => {
    const x = new Parameter(tensor([-3, 4]));
    new LeakyReLU({ negativeSlope: 0.2 }).call(x).sum().backward();
    const g = Array.from(await x.grad!.data());
    expect(g[0]).toBeCloseTo(0.2, 6);
    expect(g[1]).toBe(1);
  });
});
