import { Parameter, tensor } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { LeakyReLU } from './leaky-relu';

describe('LeakyReLU gradient', () => {
  it('is the slope for x <= 0 and 1 above', async () => {
    const x = new Parameter(tensor([-3, 4]));
    // an upstream gradient other than 1, so a rule that ignores dy fails
    new LeakyReLU({ negativeSlope: 0.25 }).call(x).backward(tensor([-2, 3]));
    expect(Array.from(await x.grad!.data())).toEqual([-0.5, 3]);
  });
});
