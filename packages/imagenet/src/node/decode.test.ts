import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { planTrainView } from '../geometry.js';
import { SampleRandom } from '../rng.js';
import { imageSize } from '../sniff.js';
import { applyTransform, planSample, resolveTransform } from '../transform.js';
import { decodeImage, probe, renderViewsSharp } from './decode.js';

function smooth(w: number, h: number): Buffer {
  const b = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      b[(y * w + x) * 3] = Math.round(40 + (180 * x) / w);
      b[(y * w + x) * 3 + 1] = Math.round(30 + (200 * y) / h);
      b[(y * w + x) * 3 + 2] = 120;
    }
  return b;
}
const raw = (w: number, h: number) => sharp(smooth(w, h), { raw: { width: w, height: h, channels: 3 } });

describe('decodeImage (sharp)', () => {
  it('decodes RGB, greyscale and CMYK JPEGs and PNGs to 3-channel RGB', async () => {
    const rgb = await raw(40, 30).jpeg({ quality: 95 }).toBuffer();
    const grey = await raw(40, 30).toColourspace('b-w').jpeg({ quality: 95 }).toBuffer();
    const cmyk = await raw(40, 30).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    const png = await raw(40, 30).png().toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    for (const b of [rgb, grey, cmyk, png]) {
      const img = await decodeImage(b);
      expect([img.width, img.height, img.data.length]).toEqual([40, 30, 40 * 30 * 3]);
    }
    const g = await decodeImage(grey);
    expect(g.data[300]).toBe(g.data[301]);
    expect(g.data[301]).toBe(g.data[302]);
    // CMYK round trip keeps colours roughly (ICC-less conversion): red ramp still increases with x
    const c = await decodeImage(cmyk);
    expect(c.data[(15 * 40 + 35) * 3]).toBeGreaterThan(c.data[(15 * 40 + 3) * 3] + 60);
    const p = await decodeImage(png);
    expect(p.data[(10 * 40 + 20) * 3]).toBe(smooth(40, 30)[(10 * 40 + 20) * 3]);
  });

  it('reads sizes from headers and shrinks on load', async () => {
    const jpg = await raw(500, 375).jpeg({ quality: 90 }).toBuffer();
    expect(imageSize(jpg)).toEqual({ format: 'jpeg', width: 500, height: 375, components: 3 });
    expect(imageSize(await raw(33, 7).png().toBuffer())).toEqual({ format: 'png', width: 33, height: 7 });
    const small = await decodeImage(jpg, { shorterSide: 64 });
    expect([small.width, small.height]).toEqual([85, 64]);
  });

  it('rejects empty files, non-images and truncated JPEGs with the path in the message', async () => {
    expect(() => probe(new Uint8Array(0), 'a.JPEG')).toThrow('a.JPEG: empty file (0 bytes)');
    expect(() => probe(Buffer.from('hello world'), 'b.JPEG')).toThrow(
      /b.JPEG: not a JPEG or PNG \(starts with 68 65 6c 6c\)/,
    );
    const jpg = await raw(64, 64).jpeg().toBuffer();
    await expect(
      decodeImage(jpg.subarray(0, Math.floor(jpg.length * 0.6)), { path: 'c.JPEG' }),
    ).rejects.toThrow(/c.JPEG: decode failed/);
    expect(() => probe(jpg.subarray(0, 20), 'd.JPEG')).toThrow(
      /d.JPEG: JPEG header has no readable image size/,
    );
  });
});

describe('decode failures under concurrency', () => {
  it('a truncated JPEG always reports the real reason, never "Unknown error"', async () => {
    const jpg = await raw(200, 150).jpeg().toBuffer();
    const cut = jpg.subarray(0, Math.floor(jpg.length * 0.5));
    const good = await raw(200, 150).jpeg().toBuffer();
    const v = planSample(
      resolveTransform({ kind: 'center', resize: 64, cropSize: 56 }),
      200,
      150,
      0,
      0,
      0,
    ).views;
    const out = new Float32Array(3 * 56 * 56 * 40);
    const runs = Array.from({ length: 40 }, (_, i) =>
      i % 2
        ? renderViewsSharp(good, v, [0, 0, 0], {}, out, i * 3 * 56 * 56)
        : renderViewsSharp(cut, v, [0, 0, 0], {}, out, i * 3 * 56 * 56, { path: `t${i}.JPEG` }).then(
            () => 'no error',
            (e: Error) => e.message,
          ),
    );
    const messages = (await Promise.all(runs)).filter((m) => typeof m === 'string') as string[];
    expect(messages).toHaveLength(20);
    for (const m of messages)
      expect(m).toMatch(/^t\d+\.JPEG: decode failed: premature end of JPEG data \(file truncated/);
  });
});

describe('renderViewsSharp', () => {
  it('matches the pure-JS transform on a smooth image within a few grey levels', async () => {
    const jpg = await raw(120, 90).png().toBuffer(); // lossless so only the resamplers differ
    const img = await decodeImage(jpg);
    const t = resolveTransform({ kind: 'train', scaleRange: [40, 80], cropSize: 32, lighting: 0.1 });
    for (let index = 0; index < 5; index++) {
      const { views, light } = planSample(t, 120, 90, 3, 0, index);
      const out = new Float32Array(3 * 32 * 32);
      await renderViewsSharp(jpg, views, light, t.normalization, out, 0);
      const js = applyTransform(img, t, 3, 0, index);
      let maxDiff = 0;
      for (let i = 0; i < out.length; i++) maxDiff = Math.max(maxDiff, Math.abs(out[i] - js[i]));
      expect(maxDiff).toBeLessThan(6);
    }
    expect(planTrainView(120, 90, t as never, new SampleRandom(3, 0, 0))).toEqual(
      planSample(t, 120, 90, 3, 0, 0).views[0],
    );
  });
});
