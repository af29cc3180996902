import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors.js';
import { backendsUnderTest } from '../test-support/backends.js';
import { f64, forwardBackwardOn, read } from '../test-support/helpers.js';
import { assertClose, gradcheck } from '../testing/index.js';
import { arange, tensor } from './creation.js';
import { pad } from './pad.js';

// x = [[1, 2, 3], [4, 5, 6]] as [1, 1, 2, 3]; expectations are torch.nn.functional.pad's outputs
const x23 = (opts: Parameters<typeof arange>[3]) => arange(1, 7, 1, opts).reshape([1, 1, 2, 3]);

describe.each(await backendsUnderTest())('pad on $name', ({ backend, atol, rtol }) => {
  const x = () => x23({ backend, dtype: 'float32' });
  it('constant: (left, right, top, bottom) pairs start from the last dim', async () => {
    const y = pad(x(), [1, 2, 1, 0]);
    expect(y.shape).toEqual([1, 1, 3, 6]);
    expect(Array.from(await read(y))).toEqual([
      ...[0, 0, 0, 0, 0, 0],
      ...[0, 1, 2, 3, 0, 0],
      ...[0, 4, 5, 6, 0, 0],
    ]);
    expect(Array.from(await read(pad(x(), [1, 0], 'constant', -1)))).toEqual([-1, 1, 2, 3, -1, 4, 5, 6]);
    // negative amounts crop (F.pad(x, (-1, 1)))
    expect(Array.from(await read(pad(x(), [-1, 1])))).toEqual([2, 3, 0, 5, 6, 0]);
  });
  it('reflect mirrors without repeating the edge', async () => {
    const y = pad(x(), [2, 1, 1, 1], 'reflect');
    expect(y.shape).toEqual([1, 1, 4, 6]);
    expect(Array.from(await read(y))).toEqual([
      ...[6, 5, 4, 5, 6, 5],
      ...[3, 2, 1, 2, 3, 2],
      ...[6, 5, 4, 5, 6, 5],
      ...[3, 2, 1, 2, 3, 2],
    ]);
    // 3-D input, last dim only
    const v = tensor([1, 2, 3], { shape: [1, 1, 3], backend });
    expect(Array.from(await read(pad(v, [2, 2], 'reflect')))).toEqual([3, 2, 1, 2, 3, 2, 1]);
  });
  it('replicate repeats the edge value', async () => {
    const y = pad(x(), [2, 1, 1, 0], 'replicate');
    expect(Array.from(await read(y))).toEqual([
      ...[1, 1, 1, 2, 3, 3],
      ...[1, 1, 1, 2, 3, 3],
      ...[4, 4, 4, 5, 6, 6],
    ]);
  });
  for (const mode of ['constant', 'reflect', 'replicate'] as const) {
    it(`${mode}: forward and input gradient match the float64 CPU result`, async () => {
      const r = await forwardBackwardOn(backend, [[2, 3, 5, 4]], (t) => pad(t, [1, 2, 3, 0], mode));
      assertClose(r.out, r.ref, { atol, rtol });
      assertClose(r.grads[0], r.refGrads[0], { atol, rtol });
    });
  }
  it('gradient of replicate sums every copy onto its source', async () => {
    const v = tensor([1, 2, 3], { shape: [1, 1, 3], backend, requiresGrad: true });
    pad(v, [2, 1], 'replicate').sum().backward();
    expect(Array.from(await read(v.grad!))).toEqual([3, 1, 2]);
  });
});

describe('pad gradients (float64 finite differences)', () => {
  for (const mode of ['constant', 'reflect', 'replicate'] as const) {
    it(mode, () => {
      expect(gradcheck((t) => pad(t, [2, 1, 1, 2], mode), [f64([2, 2, 4, 3], 1)])).toBe(true);
      expect(gradcheck((t) => pad(t, [1, 2], mode), [f64([2, 3, 4], 2)])).toBe(true);
    });
  }
  it('constant with cropping', () => {
    expect(gradcheck((t) => pad(t, [-1, 2, 1, -2], 'constant', 0.5), [f64([1, 2, 4, 5], 3)])).toBe(true);
  });
});

describe('pad argument errors', () => {
  const x = x23({ dtype: 'float32' });
  it('names what is wrong and what is allowed', () => {
    expect(() => pad(x, [1])).toThrow('pad: padding must be an array of even length');
    expect(() => pad(x, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1])).toThrow(
      'pads 5 dims but the input [1, 1, 2, 3] has 4',
    );
    expect(() => pad(x, [3, 0], 'reflect')).toThrow(
      'pad: reflect padding (3, 0) of dim 3 must be smaller than its size 3',
    );
    expect(() => pad(x, [-1, 0], 'replicate')).toThrow('replicate padding must be non-negative');
    expect(() => pad(x, [1, 1], 'circular' as never)).toThrow(
      'pad: mode must be one of constant, reflect, replicate, got "circular"',
    );
    expect(() => pad(x, [1.5, 1])).toThrow(ShapeError);
    expect(() => pad(x, [-4, 0])).toThrow('crops more than the size 3 of dim 3');
    expect(() => pad(x, [1, 1], 'reflect', 2)).toThrow('value applies to constant padding only');
  });
  it('zero padding returns a new tensor with the same values', () => {
    const y = pad(x, [0, 0]);
    expect(y).not.toBe(x);
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
