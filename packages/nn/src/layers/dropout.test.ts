import { Generator, ones } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { Dropout } from './dropout';

describe('Dropout', () => {
  it('training: zeros a fraction p (within 5 standard errors) and scales the rest by 1/(1-p)', async () => {
    const drop = new Dropout({ p: 0.5, generator: new Generator(7) });
    const n = 20_000;
    const y = Array.from(await drop.call(ones([n])).data());
    const zeros = y.filter((v) => v === 0).length;
    expect(Math.abs(zeros / n - 0.5)).toBeLessThan(5 * Math.sqrt(0.25 / n));
    expect(y.every((v) => v === 0 || Math.abs(v - 2) < 1e-6)).toBe(true);
  });

  it('eval mode is the identity; p = 0 too', async () => {
    const drop = new Dropout().eval();
    const x = ones([10]);
    expect(drop.call(x)).toBe(x);
    expect(new Dropout({ p: 0 }).call(x)).toBe(x);
    expect(drop.toString()).toBe('Dropout(p=0.5)');
  });

  it('rejects p outside [0, 1]', () => {
    expect(() => new Dropout({ p: 1.5 })).toThrow(/p must be in \[0, 1\], got 1.5/);
    expect(() => new Dropout({ rate: 0.1 } as never)).toThrow(/unknown option 'rate'/);
  });
});
