import { describe, expect, it } from 'vitest';
import { calculateCorrectFan, calculateFans } from './fans';

describe('calculateFans', () => {
  it("uses OIHW for conv weights: fanIn = k²c, fanOut = k²d (the paper's n and n̂)", () => {
    // conv1 of the 14-layer model: 7x7, 3 -> 64
    expect(calculateFans([64, 3, 7, 7])).toEqual({ fanIn: 3 * 49, fanOut: 64 * 49 });
    // a 2x2 conv of stage 3: 256 -> 256
    expect(calculateFans([256, 256, 2, 2])).toEqual({ fanIn: 1024, fanOut: 1024 });
    // grouped conv: the weight already holds in/groups channels
    expect(calculateFans([32, 8, 3, 3])).toEqual({ fanIn: 72, fanOut: 288 });
  });

  it('uses [out, in] for linear weights', () => {
    expect(calculateFans([4096, 12800])).toEqual({ fanIn: 12800, fanOut: 4096 });
    expect(calculateFans([10, 1])).toEqual({ fanIn: 1, fanOut: 10 });
  });

  it('handles higher ranks like PyTorch (product of the trailing dims)', () => {
    expect(calculateFans([2, 3, 4, 5, 6])).toEqual({ fanIn: 3 * 120, fanOut: 2 * 120 });
  });

  it('throws for rank < 2 and invalid dims', () => {
    expect(() => calculateFans([5])).toThrow(/fewer than 2 dimensions.*\[5\]/);
    expect(() => calculateFans([])).toThrow(/fewer than 2/);
    expect(() => calculateFans([2, -1])).toThrow(/invalid dimension -1/);
    expect(() => calculateFans([2, 1.5])).toThrow(/invalid dimension 1.5/);
    expect(() => calculateFans('3' as unknown as number[])).toThrow(/must be an array/);
  });
});

describe('calculateCorrectFan', () => {
  it('selects by mode and honours explicit overrides (also for rank-1 shapes)', () => {
    expect(calculateCorrectFan('f', [64, 3, 7, 7], 'fan_in')).toBe(147);
    expect(calculateCorrectFan('f', [64, 3, 7, 7], 'fan_out')).toBe(3136);
    expect(calculateCorrectFan('f', [64], 'fan_in', { fanIn: 12 })).toBe(12);
    expect(calculateCorrectFan('f', [4, 5], 'fan_out', { fanIn: 99 })).toBe(4);
  });

  it('rejects bad modes, zero fans and unknown override keys', () => {
    expect(() => calculateCorrectFan('kaimingNormal', [2, 2], 'fanIn' as 'fan_in')).toThrow(
      /kaimingNormal: mode must be 'fan_in' or 'fan_out', got 'fanIn'/,
    );
    expect(() => calculateCorrectFan('f', [0, 3], 'fan_out')).toThrow(/fan_out is 0/);
    expect(() => calculateCorrectFan('f', [2, 2], 'fan_in', { fanin: 3 } as never)).toThrow(
      /unknown option 'fanin'/,
    );
    expect(() => calculateCorrectFan('f', [2, 2], 'fan_in', { fanIn: Number.NaN })).toThrow(/finite number/);
  });
});
