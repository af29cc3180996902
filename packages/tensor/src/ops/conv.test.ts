import { describe, expect, it } from 'vitest';
import { DTypeError, ShapeError } from '../errors.js';
import { backendsUnderTest } from '../test-support/backends.js';
import { f64, randomOn, read } from '../test-support/helpers.js';
import { type RefConv, refConv2d } from '../test-support/reference.js';
import { assertClose, gradcheck } from '../testing/index.js';
import { conv2d } from './conv.js';
import { zeros } from './creation.js';

const cases: { name: string; x: number[]; w: number[]; o: RefConv }[] = [
  {
    name: '3x3 pad 1',
    x: [2, 3, 6, 5],
    w: [4, 3, 3, 3],
    o: { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 },
  },
  {
    name: 'stride 2, asymmetric',
    x: [1, 2, 7, 6],
    w: [3, 2, 3, 2],
    o: { stride: [2, 1], padding: [1, 0], dilation: [1, 1], groups: 1 },
  },
  {
    name: 'dilation 2',
    x: [1, 2, 7, 7],
    w: [2, 2, 3, 3],
    o: { stride: [1, 1], padding: [2, 2], dilation: [2, 2], groups: 1 },
  },
  {
    name: 'groups 2',
    x: [2, 4, 5, 5],
    w: [6, 2, 3, 3],
    o: { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 2 },
  },
  {
    name: 'depthwise',
    x: [1, 3, 5, 4],
    w: [3, 1, 3, 3],
    o: { stride: [2, 2], padding: [1, 1], dilation: [1, 1], groups: 3 },
  },
  {
    name: '1x1',
    x: [2, 3, 4, 4],
    w: [5, 3, 1, 1],
    o: { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 },
  },
];

describe.each(await backendsUnderTest())('conv2d on $name', ({ backend, rtol }) => {
  for (const c of cases) {
    it(`${c.name} matches the direct definition`, async () => {
      const x = randomOn(backend, c.x, 1);
      const w = randomOn(backend, c.w, 2);
      const b = randomOn(backend, [c.w[0]], 3);
      const y = conv2d(x.t, w.t, b.t, c.o);
      const ref = refConv2d(x.host, c.x, w.host, c.w, c.o);
      expect(y.shape).toEqual(ref.shape);
      const plane = ref.shape[2] * ref.shape[3];
      const withBias = ref.out.map((v, i) => v + b.host[Math.floor(i / plane) % c.w[0]]);
      assertClose(await read(y), withBias, { atol: 1e-4, rtol: Math.max(rtol, 1e-4) });
    });
  }
  it('names channels and shapes in errors', () => {
    expect(() => conv2d(zeros([8, 3, 32, 32], { backend }), zeros([16, 4, 3, 3], { backend }))).toThrow(
      'conv2d: input has 3 channels but weight expects 4 (input [8, 3, 32, 32], weight [16, 4, 3, 3])',
    );
    expect(() => conv2d(zeros([1, 3, 2, 2], { backend }), zeros([1, 3, 3, 3], { backend }))).toThrow(
      ShapeError,
    );
    expect(() => conv2d(zeros([1, 3, 2], { backend }), zeros([1, 3, 3, 3], { backend }))).toThrow(
      'conv2d: input must be 4-D [N,C,H,W], got shape [1, 3, 2]',
    );
    expect(() =>
      conv2d(zeros([1, 4, 5, 5], { backend }), zeros([3, 2, 3, 3], { backend }), null, { groups: 2 }),
    ).toThrow('not divisible by groups');
    expect(() =>
      conv2d(zeros([1, 2, 5, 5], { backend }), zeros([2, 2, 3, 3], { backend }), zeros([3], { backend })),
    ).toThrow('bias must have shape [2]');
    expect(() =>
      conv2d(zeros([1, 2, 5, 5], { backend, dtype: 'int32' }), zeros([2, 2, 3, 3], { backend })),
    ).toThrow(DTypeError);
    // a typo would otherwise silently mean padding 0
    expect(() =>
      conv2d(zeros([1, 2, 5, 5], { backend }), zeros([2, 2, 3, 3], { backend }), null, {
        pading: 1,
      } as never),
    ).toThrow("conv2d: unknown option 'pading' (allowed: stride, padding, dilation, groups)");
  });
});

describe('conv2d gradients (float64)', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(gradcheck((x, w, b) => conv2d(x, w, b, c.o), [f64(c.x, 1), f64(c.w, 2), f64([c.w[0]], 3)])).toBe(
        true,
      );
    });
  }
  it('non-contiguous input', () => {
    expect(
      gradcheck(
        (x, w) => conv2d(x.permute([0, 1, 3, 2]), w, null, { padding: 1 }),
        [f64([1, 2, 4, 3], 4), f64([2, 2, 3, 3], 5)],
      ),
    ).toBe(true);
  });
});
