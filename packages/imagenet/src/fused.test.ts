import { describe, expect, it } from 'vitest';
import { bilinearInto } from './fused.js';
import { hwcToChw, IMAGENET_MEAN_255 } from './pixels.js';
import { resampleRGB } from './resample.js';

const img = {
  data: Uint8Array.from({ length: 30 * 20 * 3 }, (_, i) => (i * 7919) % 251),
  width: 30,
  height: 20,
};
const norm = { scale: 1 / 255, mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.5] };

describe('bilinearInto', () => {
  it("matches resampleRGB + hwcToChw when enlarging (up to PIL's two 8-bit roundings)", () => {
    for (const flip of [false, true]) {
      const a = new Float32Array(3 * 24 * 24);
      const b = new Float32Array(3 * 24 * 24);
      bilinearInto(img, 3.25, 2.5, 14.5, 12, 24, 24, flip, [2, -1, 0.5], norm, a, 0);
      const r = resampleRGB(img, 3.25, 2.5, 14.5, 12, 24, 24);
      hwcToChw(r.data, 24, 24, b, 0, flip, [2, -1, 0.5], norm);
      let max = 0;
      for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
      // resampleRGB rounds to 8 bits after each pass like PIL (<= 0.5 + 0.5); the fused pass stays in float
      expect(max).toBeLessThanOrEqual(1 / 255 / 0.2 + 1e-5); // one grey level, in normalised units
      expect(max).toBeGreaterThan(0); // really interpolates (not rounding)
    }
  });

  it('copies pixels exactly at scale 1 and rejects shrinking', () => {
    const out = new Float32Array(3 * 8 * 6);
    bilinearInto(img, 5, 4, 8, 6, 8, 6, false, [0, 0, 0], { mean: IMAGENET_MEAN_255 }, out, 0);
    expect(out[2 * 48 + 3 * 8 + 7]).toBeCloseTo(
      img.data[((4 + 3) * 30 + 5 + 7) * 3 + 2] - IMAGENET_MEAN_255[2],
      4,
    );
    expect(() => bilinearInto(img, 0, 0, 30, 20, 15, 10, false, [0, 0, 0], {}, out, 0)).toThrow(
      /shrinks; use resampleRGB/,
    );
  });
});
