import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors.js';
import { backendsUnderTest } from '../test-support/backends.js';
import { f64, randomOn, read } from '../test-support/helpers.js';
import { refAdaptive, refPool2d } from '../test-support/reference.js';
import { assertClose, gradcheck } from '../testing/index.js';
import { tensor, zeros } from './creation.js';
import { adaptiveAvgPool2d, adaptiveMaxPool2d, avgPool2d, maxPool2d } from './pool.js';

const cases = [
  { k: 2, s: 2, p: 0, ceil: false, hw: [6, 6] },
  { k: 3, s: 2, p: 1, ceil: false, hw: [7, 6] },
  { k: 3, s: 2, p: 0, ceil: true, hw: [6, 8] }, // ceil adds a partial last window
  { k: 2, s: 2, p: 1, ceil: true, hw: [5, 5] }, // ceil window starting in the right padding is dropped
  { k: 3, s: 3, p: 1, ceil: true, hw: [7, 7] },
];

describe.each(await backendsUnderTest())('pooling on $name', ({ backend, atol, rtol }) => {
  for (const c of cases) {
    const name = `k${c.k} s${c.s} p${c.p}${c.ceil ? ' ceil' : ''} on ${c.hw.join('x')}`;
    it(`max/avg ${name} match PyTorch's definition`, async () => {
      const shape = [2, 3, ...c.hw];
      const x = randomOn(backend, shape, 1);
      const o = { kernelSize: c.k, stride: c.s, padding: c.p, ceilMode: c.ceil };
      const rm = refPool2d('max', x.host, shape, c.k, c.s, c.p, c.ceil);
      const ym = maxPool2d(x.t, o);
      expect(ym.shape).toEqual(rm.shape);
      assertClose(await read(ym), rm.out, { atol, rtol });
      for (const includePad of [true, false]) {
        const ra = refPool2d('avg', x.host, shape, c.k, c.s, c.p, c.ceil, includePad);
        assertClose(await read(avgPool2d(x.t, { ...o, countIncludePad: includePad })), ra.out, {
          atol,
          rtol,
        });
      }
    });
  }
  it('output sizes follow the ceil-mode rule (PyTorch values)', () => {
    // torch: MaxPool2d(2, 2, padding=1, ceil_mode=True) on 5x5 -> 3x3; MaxPool2d(3, 2, ceil_mode=True) on 6 -> 3
    expect(
      maxPool2d(zeros([1, 1, 5, 5], { backend }), { kernelSize: 2, padding: 1, ceilMode: true }).shape,
    ).toEqual([1, 1, 3, 3]);
    expect(
      maxPool2d(zeros([1, 1, 6, 6], { backend }), { kernelSize: 3, stride: 2, ceilMode: true }).shape,
    ).toEqual([1, 1, 3, 3]);
    expect(maxPool2d(zeros([1, 1, 6, 6], { backend }), { kernelSize: 3, stride: 2 }).shape).toEqual([
      1, 1, 2, 2,
    ]);
    expect(() => maxPool2d(zeros([1, 1, 4, 4], { backend }), { kernelSize: 2, padding: 2 })).toThrow(
      'at most half the kernel size',
    );
    expect(() => maxPool2d(zeros([1, 1, 2, 2], { backend }), { kernelSize: 3 })).toThrow(ShapeError);
    expect(() => maxPool2d(zeros([1, 4, 4], { backend }), { kernelSize: 2 })).toThrow(
      'maxPool2d: input must be 4-D',
    );
    expect(() =>
      maxPool2d(zeros([1, 1, 4, 4], { backend }), { kernelSize: 2, ceil_mode: true } as never),
    ).toThrow("maxPool2d: unknown option 'ceil_mode'");
    expect(() => avgPool2d(zeros([1, 1, 4, 4], { backend }), undefined as never)).toThrow(
      'avgPool2d: options { kernelSize } are required',
    );
    // non-finite sizes are named as such (not printed as JSON null)
    expect(() => maxPool2d(zeros([1, 1, 4, 4], { backend }), { kernelSize: Number.NaN })).toThrow(
      'maxPool2d: kernelSize must be an integer >= 1, got NaN',
    );
    expect(() => adaptiveAvgPool2d(zeros([1, 1, 4, 4], { backend }), [Number.POSITIVE_INFINITY, 2])).toThrow(
      'adaptiveAvgPool2d: outputSize must be an integer >= 1, got [Infinity, 2]',
    );
  });
  for (const [oh, ow] of [
    [3, 2],
    [1, 1],
    [4, 5],
  ]) {
    it(`adaptive pooling to ${oh}x${ow} uses floor/ceil windows`, async () => {
      const shape = [1, 2, 7, 5];
      const x = randomOn(backend, shape, 2);
      assertClose(await read(adaptiveMaxPool2d(x.t, [oh, ow])), refAdaptive('max', x.host, shape, oh, ow), {
        atol,
        rtol,
      });
      assertClose(await read(adaptiveAvgPool2d(x.t, [oh, ow])), refAdaptive('avg', x.host, shape, oh, ow), {
        atol,
        rtol,
      });
    });
  }
  it('max pooling propagates NaN', async () => {
    const x = tensor([1, Number.NaN, 3, 4], { shape: [1, 1, 2, 2], backend });
    assertClose(await read(maxPool2d(x, { kernelSize: 2 })), [Number.NaN]);
  });
});

describe('pooling gradients (float64)', () => {
  for (const c of cases) {
    it(`max and avg k${c.k} s${c.s} p${c.p} ceil=${c.ceil}`, () => {
      const o = { kernelSize: c.k, stride: c.s, padding: c.p, ceilMode: c.ceil };
      expect(gradcheck((x) => maxPool2d(x, o), [f64([1, 2, ...c.hw], 1)])).toBe(true);
      expect(gradcheck((x) => avgPool2d(x, o), [f64([1, 2, ...c.hw], 2)])).toBe(true);
      expect(
        gradcheck((x) => avgPool2d(x, { ...o, countIncludePad: false }), [f64([1, 2, ...c.hw], 3)]),
      ).toBe(true);
    });
  }
  it('adaptive max and avg', () => {
    expect(gradcheck((x) => adaptiveMaxPool2d(x, [3, 2]), [f64([1, 2, 7, 5], 4)])).toBe(true);
    expect(gradcheck((x) => adaptiveAvgPool2d(x, [3, 4]), [f64([2, 1, 7, 5], 5)])).toBe(true);
  });
  it('max-pool ties: the first maximum in the window gets the whole gradient', () => {
    const x = tensor([5, 5, 5, 5, 1, 2, 2, 0], { shape: [1, 1, 2, 4], dtype: 'float64', requiresGrad: true });
    maxPool2d(x, { kernelSize: 2 }).sum().backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([1, 0, 1, 0, 0, 0, 0, 0]);
    const y = tensor([1, 3, 2, 0], { shape: [1, 1, 1, 4], dtype: 'float64', requiresGrad: true });
    maxPool2d(y, { kernelSize: [1, 2], stride: 1 })
      .sum()
      .backward(); // overlapping windows accumulate
    expect(Array.from(y.grad!.dataSync())).toEqual([0, 2, 1, 0]);
  });
});
