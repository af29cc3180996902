import { describe, expect, it } from 'vitest';
import { IMAGENET_MEAN_255 } from './pixels.js';
import { averageScores, averageViewScores, topk, topkError } from './scores.js';
import { applyTransform, multiScaleInputs, planSample, resolveTransform } from './transform.js';

function image(w: number, h: number) {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;
  return { data, width: w, height: h };
}

describe('applyTransform', () => {
  it('is reproducible per (seed, epoch, index) and varies with each', () => {
    const img = image(80, 60);
    const t = { kind: 'train', scaleRange: [36, 64], cropSize: 32 } as const;
    const a = applyTransform(img, t, 1, 2, 3);
    expect(a.length).toBe(3 * 32 * 32);
    expect(applyTransform(img, t, 1, 2, 3)).toEqual(a);
    expect(applyTransform(img, t, 1, 2, 4)).not.toEqual(a);
    expect(applyTransform(img, t, 1, 3, 3)).not.toEqual(a);
  });

  it('with s fixed to the shorter side the train view is an exact crop (+ flip, lighting, mean)', () => {
    const img = image(48, 40);
    const t = { kind: 'train', scaleRange: [40, 40], cropSize: 32, lighting: 0.1 } as const;
    for (let index = 0; index < 6; index++) {
      const out = applyTransform(img, t, 0, 0, index);
      const { views, light } = planSample(resolveTransform(t), 48, 40, 0, 0, index);
      const v = views[0];
      expect(v.resizeWidth).toBe(48);
      for (const [c, y, x] of [
        [0, 0, 0],
        [1, 5, 31],
        [2, 31, 7],
      ]) {
        const sx = v.crop.left + (v.flip ? 31 - x : x);
        const p = img.data[((v.crop.top + y) * 48 + sx) * 3 + c];
        expect(out[c * 1024 + y * 32 + x]).toBeCloseTo(p + light[c] - IMAGENET_MEAN_255[c], 3);
      }
    }
  });

  it('tenCrop gives 10 views, center gives the center view of them', () => {
    // 49 wide: (49 - 32) / 2 = 8.5 -> left 8 (Python round, as torchvision)
    const img = image(49, 40);
    const ten = applyTransform(img, { kind: 'tenCrop', resize: 40, cropSize: 32 }, 0, 0, 0);
    const center = applyTransform(img, { kind: 'center', resize: 40, cropSize: 32 }, 0, 0, 0);
    expect(ten.length).toBe(10 * 3 * 32 * 32);
    expect(ten.subarray(4 * 3072, 5 * 3072)).toEqual(center);
    expect(center[0]).toBeCloseTo(img.data[(4 * 49 + 8) * 3] - IMAGENET_MEAN_255[0], 4);
    // torchvision TenCrop: views 5..9 are FiveCrop of the mirrored image (scale 1 here, so exact)
    const mirrored = { ...img, data: new Uint8Array(img.data.length) };
    for (let y = 0; y < img.height; y++)
      for (let x = 0; x < img.width; x++)
        for (let c = 0; c < 3; c++)
          mirrored.data[(y * img.width + x) * 3 + c] = img.data[(y * img.width + img.width - 1 - x) * 3 + c];
    const tenOfMirror = applyTransform(mirrored, { kind: 'tenCrop', resize: 40, cropSize: 32 }, 0, 0, 0);
    expect(ten.subarray(5 * 3072)).toEqual(tenOfMirror.subarray(0, 5 * 3072));
    expect(() => resolveTransform({ kind: 'center', resize: 20, cropSize: 32 })).toThrow(
      /resize 20 < cropSize 32/,
    );
  });

  it('multiScaleInputs yields full images per scale and flip', () => {
    const ins = multiScaleInputs(image(50, 40), [40, 60]);
    expect(ins.map((i) => [i.scale, i.flip, i.width, i.height])).toEqual([
      [40, false, 50, 40],
      [40, true, 50, 40],
      [60, false, 75, 60],
      [60, true, 75, 60],
    ]);
    expect(ins[1].data[49]).toBe(ins[0].data[0]);
  });
});

describe('score averaging', () => {
  it('averages image-major views, optionally as probabilities', () => {
    const s = Float32Array.from([1, 2, 3, 5, 0, 0, 0, 0]); // 2 images x 2 views x 2 classes
    expect([...averageViewScores(s, 2, 2, 2)]).toEqual([2, 3.5, 0, 0]);
    const p = averageViewScores(s, 2, 2, 2, { softmax: true });
    const sm = (a: number, b: number) => Math.exp(a) / (Math.exp(a) + Math.exp(b));
    expect(p[0]).toBeCloseTo((sm(1, 2) + sm(3, 5)) / 2, 6);
    expect(p[2]).toBeCloseTo(0.5, 6);
    expect([
      ...averageScores([
        [1, 0],
        [3, 2],
      ]),
    ]).toEqual([2, 1]);
    expect(() => averageViewScores(s, 3, 2, 2)).toThrow(/expected 3x2x2/);
  });

  it('topk and error rates', () => {
    const s = [0.1, 0.7, 0.2, 0.5, 0.1, 0.4];
    expect([...topk(s, 3, 2)]).toEqual([1, 2, 0, 2]);
    expect(topkError(s, [2, 0], 3, 2)).toEqual({ top1: 0.5, topk: 0 });
  });
});
