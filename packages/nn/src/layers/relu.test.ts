import { Parameter, tensor } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { LeakyReLU } from './leaky-relu';
import { ReLU } from './relu';

describe('ReLU / LeakyReLU', () => {
  it('ReLU: max(0, x), gradient 0 at exactly 0', async () => {
    const x = new Parameter(tensor([-1, 0, 2]));
    const y = new ReLU().call(x);
    expect(Array.from(await y.data())).toEqual([0, 0, 2]);
    y.backward(tensor([3, -2, 0.5])); // not ones: a rule that ignores dy fails
    expect(Array.from(await x.grad!.data())).toEqual([0, 0, 0.5]);
    expect(new ReLU().toString()).toBe('ReLU()');
    expect(() => new ReLU({ inplace: true } as never)).toThrow(/unknown option 'inplace'/);
  });

  it('LeakyReLU: fixed slope, default 0.01', async () => {
    expect(Array.from(await new LeakyReLU().call(tensor([-100, 5])).data())).toEqual([-1, 5]);
    const l = new LeakyReLU({ negativeSlope: 0.5 });
    expect(Array.from(await l.call(tensor([-2, 2])).data())).toEqual([-1, 2]);
    expect(l.spec).toEqual({ type: 'leakyRelu', negativeSlope: 0.5 });
    expect(l.toString()).toBe('LeakyReLU(negativeSlope=0.5)');
  });
});
