import { describe, expect, it } from 'vitest';
import type { Backend } from '../backend.js';
import { withBackend } from '../backend-state.js';
import { cpuBackend } from '../backends/cpu/index.js';
import { DTypeError, ShapeError } from '../errors.js';
import { Parameter } from '../parameter.js';
import { Generator } from '../random/generator.js';
import type { Tensor } from '../tensor.js';
import { backendsUnderTest } from '../test-support/backends.js';
import { f64, randomOn, read } from '../test-support/helpers.js';
import { refMatmul } from '../test-support/reference.js';
import { assertClose, gradcheck } from '../testing/index.js';
import { randn, zeros } from './creation.js';
import { linear, matmul } from './matmul.js';

describe.each(await backendsUnderTest())('matmul on $name', ({ backend, rtol }) => {
  const tol = { atol: 1e-4, rtol: Math.max(rtol, 1e-4) };
  it('2-D, transposed views, 1-D operands', async () => {
    const a = randomOn(backend, [5, 7], 1);
    const b = randomOn(backend, [7, 3], 2);
    assertClose(await read(matmul(a.t, b.t)), refMatmul(a.host, b.host, 5, 7, 3), tol);
    const bt = randomOn(backend, [3, 7], 3);
    const btT = Array.from({ length: 21 }, (_, i) => bt.host[(i % 3) * 7 + Math.floor(i / 3)]);
    assertClose(await read(matmul(a.t, bt.t.T)), refMatmul(a.host, btT, 5, 7, 3), tol);
    const v = randomOn(backend, [7], 4);
    const mv = matmul(a.t, v.t);
    expect(mv.shape).toEqual([5]);
    assertClose(await read(mv), refMatmul(a.host, v.host, 5, 7, 1), tol);
    const vm = matmul(v.t, b.t);
    expect(vm.shape).toEqual([3]);
    assertClose(await read(vm), refMatmul(v.host, b.host, 1, 7, 3), tol);
    expect(matmul(v.t, v.t).shape).toEqual([]);
  });

  it('batched with broadcast batch dims', async () => {
    const a = randomOn(backend, [2, 1, 4, 3], 5);
    const b = randomOn(backend, [3, 3, 2], 6);
    const y = matmul(a.t, b.t);
    expect(y.shape).toEqual([2, 3, 4, 2]);
    const out = await read(y);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++) {
        const ref = refMatmul(
          a.host.subarray(i * 12, i * 12 + 12),
          b.host.subarray(j * 6, j * 6 + 6),
          4,
          3,
          2,
        );
        assertClose(out.subarray((i * 3 + j) * 8, (i * 3 + j) * 8 + 8), ref, tol);
      }
  });

  it('linear = x W^T + b', async () => {
    const x = randomOn(backend, [4, 3], 7);
    const w = randomOn(backend, [2, 3], 8);
    const b = randomOn(backend, [2], 9);
    const wT = [0, 1, 2, 3, 4, 5].map((i) => w.host[(i % 2) * 3 + Math.floor(i / 2)]);
    const ref = refMatmul(x.host, wT, 4, 3, 2).map((v, i) => v + b.host[i % 2]);
    assertClose(await read(linear(x.t, w.t, b.t)), ref, tol);
  });

  it('rejects bad shapes and dtypes with clear messages', () => {
    expect(() => matmul(zeros([2, 3], { backend }), zeros([4, 5], { backend }))).toThrow(
      'matmul: cannot multiply [2, 3] and [4, 5] (inner dims 3 vs 4)',
    );
    expect(() => matmul(zeros([2, 2, 3], { backend }), zeros([3, 3, 1], { backend }))).toThrow(ShapeError);
    expect(() =>
      matmul(zeros([2], { backend, dtype: 'int32' }), zeros([2], { backend, dtype: 'int32' })),
    ).toThrow(DTypeError);
    expect(() => linear(zeros([2, 3], { backend }), zeros([4, 5], { backend }))).toThrow(
      'linear: input has 3 features but weight expects 5',
    );
  });
});

describe('matmul gradients (float64)', () => {
  it('2-D', () => expect(gradcheck(matmul, [f64([3, 4], 1), f64([4, 2], 2)])).toBe(true));
  it('batched with broadcast', () =>
    expect(gradcheck(matmul, [f64([2, 1, 3, 4], 3), f64([3, 4, 2], 4)])).toBe(true));
  it('1-D operands', () => {
    expect(gradcheck(matmul, [f64([4], 5), f64([4, 3], 6)])).toBe(true);
    expect(gradcheck(matmul, [f64([2, 4], 7), f64([4], 8)])).toBe(true);
    expect(gradcheck(matmul, [f64([4], 9), f64([4], 10)])).toBe(true);
  });
  it('transposed operand and linear with bias', () => {
    expect(gradcheck((a, b) => matmul(a.T, b), [f64([4, 3], 11), f64([4, 2], 12)])).toBe(true);
    expect(gradcheck(linear, [f64([5, 3], 13), f64([2, 3], 14), f64([2], 15)])).toBe(true);
    expect(gradcheck((a, b) => matmul(a, b.T), [f64([3, 4], 16), f64([2, 4], 17)])).toBe(true);
  });
});

describe('gradients in the operand layout', () => {
  /** Runs fn on the CPU backend, counting the strided copies it makes. */
  async function countCopies(fn: () => Promise<void> | void): Promise<number> {
    let copies = 0;
    const counting: Backend = {
      ...(cpuBackend as Backend),
      copy: (v) => {
        copies++;
        return cpuBackend.copy(v as never);
      },
    };
    await withBackend(counting, fn);
    return copies;
  }

  // The reproduction: the 14-layer model's fc1 weight gradient (4096 x 12800) came out as a transposed
  // view, and storing it as .grad copied it element by element, longer than all of fc1's GEMMs.
  it('a linear weight gradient is a contiguous [out, in] array, made without a strided copy', async () => {
    const copies = await countCopies(async () => {
      const x = randn([5, 7], { generator: new Generator(1) });
      const w = new Parameter(randn([3, 7], { generator: new Generator(2) }));
      linear(x, w).sum().backward();
      const g = w.grad as Tensor;
      expect(g.strides).toEqual([7, 1]);
      // dW = dy^T x with dy all ones: every row is the column sums of x
      const xs = (await x.array()) as number[][];
      const want = Array.from({ length: 7 }, (_, j) => xs.reduce((a, r) => a + r[j], 0));
      const got = (await g.array()) as number[][];
      for (const row of got) for (let j = 0; j < 7; j++) expect(row[j]).toBeCloseTo(want[j], 5);
    });
    expect(copies).toBe(0);
  });

  it('a column-major left operand gets its gradient without a strided copy', async () => {
    const copies = await countCopies(() => {
      const a = new Parameter(randn([4, 3], { generator: new Generator(3) }));
      const b = randn([4, 2], { generator: new Generator(4) });
      matmul(a.T, b).sum().backward();
      expect((a.grad as Tensor).strides).toEqual([3, 1]);
    });
    expect(copies).toBe(0);
  });
});
