import { describe, expect, it } from 'vitest';
import { DTypeError, ShapeError } from '../errors.js';
import { Generator } from '../random/generator.js';
import { backendsUnderTest } from '../test-support/backends.js';
import { f64, read } from '../test-support/helpers.js';
import { assertClose, gradcheck } from '../testing/index.js';
import {
  arange,
  eye,
  full,
  fullLike,
  ones,
  onesLike,
  rand,
  randint,
  randn,
  tensor,
  zeros,
  zerosLike,
} from './creation.js';
import { dropout } from './dropout.js';

describe.each(await backendsUnderTest())('creation on $name', ({ backend }) => {
  it('tensor from nested arrays, typed arrays and scalars', async () => {
    const t = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { backend },
    );
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(await t.array()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const i = tensor(new Int32Array([1, 2, 3, 4]), { shape: [2, 2], backend });
    expect(i.dtype).toBe('int32');
    expect(await i.item().catch((e: Error) => e.message)).toBe(
      'item: expected a tensor with one element, got shape [2, 2]',
    );
    expect(await tensor(3.5, { backend }).item()).toBe(3.5);
    expect(tensor([], { backend }).shape).toEqual([0]);
    expect(() => tensor([[1, 2], [3]], { backend })).toThrow('tensor: nested arrays are ragged');
    expect(() => tensor([1, 2, 3], { shape: [2, 2], backend })).toThrow(
      'tensor: shape [2, 2] needs 4 elements but the data has 3',
    );
    expect(tensor([1.9, -1.9], { dtype: 'int32', backend }).dtype).toBe('int32');
    assertClose(await read(tensor([1.9, -1.9], { dtype: 'int32', backend })), [1, -1]);
  });
  it('tensor copies a typed array of its dtype (later writes to the source do not reach it)', async () => {
    for (const [src, dtype] of [
      [new Float32Array([1, 2, 3]), 'float32'],
      [new Int32Array([4, 5, 6]), 'int32'],
    ] as const) {
      const t = tensor(src, { backend, dtype });
      src.fill(9);
      expect(Array.from(await read(t))).toEqual(dtype === 'int32' ? [4, 5, 6] : [1, 2, 3]);
    }
  });

  it('fills, ranges and identity', async () => {
    assertClose(await read(full([2, 2], 7, { backend })), [7, 7, 7, 7]);
    assertClose(await read(zeros([3], { backend })), [0, 0, 0]);
    assertClose(await read(ones([2], { backend, dtype: 'int32' })), [1, 1]);
    const x = ones([2, 3], { backend });
    expect(zerosLike(x).shape).toEqual([2, 3]);
    assertClose(await read(onesLike(x)), [1, 1, 1, 1, 1, 1]);
    assertClose(await read(fullLike(x, 2)), [2, 2, 2, 2, 2, 2]);
    assertClose(await read(arange(4, undefined, 1, { backend })), [0, 1, 2, 3]);
    assertClose(await read(arange(1, 2, 0.25, { backend })), [1, 1.25, 1.5, 1.75]);
    assertClose(await read(arange(3, 0, -1, { backend })), [3, 2, 1]);
    assertClose(await read(eye(2, 3, { backend })), [1, 0, 0, 0, 1, 0]);
    expect(() => zeros([2, -1], { backend })).toThrow(ShapeError);
    expect(() => zeros([Number.NaN], { backend })).toThrow(
      'full: shape [NaN] must contain non-negative finite integers',
    );
    // non-finite sizes, for every creation function
    expect(() => randn([Number.POSITIVE_INFINITY], { backend })).toThrow(
      'randn: shape [Infinity] must contain non-negative finite integers',
    );
    expect(() => eye(Number.NaN, undefined, { backend })).toThrow('eye: size [NaN, NaN]');
    expect(() => arange(Number.POSITIVE_INFINITY, undefined, 1, { backend })).toThrow(
      'arange: start 0, end Infinity and step 1 must be finite',
    );
    expect(() => tensor([1, 2], { backend, shape: [Number.NaN] })).toThrow('tensor: shape [NaN]');
    expect(() => zeros([1.5], { backend })).toThrow(ShapeError);
    expect(() => arange(0, 1, 0, { backend })).toThrow(RangeError);
    expect(() => randn([2], { backend, dtype: 'int32' })).toThrow(DTypeError);
  });
  it('random draws are identical on every backend for the same seed', async () => {
    const u = await read(rand([10], { backend, generator: new Generator(3) }));
    const uCpu = rand([10], { generator: new Generator(3) }).dataSync();
    assertClose(u, uCpu, { atol: 0, rtol: 0 });
    const z = await read(randn([10], { backend, generator: new Generator(4) }));
    assertClose(z, randn([10], { generator: new Generator(4) }).dataSync(), { atol: 1e-5, rtol: 1e-5 });
    const r = await read(randint(0, 7, [10], { backend, generator: new Generator(5) }));
    assertClose(r, randint(0, 7, [10], { generator: new Generator(5) }).dataSync(), { atol: 0, rtol: 0 });
  });
  it('dropout zeroes with probability p and rescales survivors', async () => {
    const n = 20000;
    const y = await read(dropout(ones([n], { backend }), 0.25, true, new Generator(6)));
    let kept = 0;
    for (const v of y) {
      if (v !== 0) {
        expect(v).toBeCloseTo(1 / 0.75, 5);
        kept++;
      }
    }
    // binomial sd = sqrt(n p (1-p)) ~ 61; 5 sigma
    expect(Math.abs(kept - 0.75 * n)).toBeLessThan(5 * Math.sqrt(n * 0.25 * 0.75));
    const x = ones([3], { backend });
    expect(dropout(x, 0.5, false)).toBe(x);
    assertClose(await read(dropout(x, 1)), [0, 0, 0]);
    expect(() => dropout(x, 1.5)).toThrow('dropout: p must be in [0, 1], got 1.5');
    expect(() => dropout(x, 0.5, true, 3 as never)).toThrow(
      'dropout: generator must be a Generator, got number',
    );
    expect(() => randn([2], { backend, generator: {} as never })).toThrow(
      'randn: generator must be a Generator',
    );
    expect(() => randint(0, 5, [Number.NaN], { backend })).toThrow('randint: shape [NaN]');
  });
});

describe('dropout gradient (float64)', () => {
  it('is the mask scaled by 1 / (1 - p) (same seed each call)', () => {
    expect(gradcheck((x) => dropout(x, 0.3, true, new Generator(11)), [f64([4, 5], 1)])).toBe(true);
  });
});

describe('creation options', () => {
  it('unknown option keys are rejected with the op and the allowed keys named', () => {
    // a misspelt key would otherwise be ignored silently (here: a float32 tensor instead of int32)
    const bad = { dtyp: 'int32' } as never;
    expect(() => tensor([1, 2], bad)).toThrow(
      /tensor: unknown option 'dtyp' \(allowed: dtype, requiresGrad, backend, shape\)/,
    );
    expect(() => zeros([2], bad)).toThrow(/full: unknown option 'dtyp'/);
    expect(() => arange(3, undefined, 1, bad)).toThrow(/arange: unknown option 'dtyp'/);
    expect(() => eye(2, 2, bad)).toThrow(/eye: unknown option 'dtyp'/);
    expect(() => zerosLike(zeros([2]), bad)).toThrow(/zerosLike: unknown option 'dtyp'/);
    expect(() => randn([2], { seed: 1 } as never)).toThrow(
      /randn: unknown option 'seed' \(allowed: .*generator\)/,
    );
    expect(() => randint(0, 3, [2], { seed: 1 } as never)).toThrow(/randint: unknown option 'seed'/);
    expect(() => zeros([2], null as never)).toThrow(/full: options must be an object/);
    // every documented key is still accepted
    const g = new Generator(1);
    expect(randn([2], { generator: g, dtype: 'float64', requiresGrad: true }).requiresGrad).toBe(true);
    expect(tensor([1, 2, 3, 4], { shape: [2, 2], dtype: 'int32' }).shape).toEqual([2, 2]);
  });
});
