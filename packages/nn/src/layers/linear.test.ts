import { Generator, randn } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { expectAllClose } from '../reference.test-helper';
import { Linear } from './linear';

describe('Linear', () => {
  it('computes x Wᵀ + b with W [out, in]', async () => {
    const fc = new Linear({ inFeatures: 5, outFeatures: 3, generator: new Generator(3) });
    const x = randn([4, 5], { generator: new Generator(4) });
    const [xd, w, b] = [await x.data(), await fc.weight.data(), await fc.bias!.data()];
    const ref: number[] = [];
    for (let n = 0; n < 4; n++)
      for (let o = 0; o < 3; o++) {
        let s = b[o];
        for (let i = 0; i < 5; i++) s += xd[n * 5 + i] * w[o * 5 + i];
        ref.push(s);
      }
    const y = fc.call(x);
    expect(y.shape).toEqual([4, 3]);
    expectAllClose(await y.data(), ref);
    expect(fc.call(randn([2, 7, 5])).shape).toEqual([2, 7, 3]);
  });

  it('default init U(±1/sqrt(in)); no bias option; toString', async () => {
    const fc = new Linear({ inFeatures: 100, outFeatures: 10, bias: false, generator: new Generator(5) });
    expect(fc.bias).toBeNull();
    expect(Math.max(...Array.from(await fc.weight.data()).map(Math.abs))).toBeLessThanOrEqual(0.1);
    expect(fc.toString()).toBe('Linear(inFeatures=100, outFeatures=10, bias=false)');
    expect(fc.spec).toEqual({ type: 'linear', inFeatures: 100, outFeatures: 10, bias: false });
  });

  it('rejects bad input', () => {
    const fc = new Linear({ inFeatures: 5, outFeatures: 3 });
    expect(() => fc.call(randn([2, 4]))).toThrow(
      /Linear \(linear\): expects 5 input features in the last dimension \(input \[2, 4\]\)/,
    );
    expect(() => new Linear({ inFeatures: 5 } as never)).toThrow(
      /outFeatures must be an integer >= 1, got undefined/,
    );
    expect(() => new Linear({ inFeatures: 5, outFeatures: 2, bais: true } as never)).toThrow(
      /unknown option 'bais'/,
    );
  });
});
