import { describe, expect, it } from 'vitest';
import { evalPreprocessing, type Preprocessing, preprocessRGB, validatePreprocessing } from './preprocess.js';
import { resampleRGB } from './resample.js';
import { maxAbsDiff, pixelFixtures } from './test-helpers.js';

const fixtures = pixelFixtures();

describe('resampleRGB against PIL (fixtures from scripts/make-pixel-fixtures.py)', () => {
  it('equals PIL bilinear Resize element by element, shrinking and enlarging (tolerance 0)', () => {
    let cases = 0;
    for (const f of fixtures)
      for (const r of f.resized) {
        const { width: w, height: h } = f.decoded;
        const got = resampleRGB(f.decoded, 0, 0, w, h, r.width, r.height);
        expect(maxAbsDiff(got.data, r.data), `${f.name} -> ${r.width}x${r.height}`).toBe(0);
        cases++;
      }
    expect(cases).toBeGreaterThanOrEqual(12);
  });

  it("the issue's step edge 0..0,200..200 enlarged to 16 gives PIL's 0 50 150 200", () => {
    const step = fixtures.find((f) => f.name === 'step.png');
    if (!step) throw new Error('step.png fixture missing');
    const row = Array.from(
      resampleRGB(step.decoded, 0, 0, 8, 8, 16, 16).data.filter((_, i) => i % 3 === 0 && i < 48),
    );
    expect(row.slice(6, 10)).toEqual([0, 50, 150, 200]);
  });
});

describe('preprocessRGB (the deployment preprocessing)', () => {
  it("equals torchvision's Resize + CenterCrop + ToTensor + Normalize on PIL's pixels (1e-5)", () => {
    for (const f of fixtures) {
      const p = evalPreprocessing(f.eval.cropSize);
      expect(p.resize).toBe(f.eval.resize);
      const x = preprocessRGB(f.decoded, p);
      expect(x.length).toBe(3 * p.cropSize * p.cropSize);
      expect(maxAbsDiff(x, f.eval.data), f.name).toBeLessThan(1e-5);
    }
  });

  it("grey models: PIL's convert('L') luma, one channel (1e-5)", () => {
    for (const f of fixtures) {
      const p = evalPreprocessing(f.evalGrey.cropSize, { colorMode: 'grey', mean: [0.5], std: [0.25] });
      const x = preprocessRGB(f.decoded, p);
      expect(x.length).toBe(p.cropSize * p.cropSize);
      expect(maxAbsDiff(x, f.evalGrey.data), f.name).toBeLessThan(1e-5);
    }
  });

  it('nearest repeats pixels and box averages blocks (what the in-memory loaders do)', () => {
    const img = {
      data: new Uint8Array([0, 0, 0, 100, 100, 100, 40, 40, 40, 60, 60, 60]),
      width: 2,
      height: 2,
    };
    const base = { scale: 1, mean: [0], std: [1], colorMode: 'grey' as const };
    const up = preprocessRGB(img, evalPreprocessing(4, { ...base, resize: 4, interpolation: 'nearest' }));
    expect(Array.from(up.slice(0, 8))).toEqual([0, 0, 100, 100, 0, 0, 100, 100]);
    const down = preprocessRGB(img, evalPreprocessing(1, { ...base, resize: 1, interpolation: 'box' }));
    expect(Array.from(down)).toEqual([50]);
  });

  it('rejects crafted descriptions with one-line messages naming the field', () => {
    const good: Preprocessing = evalPreprocessing(32);
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ ...good, std: [0.2, 0, 0.2] }, /std must be 3 finite numbers > 0/],
      [{ ...good, mean: 'x' }, /mean must be 3 finite numbers/],
      [{ ...good, cropSize: 30000, resize: 30000 }, /cropSize must be an integer in \[1, 4096\]/],
      [{ ...good, resize: 16 }, /resize must be an integer in \[cropSize 32, 4096\]/],
      [{ ...good, interpolation: 'lanczos' }, /interpolation must be 'bilinear', 'nearest' or 'box'/],
      [{ ...good, version: 2 }, /version must be 1/],
      [{ ...good, colour: 'rgb' }, /unknown key 'colour'/],
    ];
    for (const [p, re] of bad) {
      let msg = '';
      try {
        validatePreprocessing(p);
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg).toMatch(re);
      expect(msg).not.toContain('\n');
    }
    expect(() => validatePreprocessing([1])).toThrow(/expected an object, got an array/);
    expect(validatePreprocessing(JSON.parse(JSON.stringify(good)))).toEqual(good);
  });
});
