import { describe, expect, it } from 'vitest';
import { convOutputSize, poolOutputSize, sppAxisGeometry, sppGeometry } from './geometry';

describe('convOutputSize / poolOutputSize', () => {
  it("follows PyTorch's formula", () => {
    expect(convOutputSize(224, 7, 2, 3, 1)).toBe(112);
    expect(convOutputSize(224, 7, 2, 0, 1)).toBe(109);
    expect(convOutputSize(10, 3, 1, 2, 2)).toBe(10);
    expect(convOutputSize(36, 2, 1, 0, 1)).toBe(35);
    expect(convOutputSize(2, 3, 1, 0, 1)).toBe(0);
  });

  it('ceil mode drops a last window that would start in the right padding', () => {
    expect(poolOutputSize(112, 3, 3, 0, 1, false)).toBe(37);
    expect(poolOutputSize(112, 3, 3, 0, 1, true)).toBe(38);
    expect(poolOutputSize(5, 2, 2, 0, 1, true)).toBe(3);
    // size 4, kernel 2, stride 2, padding 1: ceil((4 + 2 - 2) / 2) + 1 = 3; the third window starts at
    // 4 = size + padding - 1 < 5, kept
    expect(poolOutputSize(4, 2, 2, 1, 1, true)).toBe(3);
    // size 5, kernel 2, stride 3, ceil: ceil(3 / 3) + 1 = 2, second starts at 3 < 5: kept
    expect(poolOutputSize(5, 2, 3, 0, 1, true)).toBe(2);
    // size 6, kernel 1, stride 5, padding 0: ceil(5 / 5) + 1 = 2; start 5 < 6 kept
    expect(poolOutputSize(6, 1, 5, 0, 1, true)).toBe(2);
    // size 5, kernel 3, stride 2, padding 1, ceil: ceil(4 / 2) + 1 = 3; start 4 < 6 kept
    expect(poolOutputSize(5, 3, 2, 1, 1, true)).toBe(3);
    // size 3, kernel 2, stride 2, padding 1, ceil: ceil(3/2)+1 = 3; start 4 >= 3 + 1: dropped -> 2
    expect(poolOutputSize(3, 2, 2, 1, 1, true)).toBe(2);
  });
});

describe('sppAxisGeometry: the SPP window rule', () => {
  it('always yields exactly n equal windows covering [0, size) edge to edge', () => {
    for (let size = 1; size <= 40; size++) {
      for (let n = 1; n <= Math.min(size, 8); n++) {
        const { kernel, stride } = sppAxisGeometry(size, n);
        expect(kernel).toBeGreaterThanOrEqual(1);
        expect(stride).toBeGreaterThanOrEqual(1);
        expect(Math.floor((size - kernel) / stride) + 1).toBe(n); // a MaxPool with this geometry gives n bins
        expect((n - 1) * stride + kernel).toBe(size); // the last window ends at the last pixel
        expect(kernel).toBeGreaterThanOrEqual(stride); // no pixel skipped between windows
      }
    }
  });

  it("matches adaptive pooling when n divides the size, and SPP-net's ceil/floor rule where that one covers", () => {
    expect(sppAxisGeometry(14, 7)).toEqual({ kernel: 2, stride: 2, padding: 0 });
    expect(sppAxisGeometry(18, 6)).toEqual({ kernel: 3, stride: 3, padding: 0 });
    expect(sppAxisGeometry(13, 6)).toEqual({ kernel: 3, stride: 2, padding: 0 }); // SPP-net: ceil 3, floor 2
    expect(sppAxisGeometry(10, 3)).toEqual({ kernel: 4, stride: 3, padding: 0 }); // SPP-net: ceil 4, floor 3
    expect(sppAxisGeometry(14, 3)).toEqual({ kernel: 6, stride: 4, padding: 0 });
    expect(sppAxisGeometry(9, 1)).toEqual({ kernel: 9, stride: 9, padding: 0 });
  });

  it('throws when the map is smaller than the number of bins', () => {
    expect(() => sppAxisGeometry(5, 6)).toThrow(
      /6 bins needs a feature map of at least 6 along each axis, got 5/,
    );
    expect(() => sppAxisGeometry(5, 0)).toThrow(/bins must be an integer >= 1/);
  });

  it('sppGeometry: per level and axis (model A at 224: 14x14 map, levels {7,3,2,1})', () => {
    const g = sppGeometry([7, 3, 2, 1], 14, 14);
    expect(g.map((l) => l.kernelSize)).toEqual([
      [2, 2],
      [6, 6],
      [7, 7],
      [14, 14],
    ]);
    expect(g.map((l) => l.stride)).toEqual([
      [2, 2],
      [4, 4],
      [7, 7],
      [14, 14],
    ]);
    expect(sppGeometry([2], 9, 4)[0]).toEqual({
      bins: 2,
      kernelSize: [5, 2],
      stride: [4, 2],
      padding: [0, 0],
    });
  });
});
