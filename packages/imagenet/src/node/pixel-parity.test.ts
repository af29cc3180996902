// Every Node decode and resize path against PIL / torchvision, element by element, on the committed
// fixtures of scripts/make-pixel-fixtures.py (RGB, grey and CMYK JPEGs, a PNG, a step edge; shorter
// sides below and above the stored size). Tolerances, in grey levels of 0..255 (the README's table):
//   decode (sharp, CMYK plain)                       <= 1 (measured 0)
//   enlarging, any path (sharp file, JS, packed)     <= 1 (fused float bilinear vs PIL's 8-bit passes)
//   shrinking with resampler 'pil' (eval, predict)    <= 1 (measured 0)
//   shrinking in libvips (training views' default)   <= 6, mean <= 0.5 (measured 5 / 0.37)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViewPlan } from '../geometry.js';
import { planCenterView } from '../geometry.js';
import { type Normalization, TORCHVISION_NORMALIZATION } from '../pixels.js';
import { evalPreprocessing } from '../preprocess.js';
import { maxAbsDiff, type PixelFixture, pixelFixtures, tempDir } from '../test-helpers.js';
import { imageFolder } from './dataset.js';
import { decodeImage, renderViewsSharp } from './decode.js';
import { ImageLoader } from './loader.js';
import { openPacked, pack } from './pack.js';
import { preprocessImage } from './preprocess.js';

const fixtures = pixelFixtures();
const IDENTITY: Normalization = { scale: 1, mean: null, std: null };
/** One grey level in torchvision-normalised units (the smallest std divides the most). */
const LEVEL = 1 / 255 / 0.224;

function meanAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

/** CHW float32 of an HWC crop of a PIL resize (identity normalisation). */
function chwCrop(r: PixelFixture['resized'][number], left: number, top: number, k: number): Float32Array {
  const out = new Float32Array(3 * k * k);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < k; y++)
      for (let x = 0; x < k; x++)
        out[c * k * k + y * k + x] = r.data[((top + y) * r.width + left + x) * 3 + c];
  return out;
}

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('parity');
  for (const f of fixtures) {
    const dir = join(tmp.dir, 'files', f.name.replace('.', '-'), 'c');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, f.name), f.bytes);
  }
});
afterAll(() => tmp.cleanup());

describe('sharp decoding against PIL', () => {
  it("decodes RGB, grey, CMYK (PIL's plain conversion) and PNG to PIL's pixels (<= 1)", async () => {
    for (const f of fixtures) {
      const img = await decodeImage(f.bytes);
      expect([img.width, img.height]).toEqual([f.decoded.width, f.decoded.height]);
      expect(maxAbsDiff(img.data, f.decoded.data), f.name).toBeLessThanOrEqual(1);
    }
  });

  it("cmyk: 'icc' is the colour-managed alternative and differs visibly", async () => {
    const f = fixtures.find((x) => x.mode === 'CMYK');
    if (!f) throw new Error('no CMYK fixture');
    const icc = await decodeImage(f.bytes, { cmyk: 'icc' });
    expect(meanAbsDiff(icc.data, f.decoded.data)).toBeGreaterThan(5);
  });
});

describe('resizing a file to a shorter side (decodeImage)', () => {
  it('enlarging: the JS resampler, PIL-exact (<= 1); shrinking: libvips within 6, or PIL-exact on request', async () => {
    for (const f of fixtures)
      for (const r of f.resized) {
        const up = r.width > f.decoded.width || r.height > f.decoded.height;
        const got = await decodeImage(f.bytes, { shorterSide: r.shorter });
        expect([got.width, got.height]).toEqual([r.width, r.height]);
        const where = `${f.name} -> ${r.width}x${r.height}`;
        if (up || f.mode === 'CMYK') expect(maxAbsDiff(got.data, r.data), where).toBeLessThanOrEqual(1);
        else {
          expect(maxAbsDiff(got.data, r.data), where).toBeLessThanOrEqual(6);
          expect(meanAbsDiff(got.data, r.data), where).toBeLessThanOrEqual(0.5);
        }
        const pil = await decodeImage(f.bytes, { shorterSide: r.shorter, resampler: 'pil' });
        expect(maxAbsDiff(pil.data, r.data), `${where} (pil)`).toBeLessThanOrEqual(1);
      }
  });

  it("the issue's step edge enlarged 8 -> 16 is 0 50 150 200 at the edge, not 0 0 100 200", async () => {
    const f = fixtures.find((x) => x.name === 'step.png');
    if (!f) throw new Error('no step fixture');
    const img = await decodeImage(f.bytes, { shorterSide: 16 });
    expect([6, 7, 8, 9].map((x) => img.data[x * 3])).toEqual([0, 50, 150, 200]);
  });
});

describe('views (renderViewsSharp) against PIL resize + crop', () => {
  it('enlarging crops match within one grey level (training scales above the stored size)', async () => {
    let cases = 0;
    for (const f of fixtures)
      for (const r of f.resized) {
        if (r.width <= f.decoded.width && r.height <= f.decoded.height) continue;
        const k = Math.min(r.width, r.height) - 3;
        const v: ViewPlan = {
          resizeWidth: r.width,
          resizeHeight: r.height,
          crop: { left: 2, top: 1, width: k, height: k },
          flip: false,
        };
        const out = new Float32Array(3 * k * k);
        await renderViewsSharp(f.bytes, [v], [0, 0, 0], IDENTITY, out, 0);
        expect(maxAbsDiff(out, chwCrop(r, 2, 1, k)), `${f.name} ${r.width}x${r.height}`).toBeLessThanOrEqual(
          1,
        );
        cases++;
      }
    expect(cases).toBeGreaterThanOrEqual(5);
  });
});

describe("evaluation paths give torchvision's eval tensor", () => {
  const loaderEval = async (ds: ConstructorParameters<typeof ImageLoader>[0], f: PixelFixture) => {
    const loader = new ImageLoader(ds, {
      transform: {
        kind: 'center',
        resize: f.eval.resize,
        cropSize: f.eval.cropSize,
        normalization: TORCHVISION_NORMALIZATION,
      },
      batchSize: 1,
      shuffle: false,
      workers: 0,
    });
    const batches = [];
    for await (const b of loader) batches.push(b);
    await loader.close();
    expect(batches.length, f.name).toBe(1);
    return batches[0].data;
  };

  it('files through the loader (center transform) within one grey level (measured 0)', async () => {
    for (const f of fixtures) {
      const ds = imageFolder(join(tmp.dir, 'files', f.name.replace('.', '-')));
      expect(maxAbsDiff(await loaderEval(ds, f), f.eval.data), f.name).toBeLessThanOrEqual(LEVEL + 1e-5);
    }
  });

  it('packed shards (raw records) through the loader within one grey level', async () => {
    for (const f of fixtures) {
      const ds = imageFolder(join(tmp.dir, 'files', f.name.replace('.', '-')));
      const out = join(tmp.dir, 'packed', f.name);
      await pack(ds, out, { encoding: 'raw' });
      expect(maxAbsDiff(await loaderEval(await openPacked(out), f), f.eval.data), f.name).toBeLessThanOrEqual(
        LEVEL + 1e-5,
      );
    }
  });

  it('preprocessImage (what predict runs) equals torchvision to float precision', async () => {
    for (const f of fixtures) {
      const x = await preprocessImage(f.bytes, evalPreprocessing(f.eval.cropSize));
      expect(maxAbsDiff(x, f.eval.data), f.name).toBeLessThan(LEVEL + 1e-5);
      const g = await preprocessImage(
        f.bytes,
        evalPreprocessing(f.evalGrey.cropSize, { colorMode: 'grey', mean: [0.5], std: [0.25] }),
      );
      expect(maxAbsDiff(g, f.evalGrey.data), `${f.name} grey`).toBeLessThan(1 / 255 / 0.25 + 1e-5);
    }
  });

  it('a single centre view through renderViewsSharp equals the loader', async () => {
    const f = fixtures[0];
    const v = planCenterView(f.decoded.width, f.decoded.height, f.eval.resize, f.eval.cropSize);
    const out = new Float32Array(f.eval.data.length);
    await renderViewsSharp(f.bytes, [v], [0, 0, 0], TORCHVISION_NORMALIZATION, out, 0, { resampler: 'pil' });
    expect(maxAbsDiff(out, f.eval.data)).toBeLessThan(1e-5);
  });
});
