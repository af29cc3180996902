import { describe, expect, it } from 'vitest';
import { DTypeError, ShapeError } from '../errors.js';
import { backendsUnderTest } from '../test-support/backends.js';
import { read } from '../test-support/helpers.js';
import { assertClose } from '../testing/index.js';
import { leakyRelu } from './activation.js';
import { tensor, zeros } from './creation.js';
import * as ew from './elementwise.js';

const X = [
  -2.5,
  -1,
  -0.5,
  -0,
  0,
  0.5,
  1,
  2.5,
  3.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
];
const halfEven = (x: number) => (Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x));

// independent scalar references (not the op table)
const unaryRef: Record<string, (x: number) => number> = {
  neg: (x) => -x,
  abs: Math.abs,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  sign: Math.sign,
  reciprocal: (x) => 1 / x,
  square: (x) => x ** 2,
  floor: Math.floor,
  ceil: Math.ceil,
  round: halfEven,
  trunc: Math.trunc,
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  // biome-ignore lint/complexity/useMathMinMax: NaN and -0 pass through (torch); Math.max(-0, 0) is +0
  relu: (x) => (x < 0 ? 0 : x),
  isnan: (x) => Number(Number.isNaN(x)),
  logicalNot: (x) => Number(x === 0),
};

const binaryRef: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  floorDivide: (a, b) => Math.floor(a / b),
  pow: (a, b) => a ** b,
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.max(a, b)),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.min(a, b)),
  eq: (a, b) => Number(a === b),
  ne: (a, b) => Number(a !== b),
  lt: (a, b) => Number(a < b),
  le: (a, b) => Number(a <= b),
  gt: (a, b) => Number(a > b),
  ge: (a, b) => Number(a >= b),
};

describe.each(await backendsUnderTest())('elementwise on $name', ({ backend, atol, rtol }) => {
  const f32 = (v: number) => Math.fround(v);
  for (const [op, ref] of Object.entries(unaryRef)) {
    it(`${op} matches the scalar reference, including 0, -0, NaN and infinities`, async () => {
      const x = tensor(X, { backend });
      const y = (ew as unknown as Record<string, (t: unknown) => ReturnType<typeof tensor>>)[op](x);
      expect(y.shape).toEqual([X.length]);
      assertClose(
        await read(y),
        X.map((v) => f32(ref(f32(v)))),
        { atol, rtol },
      );
    });
  }
  for (const [op, ref] of Object.entries(binaryRef)) {
    it(`${op} broadcasts [4,1] with [3] and propagates NaN like the reference`, async () => {
      const A = [-1.5, 0, 2, Number.NaN];
      const B = [2, -0.5, 0];
      const y = (ew as unknown as Record<string, (a: unknown, b: unknown) => ReturnType<typeof tensor>>)[op](
        tensor(A, { backend, shape: [4, 1] }),
        tensor(B, { backend }),
      );
      expect(y.shape).toEqual([4, 3]);
      const expected = A.flatMap((a) => B.map((b) => f32(ref(a, b))));
      assertClose(await read(y), expected, { atol, rtol });
    });
  }

  it('pow of a negative base with integer exponents keeps the sign', async () => {
    const y = ew.pow(tensor([-2, -2, -2, 0, 4], { backend }), tensor([2, 3, 0.5, 0, -0.5], { backend }));
    assertClose(await read(y), [4, -8, Number.NaN, 1, 0.5], { atol, rtol });
  });

  it('clamp, where and leakyRelu', async () => {
    const x = tensor([-3, -1, 0, 1, 3, Number.NaN], { backend });
    assertClose(await read(ew.clamp(x, -2, 2)), [-2, -1, 0, 1, 2, Number.NaN]);
    assertClose(await read(ew.clamp(x, null, 0.5)), [-3, -1, 0, 0.5, 0.5, Number.NaN]);
    assertClose(await read(ew.where(ew.gt(x, 0), x, tensor([10], { backend }))), [10, 10, 10, 1, 3, 10]);
    const w = ew.where(tensor([1, 0], { dtype: 'int32', backend }), 0.5, -1);
    expect(w.dtype).toBe('float32');
    assertClose(await read(w), [0.5, -1]);
    assertClose(await read(leakyRelu(x, 0.1)), [-0.3, -0.1, 0, 1, 3, Number.NaN], { atol: 1e-6 });
  });

  it('broadcasts size-1 and 0-size dims', async () => {
    const a = tensor(new Float32Array(0), { backend, shape: [0, 3] });
    const s = ew.add(a, tensor([1, 2, 3], { backend, shape: [1, 3] }));
    expect(s.shape).toEqual([0, 3]);
    expect((await s.data()).length).toBe(0);
    const b = ew.mul(zeros([2, 1, 1], { backend }), zeros([1, 4, 0], { backend }));
    expect(b.shape).toEqual([2, 4, 0]);
    const c = ew.add(tensor(1, { backend }), tensor([[1], [2]], { backend }));
    expect(c.shape).toEqual([2, 1]);
    expect(() => ew.add(zeros([2, 3], { backend }), zeros([3, 2], { backend }))).toThrow(ShapeError);
  });

  it('promotes dtypes and returns comparison masks in the promoted dtype', async () => {
    const i = tensor([1, 2, 3], { dtype: 'int32', backend });
    expect(ew.add(i, i).dtype).toBe('int32');
    expect(ew.add(i, tensor([0.5], { backend })).dtype).toBe('float32');
    expect(ew.gt(i, 1).dtype).toBe('int32');
    expect(ew.gt(tensor([1], { backend }), 0).dtype).toBe('float32');
    assertClose(await read(ew.mul(i, 2)), [2, 4, 6]);
    expect(ew.cast(tensor([1.7, -1.7], { backend }), 'int32').dataSync === undefined).toBe(false);
    assertClose(await read(ew.cast(tensor([1.7, -1.7], { backend }), 'int32')), [1, -1]);
    if (backend.name === 'cpu') {
      expect(ew.add(tensor([1], { dtype: 'float64' }), tensor([1])).dtype).toBe('float64');
    }
  });
});

describe('elementwise errors', () => {
  it('names the op and shapes', () => {
    expect(() => ew.mul(zeros([2, 3]), zeros([4]))).toThrow(
      'mul: shapes [2, 3] and [4] cannot be broadcast together',
    );
    expect(() => ew.add(zeros([2]), 'x' as unknown as number)).toThrow(TypeError);
    expect(() => ew.cast(zeros([1]), 'float16' as never)).toThrow(DTypeError);
  });
});
