import { describe, expect, test } from 'vitest';
import { noGrad } from '../autograd/grad-mode.js';
import type { Backend, SgdHyper } from '../backend.js';
import { withBackend } from '../backend-state.js';
import { cpuBackend } from '../backends/cpu/index.js';
import { createWasmBackend } from '../backends/wasm/index.js';
import { tidy } from '../memory.js';
import { Generator } from '../random/generator.js';
import type { Tensor } from '../tensor.js';
import { randn, tensor, zeros } from './creation.js';
import { sgdStep, sumOfSquares } from './multi-tensor.js';

/** Today's (per-parameter, elementwise) SGD update of @rectifier/train, the reference. */
function referenceUpdate(p: Tensor, g: Tensor, v: Tensor | null, h: SgdHyper): void {
  noGrad(() =>
    tidy(() => {
      const d = h.weightDecay === 0 ? g : g.add(p.mul(h.weightDecay));
      if (v === null) {
        p.assign(p.sub(d.mul(h.lr)));
        return;
      }
      const vNew = v.mul(h.momentum).sub(d.mul(h.lr));
      v.assign(vNew);
      p.assign(h.nesterov ? p.add(vNew.mul(h.momentum)).sub(d.mul(h.lr)) : p.add(vNew));
    }),
  );
}

const bits = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

const HYPER: SgdHyper[] = [
  { lr: 0.01, momentum: 0.9, weightDecay: 5e-4, nesterov: false },
  { lr: 0.01, momentum: 0.9, weightDecay: 0, nesterov: false }, // a PReLU slope: no decay
  { lr: 0.1, momentum: 0, weightDecay: 1e-3, nesterov: false }, // no momentum buffer
  { lr: 0.003, momentum: 0.95, weightDecay: 5e-4, nesterov: true },
  { lr: 1 / 3, momentum: 0.7, weightDecay: 0.1, nesterov: false },
];
const SHAPES = [[7, 3, 3, 3], [7], [33, 5], [4, 9], [1]];

/** Parameters, gradients (with a wide range of magnitudes) and momentum buffers. */
function problem(seed: number) {
  const gen = new Generator(seed);
  const scale = (t: Tensor, s: number) => noGrad(() => t.mul(s));
  return SHAPES.map((shape, i) => ({
    p: scale(randn(shape, { generator: gen }), 10 ** (i - 2)),
    g: scale(randn(shape, { generator: gen }), 10 ** (2 - i)),
    v: HYPER[i].momentum === 0 ? null : scale(randn(shape, { generator: gen }), 0.1),
  }));
}

async function runSteps(fused: boolean, steps: number, backend: Backend = cpuBackend) {
  return withBackend(backend, async () => {
    const ts = problem(5);
    for (let s = 0; s < steps; s++) {
      if (fused)
        sgdStep(
          ts.map((t) => t.p),
          ts.map((t) => t.g),
          ts.map((t) => t.v),
          HYPER,
        );
      else
        ts.forEach((t, i) => {
          referenceUpdate(t.p, t.g, t.v, HYPER[i]);
        });
    }
    const out = await Promise.all(ts.flatMap((t) => [t.p.data(), ...(t.v ? [t.v.data()] : [])]));
    return out.map((a) => bits(a));
  });
}

describe('sgdStep (fused multi-tensor SGD)', () => {
  test('on the CPU it is bit-identical to the elementwise SGD update, over several steps', async () => {
    expect(await runSteps(true, 3)).toEqual(await runSteps(false, 3));
  });

  test('the WASM backend has it too, bit-identical to the CPU (and to its own elementwise ops)', async () => {
    const wasm = await createWasmBackend({ threads: 1 });
    try {
      expect(typeof wasm.sgdStep).toBe('function');
      expect(typeof wasm.sumSquares).toBe('function');
      const fused = await runSteps(true, 2, wasm);
      expect(fused).toEqual(await runSteps(false, 2, wasm));
      expect(fused).toEqual(await runSteps(true, 2));
    } finally {
      wasm.close();
    }
  });

  test('backends without the fused kernel get the same results from elementwise ops', async () => {
    const plain = { ...cpuBackend, sgdStep: undefined, sumSquares: undefined } as Backend;
    expect(await runSteps(true, 2, plain)).toEqual(await runSteps(false, 2));
  });

  test('skipIf: a non-zero flag leaves parameters and momentum untouched, zero applies the step', async () => {
    for (const backend of [cpuBackend, { ...cpuBackend, sgdStep: undefined } as Backend]) {
      await withBackend(backend, async () => {
        const p = tensor([1, 2, 3]);
        const g = tensor([1, 1, 1]);
        const v = zeros([3]);
        const [on, off] = [tensor([1]), tensor([0])];
        const h = [{ lr: 0.5, momentum: 0.9, weightDecay: 0, nesterov: false }];
        sgdStep([p], [g], [v], h, { skipIf: on });
        expect(Array.from(await p.data())).toEqual([1, 2, 3]);
        expect(Array.from(await v.data())).toEqual([0, 0, 0]);
        sgdStep([p], [g], [v], h, { skipIf: off });
        expect(Array.from(await p.data())).toEqual([0.5, 1.5, 2.5]);
        expect(Array.from(await v.data())).toEqual([-0.5, -0.5, -0.5]);
      });
    }
  });

  test('rejects mismatched lists, shapes and dtypes with a message naming them', () => {
    const h = HYPER[0];
    expect(() => sgdStep([zeros([2])], [], [null], [h])).toThrow(/1 parameters, 0 gradients/);
    expect(() => sgdStep([zeros([2])], [zeros([3])], [null], [h])).toThrow(/gradient 0 is \[3\]/);
    expect(() => sgdStep([zeros([2])], [zeros([2])], [zeros([2, 1])], [h])).toThrow(/momentum buffer 0/);
    expect(() => sgdStep([zeros([2])], [zeros([2])], [null], [h], { skipIf: zeros([2]) })).toThrow(
      /skipIf must be one float32 element/,
    );
  });
});

describe('sumOfSquares', () => {
  test('on the CPU it equals square().sum() per tensor bit for bit, with finiteness flags', async () => {
    const gen = new Generator(3);
    const xs = [randn([5, 7], { generator: gen }), randn([300], { generator: gen }).mul(1e3), tensor([0])];
    const got = await sumOfSquares(xs).data();
    const want = await Promise.all(xs.map((x) => x.square().sum().item()));
    expect(bits(Array.from(got).slice(0, 3))).toEqual(bits(want));
    expect(Array.from(got).slice(3)).toEqual([0, 0, 0, 0]);
    const bad = await sumOfSquares([
      tensor([1, Number.NaN]),
      tensor([2]),
      tensor([Number.NEGATIVE_INFINITY]),
    ]).data();
    expect(Array.from(bad).slice(3)).toEqual([1, 0, 1, 1]);
    expect(bad[1]).toBe(4);
  });

  test('backends without the fused kernel give the same values', async () => {
    const plain = { ...cpuBackend, sumSquares: undefined } as Backend;
    const make = () => [tensor([1, 2, 3]), tensor([[Number.POSITIVE_INFINITY, 1]]), tensor([0.5])];
    const fused = Array.from(await sumOfSquares(make()).data());
    const viaOps = await withBackend(plain, async () => Array.from(await sumOfSquares(make()).data()));
    expect(viaOps).toEqual(fused);
    expect(fused).toEqual([14, Number.POSITIVE_INFINITY, 0.25, 0, 1, 0, 1]);
  });

  test('rejects an empty list and int32 tensors', () => {
    expect(() => sumOfSquares([])).toThrow(/empty list/);
    expect(() => sumOfSquares([tensor([1], { dtype: 'int32' })])).toThrow(/int32/);
  });
});
