import { describe, expect, it } from 'vitest';
import { backendsUnderTest } from '../test-support/backends.js';
import { f64, forwardBackwardOn, read } from '../test-support/helpers.js';
import { assertClose, gradcheck } from '../testing/index.js';
import { arange, tensor } from './creation.js';
import { type InterpolateOptions, interpolate } from './interpolate.js';

// Expectations are torch.nn.functional.interpolate's outputs for the same inputs.
describe.each(await backendsUnderTest())('interpolate on $name', ({ backend, atol, rtol }) => {
  const x22 = () => tensor([1, 2, 3, 4], { shape: [1, 1, 2, 2], backend });
  it('nearest 2x repeats every pixel', async () => {
    const y = interpolate(x22(), { scaleFactor: 2 });
    expect(y.shape).toEqual([1, 1, 4, 4]);
    expect(Array.from(await read(y))).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });
  it('nearest picks floor(dst * in / out)', async () => {
    const v = tensor([1, 2], { shape: [1, 1, 2], backend });
    expect(Array.from(await read(interpolate(v, { size: 3 })))).toEqual([1, 1, 2]);
    const w = arange(0, 5, 1, { backend }).reshape([1, 1, 5]);
    expect(Array.from(await read(interpolate(w, { size: 2 })))).toEqual([0, 2]);
    // scale factor 1/scaleFactor, not in/out: 5 * 0.5 -> 2 outputs at 0 and 2
    expect(Array.from(await read(interpolate(w, { scaleFactor: 0.5 })))).toEqual([0, 2]);
  });
  it('bilinear, alignCorners false (half-pixel centres, clamped at 0)', async () => {
    const y = interpolate(x22(), { size: 4, mode: 'bilinear' });
    assertClose(
      await read(y),
      [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4],
      { atol, rtol },
    );
  });
  it('bilinear, alignCorners true (corner centres coincide)', async () => {
    const y = interpolate(x22(), { size: [4, 4], mode: 'bilinear', alignCorners: true });
    const t = 1 / 3;
    assertClose(
      await read(y),
      [
        ...[1, 1 + t, 1 + 2 * t, 2],
        ...[1 + 2 * t, 2, 2 + t, 2 + 2 * t],
        ...[2 + t, 2 + 2 * t, 3, 3 + t],
        ...[3, 3 + t, 3 + 2 * t, 4],
      ],
      { atol, rtol },
    );
  });
  it('linear with a scale factor uses 1/scaleFactor unless recomputeScaleFactor', async () => {
    const v = tensor([0, 1, 2], { shape: [1, 1, 3], backend });
    const y = interpolate(v, { scaleFactor: 1.5, mode: 'linear' });
    expect(y.shape).toEqual([1, 1, 4]);
    assertClose(await read(y), [0, 0.5, 7 / 6, 11 / 6], { atol, rtol });
    const r = interpolate(v, { scaleFactor: 1.5, mode: 'linear', recomputeScaleFactor: true });
    assertClose(await read(r), [0, 0.625, 1.375, 2], { atol, rtol });
  });
  it('bilinear downsampling by 2 averages pairs', async () => {
    const v = arange(0, 16, 1, { backend }).reshape([1, 1, 4, 4]);
    assertClose(await read(interpolate(v, { scaleFactor: 0.5, mode: 'bilinear' })), [2.5, 4.5, 10.5, 12.5], {
      atol,
      rtol,
    });
  });
  it('a NaN or an infinity stays in the outputs that read it, as in PyTorch', async () => {
    const v = tensor([1, Number.NaN, 3, Number.POSITIVE_INFINITY, 5], { shape: [1, 1, 5], backend });
    // linear 5 -> 10, half-pixel: output i reads sources floor(src) and the next one, both multiplied
    // even at weight 0 (torch: output 0 = 1 * 1 + 0 * NaN = NaN); the last output reads source 4 twice
    const y = Array.from(await read(interpolate(v, { size: 10, mode: 'linear' })));
    expect(y.map((e) => (Number.isNaN(e) ? 'nan' : e === Number.POSITIVE_INFINITY ? 'inf' : 'num'))).toEqual([
      'nan',
      'nan',
      'nan',
      'nan',
      'nan',
      'inf',
      'inf',
      'inf',
      'inf',
      'num',
    ]);
    // nearest 5 -> 3 reads sources 0, 1, 3
    const n = Array.from(await read(interpolate(v, { size: 3 })));
    expect([n[0], Number.isNaN(n[1]), n[2]]).toEqual([1, true, Number.POSITIVE_INFINITY]);
  });
  it('int32 nearest resizing (repeat, skip, general)', async () => {
    const v = tensor([1, 2, 3, 4], { shape: [1, 1, 4], dtype: 'int32', backend });
    expect(Array.from(await read(interpolate(v, { scaleFactor: 2 })))).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    expect(Array.from(await read(interpolate(v, { size: 2 })))).toEqual([1, 3]);
    expect(Array.from(await read(interpolate(v, { size: 3 })))).toEqual([1, 2, 3]);
  });
  const cases: [string, number[], InterpolateOptions][] = [
    ['nearest up', [2, 3, 4, 5], { size: [7, 9] }],
    ['nearest down', [1, 2, 7, 6], { size: [3, 4] }],
    ['bilinear up', [2, 3, 4, 5], { size: [7, 9], mode: 'bilinear' }],
    ['bilinear down, align', [1, 2, 7, 6], { size: [3, 4], mode: 'bilinear', alignCorners: true }],
    ['trilinear', [1, 2, 3, 4, 3], { scaleFactor: [2, 1.5, 1], mode: 'trilinear' }],
  ];
  for (const [name, shape, o] of cases) {
    it(`${name}: forward and input gradient match the float64 CPU result`, async () => {
      const r = await forwardBackwardOn(backend, [shape], (t) => interpolate(t, o));
      assertClose(r.out, r.ref, { atol, rtol });
      assertClose(r.grads[0], r.refGrads[0], { atol, rtol });
    });
  }
});

describe('interpolate gradients (float64 finite differences)', () => {
  it('nearest', () => {
    expect(gradcheck((t) => interpolate(t, { size: [5, 3] }), [f64([1, 2, 3, 4], 1)])).toBe(true);
  });
  it('bilinear, both alignCorners', () => {
    for (const alignCorners of [false, true]) {
      expect(
        gradcheck(
          (t) => interpolate(t, { size: [5, 3], mode: 'bilinear', alignCorners }),
          [f64([2, 1, 3, 4], 2)],
        ),
      ).toBe(true);
    }
  });
  it('linear with a scale factor', () => {
    expect(gradcheck((t) => interpolate(t, { scaleFactor: 2.5, mode: 'linear' }), [f64([1, 2, 4], 3)])).toBe(
      true,
    );
  });
});

describe('interpolate argument errors', () => {
  const x = tensor([1, 2, 3, 4], { shape: [1, 1, 2, 2] });
  it('names what is wrong and what is allowed', () => {
    expect(() => interpolate(x, {})).toThrow('interpolate: give exactly one of size and scaleFactor');
    expect(() => interpolate(x, { size: 4, scaleFactor: 2 })).toThrow('exactly one of size and scaleFactor');
    expect(() => interpolate(x, { size: 4, mode: 'linear' })).toThrow(
      'interpolate: mode linear needs a 3-D input, got [1, 1, 2, 2]',
    );
    expect(() => interpolate(x, { size: 4, alignCorners: true })).toThrow(
      'alignCorners can only be set with the linear modes',
    );
    expect(() => interpolate(x, { size: [4, 4, 4] })).toThrow('size must be a number or 2 numbers');
    expect(() => interpolate(x, { scaleFactor: 0.1 })).toThrow('gives an empty output');
    expect(() => interpolate(x, { size: 4, mode: 'bicubic' as never })).toThrow(
      'interpolate: mode must be one of nearest, linear, bilinear, trilinear, got "bicubic"',
    );
    expect(() => interpolate(x, { size: 4, align_corners: true } as never)).toThrow(
      "interpolate: unknown option 'align_corners'",
    );
  });
});
