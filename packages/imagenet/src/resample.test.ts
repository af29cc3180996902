import { describe, expect, it } from 'vitest';
import { cropRGB, resampleRGB } from './resample.js';

function ramp(w: number, h: number, f: (x: number, y: number, c: number) => number) {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = f(x, y, c);
  return { data, width: w, height: h };
}

describe('resampleRGB', () => {
  it('identity when sizes match', () => {
    const img = ramp(7, 5, (x, y, c) => x * 30 + y * 7 + c);
    expect(resampleRGB(img, 0, 0, 7, 5, 7, 5).data).toEqual(img.data);
  });

  it('reproduces a linear ramp at the mapped sample centres (upscale and downscale, interior)', () => {
    const img = ramp(40, 4, (x) => 10 + 5 * x);
    for (const outW of [25, 80, 13]) {
      const r = resampleRGB(img, 0, 0, 40, 4, outW, 4);
      const step = 40 / outW;
      for (let o = 0; o < outW; o++) {
        const centre = (o + 0.5) * step - 0.5;
        if (centre - Math.max(1, step) < 0 || centre + Math.max(1, step) > 39) continue;
        expect(Math.abs(r.data[o * 3] - (10 + 5 * centre))).toBeLessThanOrEqual(0.501); // rounding to uint8 (float32 weights)
      }
    }
  });

  it('2x downscale averages with the widened triangle (weights 1/8, 3/8, 3/8, 1/8)', () => {
    const img = ramp(8, 1, (x) => [0, 80, 0, 0, 160, 0, 240, 0][x]);
    const r = resampleRGB(img, 0, 0, 8, 1, 4, 1);
    // output 1: centre 2.5, taps x=1..4 with weights 1/8, 3/8, 3/8, 1/8
    expect(r.data[3]).toBe(Math.round(80 / 8 + 0 + 0 + 160 / 8));
  });

  it('keeps constant images constant and resamples sub-rectangles', () => {
    const img = ramp(10, 10, () => 77);
    expect(new Set(resampleRGB(img, 2.5, 1.25, 5, 6.5, 9, 4).data)).toEqual(new Set([77]));
    expect(() => cropRGB(img, 8, 0, 3, 1)).toThrow(/outside 10x10/);
  });
});
