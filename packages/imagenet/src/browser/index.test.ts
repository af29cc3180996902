// Runs the browser decoder in headless Chromium (Debian's /usr/bin/chromium through playwright-core)
// and compares it with sharp on files made here. Skipped, visibly, where no Chromium is installed;
// with CI set that fails the run instead.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testChromium } from '@rectifier/tensor/testing/node';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../node/decode.js';
import { evalPreprocessing } from '../preprocess.js';
import { maxAbsDiff, pixelFixtures } from '../test-helpers.js';
import { applyTransform } from '../transform.js';
import { rgbaToRgb } from './index.js';

const { path: CHROMIUM, skip } = testChromium('decodeImageBrowser in Chromium');
const src = fileURLToPath(new URL('.', import.meta.url));

function smooth(w: number, h: number): Buffer {
  const b = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      b[(y * w + x) * 3] = Math.round(30 + (190 * x) / w);
      b[(y * w + x) * 3 + 1] = Math.round(20 + (200 * y) / h);
      b[(y * w + x) * 3 + 2] = 140;
    }
  return b;
}

function correlation(a: number[], b: number[], c: number): number {
  const xs = a.filter((_, i) => i % 3 === c);
  const ys = b.filter((_, i) => i % 3 === c);
  const mx = xs.reduce((s, v) => s + v, 0) / xs.length;
  const my = ys.reduce((s, v) => s + v, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  xs.forEach((x, i) => {
    sxy += (x - mx) * (ys[i] - my);
    sxx += (x - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}

describe('rgbaToRgb', () => {
  it('drops alpha', () => {
    expect([...rgbaToRgb([1, 2, 3, 255, 4, 5, 6, 0])]).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe.skipIf(!!skip)('decodeImageBrowser in Chromium', () => {
  it('decodes RGB, greyscale and CMYK JPEGs and a PNG named .JPEG like sharp does', async () => {
    const bundle = await build({
      entryPoints: [join(src, 'index.ts')],
      bundle: true,
      format: 'iife',
      globalName: 'rectifierImagenetBrowser',
      write: false,
      logLevel: 'silent',
    });
    const raw = () => sharp(smooth(48, 36), { raw: { width: 48, height: 36, channels: 3 } });
    const files = {
      rgb: await raw().jpeg({ quality: 95 }).toBuffer(),
      grey: await raw().toColourspace('b-w').jpeg({ quality: 95 }).toBuffer(),
      cmyk: await raw().toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer(),
      png: await raw().png().toBuffer(),
    };
    const browser = await chromium.launch({ executablePath: CHROMIUM ?? undefined, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.addScriptTag({ content: bundle.outputFiles[0].text });
      for (const [name, bytes] of Object.entries(files)) {
        const got = await page.evaluate(
          async ([b64, n]) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const img = await (globalThis as any).rectifierImagenetBrowser.decodeImageBrowser(bytes, {}, n);
            return { width: img.width, height: img.height, data: Array.from(img.data as Uint8Array) };
          },
          [bytes.toString('base64'), `${name}.JPEG`] as const,
        );
        const want = await decodeImage(bytes);
        expect([got.width, got.height]).toEqual([48, 36]);
        if (name === 'cmyk') {
          // Browsers colour-manage CMYK their own way (Chromium's colours differ from libvips' by
          // ~30 levels here): require RGB output whose red and green follow the drawn ramps.
          const o = smooth(48, 36);
          for (const c of [0, 1]) expect(correlation(got.data, [...o], c)).toBeGreaterThan(0.9);
          continue;
        }
        // element by element: both decoders are libjpeg-turbo (measured 0 for rgb, grey and png); 2 levels
        // stay below what a one-pixel offset of these ramps changes (4 to 6 levels per pixel)
        expect(maxAbsDiff(got.data, want.data), name).toBeLessThanOrEqual(2);
      }
      // The whole browser sample path (decode + paper augmentation) equals Node's on a lossless PNG.
      const t = { kind: 'train', scaleRange: [36, 60], cropSize: 32 } as const;
      const browserOut = await page.evaluate(
        async ([b64, tr]) => {
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          return Array.from(
            (await (globalThis as any).rectifierImagenetBrowser.loadSampleBrowser(
              bytes,
              tr,
              4,
              1,
              9,
            )) as Float32Array,
          );
        },
        [files.png.toString('base64'), t] as const,
      );
      const nodeOut = applyTransform(await decodeImage(files.png), t, 4, 1, 9);
      expect(browserOut).toEqual(Array.from(nodeOut));
      const err = await page.evaluate(async () => {
        try {
          await (globalThis as any).rectifierImagenetBrowser.decodeImageBrowser(
            new Uint8Array([1, 2, 3, 4]),
            {},
            'x.JPEG',
          );
          return 'no error';
        } catch (e) {
          return String((e as Error).message);
        }
      });
      expect(err).toMatch(/x.JPEG: not a JPEG or PNG/);
    } finally {
      await browser.close();
    }
  });

  it("preprocessImageBrowser gives torchvision's eval tensor on the PIL fixtures (RGB, grey, PNG)", async () => {
    const bundle = await build({
      entryPoints: [join(src, 'index.ts')],
      bundle: true,
      format: 'iife',
      globalName: 'rectifierImagenetBrowser',
      write: false,
      logLevel: 'silent',
    });
    const browser = await chromium.launch({ executablePath: CHROMIUM ?? undefined, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.addScriptTag({ content: bundle.outputFiles[0].text });
      // CMYK is left out: a browser's decoder colour-manages it its own way (see the README).
      for (const f of pixelFixtures().filter((x) => x.mode !== 'CMYK')) {
        const pre = evalPreprocessing(f.eval.cropSize);
        const got = await page.evaluate(
          async ([b64, p, n]) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const lib = (globalThis as any).rectifierImagenetBrowser;
            return Array.from((await lib.preprocessImageBrowser(bytes, p, n)) as Float32Array);
          },
          [Buffer.from(f.bytes).toString('base64'), pre, f.name] as const,
        );
        // Chromium's JPEG decoder is libjpeg-turbo too: one grey level (normalised) at most.
        expect(maxAbsDiff(got, f.eval.data), f.name).toBeLessThanOrEqual(1 / 255 / 0.224 + 1e-5);
      }
    } finally {
      await browser.close();
    }
  });
});
