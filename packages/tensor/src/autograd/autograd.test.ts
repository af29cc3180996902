import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../backend.js';
import { cpuBackend } from '../backends/cpu/index.js';
import { DTypeError } from '../errors.js';
import { configureMemory, memory, tidy } from '../memory.js';
import { prelu } from '../ops/activation.js';
import { conv2d } from '../ops/conv.js';
import { full, ones, randn, tensor } from '../ops/creation.js';
import { add, exp, mul } from '../ops/elementwise.js';
import { crossEntropy } from '../ops/loss.js';
import { maxPool2d } from '../ops/pool.js';
import { Parameter } from '../parameter.js';
import { Generator } from '../random/generator.js';
import { grad } from './functional.js';
import { enableGrad, isGradEnabled, noGrad } from './grad-mode.js';
import { graphFinalizerStats } from './graph-finalizer.js';

const vals = (t: { dataSync(): ArrayLike<number> }) => Array.from(t.dataSync());

describe('autograd', () => {
  it('accumulates into .grad across backward calls and through reuse', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    mul(x, x).sum().backward(); // 2x
    expect(vals(x.grad!)).toEqual([2, 4, 6]);
    add(x, x).sum().backward(); // + 2
    expect(vals(x.grad!)).toEqual([4, 6, 8]);
    x.zeroGrad();
    expect(x.grad).toBeNull();
  });

  it('noGrad, enableGrad, detach and requiresGrad rules', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(noGrad(() => x.mul(2)).requiresGrad).toBe(false);
    expect(noGrad(() => isGradEnabled())).toBe(false);
    expect(noGrad(() => enableGrad(() => x.mul(2))).requiresGrad).toBe(true);
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.storage).toBe(x.storage);
    const y = x.mul(2);
    expect(y.isLeaf).toBe(false);
    expect(() => {
      y.requiresGrad = false;
    }).toThrow('requiresGrad: can only be set on leaf tensors');
    expect(() => tensor([1], { dtype: 'int32' }).requiresGrad_()).toThrow(DTypeError);
    // detach cuts the graph: no gradient flows through the detached branch
    x.mul(x.detach()).sum().backward();
    expect(vals(x.grad!)).toEqual([1, 2]);
  });

  it('grad() returns gradients without touching .grad, zeros for unused inputs', () => {
    const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const z = tensor([5], { dtype: 'float64', requiresGrad: true });
    const h = exp(x);
    const [gx, gz, gh] = grad(h.mul(3).sum(), [x, z, h]);
    expect(vals(gx)).toEqual([3 * Math.E, 3 * Math.exp(2)]);
    expect(vals(gz)).toEqual([0]);
    expect(vals(gh)).toEqual([3, 3]);
    expect(x.grad).toBeNull();
  });

  it('frees the graph after backward unless retainGraph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(vals(x.grad!)).toEqual([4, 8]);
    expect(() => y.backward()).toThrow('retainGraph');
  });

  it('non-scalar outputs need an explicit gradient of the same shape', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(() => x.mul(2).backward()).toThrow('a gradient is needed for non-scalar output of shape [2]');
    x.mul(2).backward(tensor([1, 10]));
    expect(vals(x.grad!)).toEqual([2, 20]);
    expect(() => x.mul(2).backward(tensor([1]))).toThrow(
      'gradient shape [1] does not match output shape [2]',
    );
    expect(() => tensor([1]).backward()).toThrow('does not require grad');
  });

  it('is iterative: a 20000-op chain does not overflow the stack', () => {
    // 20,000 live outputs are the point here, not a leak: no warning, and tidy frees them after
    const previous = configureMemory({ warnAt: false });
    try {
      const x = tensor([1], { dtype: 'float64', requiresGrad: true });
      tidy(() => {
        let y = x;
        for (let i = 0; i < 20000; i++) y = y.mul(1.0001);
        y.backward();
      });
      expect(x.grad!.dataSync()[0]).toBeCloseTo(1.0001 ** 20000, 6);
      x.dispose();
    } finally {
      configureMemory(previous);
    }
  });

  it('never computes gradients that are not needed', () => {
    let weightGrads = 0;
    let inputGrads = 0;
    const counting: Backend = {
      ...cpuBackend,
      conv2dBackwardWeight: (...a) => {
        weightGrads++;
        return cpuBackend.conv2dBackwardWeight(...a);
      },
      conv2dBackwardInput: (...a) => {
        inputGrads++;
        return cpuBackend.conv2dBackwardInput(...a);
      },
    };
    const g = new Generator(1);
    const x = randn([1, 2, 4, 4], { backend: counting, generator: g, requiresGrad: true });
    const w = randn([3, 2, 3, 3], { backend: counting, generator: g });
    conv2d(x, w).sum().backward();
    expect([inputGrads, weightGrads]).toEqual([1, 0]);
    const p = new Parameter(randn([3, 2, 3, 3], { backend: counting, generator: g }));
    conv2d(randn([1, 2, 4, 4], { backend: counting, generator: g }), p)
      .sum()
      .backward();
    expect([inputGrads, weightGrads]).toEqual([1, 1]);
  });

  it('saves only what the gradients of inputs that require grad read', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const c = tensor([3, 4]);
    const before = memory().tensors;
    const y = mul(x, c); // dx = dy * c: c is saved, x is not
    expect(memory().tensors - before).toBe(2);
    const z = mul(c, c); // nothing requires grad: nothing saved
    expect(memory().tensors - before).toBe(3);
    y.sum().backward();
    expect(vals(x.grad!)).toEqual([3, 4]);
    z.dispose();
  });

  it('ops across backends fail with a clear error', () => {
    const other: Backend = { ...cpuBackend, name: 'other' };
    expect(() => add(ones([1]), ones([1], { backend: other }))).toThrow(
      'add: tensors are on different backends (cpu and other)',
    );
  });

  it('releases saved tensors after backward', () => {
    const x = new Parameter(randn([4, 4]));
    const before = memory();
    tidy(() => {
      const y = x.mul(x).exp().sum();
      y.backward();
    });
    x.zeroGrad();
    expect(memory()).toEqual(before);
  });

  it('keeps the tape behind a tensor returned from tidy usable across nested op scopes, then frees it', () => {
    const g = new Generator(3);
    const w = new Parameter(randn([2, 1, 3, 3], { generator: g }));
    const x = randn([2, 1, 5, 5], { generator: g });
    const target = tensor([0, 1], { dtype: 'int32' });
    const before = memory();
    const loss = tidy(() =>
      crossEntropy(
        maxPool2d(prelu(conv2d(x, w, null, { padding: 1 }), full([1], 0.1)), { kernelSize: 5 }).flatten(1),
        target,
      ),
    );
    loss.backward();
    expect(w.grad!.shape).toEqual([2, 1, 3, 3]);
    loss.dispose();
    w.zeroGrad();
    expect(memory()).toEqual(before);
  });

  it('keeps the tape of a tensor returned from tidy usable', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = tidy(() => x.exp().mul(2).sum());
    y.backward();
    expect(x.grad!.dataSync()[1]).toBeCloseTo(2 * Math.exp(2), 4);
  });

  it('frees the saved tensors of a graph that is dropped without backward once it is collected', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    // Waits for the finalizer to have run (an event observed through its counter), collecting and
    // yielding one macrotask per round so that cleanup callbacks can run; no fixed sleep.
    const until = async (done: () => boolean) => {
      for (let round = 0; round < 500 && !done(); round++) {
        gc();
        await new Promise((r) => setImmediate(r));
      }
      return done();
    };
    const w = new Parameter(randn([8, 8]));
    const x = randn([4, 8]);
    // first let graphs left by earlier tests be collected
    await until(() => graphFinalizerStats().pending === 0);
    const before = memory();
    const { pending, finalized } = graphFinalizerStats();
    // forward passes with grad enabled whose outputs are disposed and dropped, never backpropagated:
    // tidy keeps the saved tensors behind y (y could still be backpropagated), nothing else does
    // (in a separate sync function: an async frame may keep stale registers alive across awaits)
    const passes = () => {
      for (let i = 0; i < 5; i++) {
        const y = tidy(() => x.matmul(w).exp().sum());
        y.dispose();
      }
    };
    passes();
    expect(memory().tensors).toBe(before.tensors + 15); // 3 saved tensors per pass
    expect(graphFinalizerStats().pending).toBe(pending + 10); // matmul and exp save tensors, sum none
    expect(await until(() => graphFinalizerStats().finalized >= finalized + 10)).toBe(true);
    expect(memory()).toEqual(before);
    expect(graphFinalizerStats().pending).toBe(pending);
  });
});
