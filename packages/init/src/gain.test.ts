import { describe, expect, it } from 'vitest';
import { calculateGain, type Nonlinearity } from './gain';

describe('calculateGain', () => {
  it("matches PyTorch's table", () => {
    for (const n of [
      'linear',
      'conv1d',
      'conv2d',
      'conv3d',
      'conv_transpose2d',
      'sigmoid',
    ] as Nonlinearity[]) {
      expect(calculateGain(n)).toBe(1);
    }
    expect(calculateGain('tanh')).toBeCloseTo(5 / 3, 15);
    expect(calculateGain('relu')).toBeCloseTo(Math.sqrt(2), 15);
    expect(calculateGain('selu')).toBe(0.75);
  });

  it('leaky_relu: default slope 0.01 only when param is undefined; 0 is honoured', () => {
    expect(calculateGain('leaky_relu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 15);
    expect(calculateGain('leaky_relu', 0)).toBeCloseTo(Math.sqrt(2), 15);
    expect(calculateGain('leaky_relu', 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 15);
    expect(calculateGain('leaky_relu', 1)).toBeCloseTo(1, 15);
  });

  it("prelu: Eq. 15 gain sqrt(2/(1+a²)) with the paper's a = 0.25 by default", () => {
    expect(calculateGain('prelu')).toBeCloseTo(Math.sqrt(2 / 1.0625), 15);
    expect(calculateGain('prelu', 0)).toBeCloseTo(Math.sqrt(2), 15); // a = 0: the ReLU case
    expect(calculateGain('prelu', 1)).toBeCloseTo(1, 15); // a = 1: the linear case (Xavier)
  });

  it('rejects booleans, non-finite params and unknown names', () => {
    expect(() => calculateGain('leaky_relu', true as unknown as number)).toThrow(
      /finite number or undefined, got true/,
    );
    expect(() => calculateGain('leaky_relu', Number.NaN)).toThrow(/finite number/);
    expect(() => calculateGain('leaky_relu', '0.1' as unknown as number)).toThrow(/got '0.1'/);
    expect(() => calculateGain('gelu' as Nonlinearity)).toThrow(/unsupported nonlinearity 'gelu'/);
    expect(() => calculateGain(undefined as unknown as Nonlinearity)).toThrow(/must be a string/);
  });
});
