import { describe, expect, it } from 'vitest';
import {
  planCenterView,
  planMultiScaleViews,
  planTenViews,
  planTrainView,
  resizeShorter,
  roundHalfEven,
} from './geometry.js';
import { SampleRandom } from './rng.js';

describe('resizeShorter', () => {
  it('follows torchvision Resize(s): shorter side s, longer floor(s * long / short)', () => {
    expect(resizeShorter(500, 375, 256)).toEqual({ width: 341, height: 256 });
    expect(resizeShorter(375, 500, 256)).toEqual({ width: 256, height: 341 });
    expect(resizeShorter(100, 100, 32)).toEqual({ width: 32, height: 32 });
    expect(() => resizeShorter(0, 5, 3)).toThrow(/positive/);
  });
});

describe('planTrainView', () => {
  it('draws s over the whole inclusive range, keeps crops inside, flips about half', () => {
    const g = { scaleRange: [256, 512] as const, cropSize: 224, flipProb: 0.5 };
    const seen = new Set<number>();
    let flips = 0;
    const n = 4000;
    for (let i = 0; i < n; i++) {
      const v = planTrainView(500, 375, g, new SampleRandom(0, 0, i));
      const s = Math.min(v.resizeWidth, v.resizeHeight);
      seen.add(s);
      expect(v.crop.left + 224 <= v.resizeWidth && v.crop.top + 224 <= v.resizeHeight).toBe(true);
      expect(v.crop.left >= 0 && v.crop.top >= 0).toBe(true);
      if (v.flip) flips++;
    }
    expect(Math.min(...seen)).toBe(256);
    expect(Math.max(...seen)).toBe(512);
    expect(seen.size).toBeGreaterThan(250);
    expect(Math.abs(flips / n - 0.5)).toBeLessThan(5 * Math.sqrt(0.25 / n));
  });

  it('rejects a scale range below the crop', () => {
    expect(() =>
      planTrainView(64, 64, { scaleRange: [16, 64], cropSize: 32, flipProb: 0 }, new SampleRandom(0)),
    ).toThrow(/cropSize 32/);
  });
});

describe('test-time views', () => {
  it('center crop rounds offsets like Python round (half to even), as torchvision CenterCrop', () => {
    // 500x375 -> 341x256; (341 - 224) / 2 = 58.5 -> torchvision int(round(58.5)) = 58
    expect(planCenterView(500, 375, 256, 224)).toEqual({
      resizeWidth: 341,
      resizeHeight: 256,
      crop: { left: 58, top: 16, width: 224, height: 224 },
      flip: false,
    });
    expect([0.5, 1.5, 2.5, 58.5, 59.5, 3.2, 3.7, 4].map(roundHalfEven)).toEqual([0, 2, 2, 58, 60, 3, 4, 4]);
  });

  it('ten views follow torchvision TenCrop: FiveCrop(img), then FiveCrop(hflip(img))', () => {
    const v = planTenViews(500, 375, 256, 224);
    expect(v).toHaveLength(10);
    // FiveCrop order: tl, tr, bl, br, center; W - k = 117, H - k = 32
    expect(v.slice(0, 5).map((p) => [p.crop.left, p.crop.top])).toEqual([
      [0, 0],
      [117, 0],
      [0, 32],
      [117, 32],
      [58, 16],
    ]);
    // the flipped image's tl, tr, bl, br, center are the original's tr, tl, br, bl and the center
    // mirrored (117 - 58 = 59), each flipped
    expect(v.slice(5).map((p) => [p.crop.left, p.crop.top])).toEqual([
      [117, 0],
      [0, 0],
      [117, 32],
      [0, 32],
      [59, 16],
    ]);
    expect(v.map((p) => p.flip)).toEqual([false, false, false, false, false, true, true, true, true, true]);
  });

  it('multi-scale views are full images per scale with flips', () => {
    const v = planMultiScaleViews(500, 375, [256, 384], true);
    expect(v.map((p) => [p.crop.width, p.crop.height, p.flip])).toEqual([
      [341, 256, false],
      [341, 256, true],
      [512, 384, false],
      [512, 384, true],
    ]);
  });
});
