/**
 * Memory of loops that never yield to the event loop (issue 18): a correct synchronous training
 * loop keeps nothing per step (no finalizer registrations either: they are only dropped when their
 * callback runs, which needs the event loop), and a loop that forgets dispose gets a warning.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { noGrad } from './autograd/grad-mode.js';
import { graphFinalizerStats } from './autograd/graph-finalizer.js';
import { configureMemory, liveTensorSites, memory, tidy } from './memory.js';
import { randn, tensor, zeros } from './ops/creation.js';
import { relu } from './ops/elementwise.js';
import { crossEntropy } from './ops/loss.js';
import { linear } from './ops/matmul.js';
import { Parameter } from './parameter.js';
import { Generator } from './random/generator.js';
import type { Tensor } from './tensor.js';

function tinyNet() {
  const g = new Generator(3);
  const params = [
    new Parameter(randn([16, 8], { generator: g }).mul(0.3)),
    new Parameter(zeros([16])),
    new Parameter(randn([3, 16], { generator: g }).mul(0.3)),
    new Parameter(zeros([3])),
  ];
  const x = randn([4, 8], { generator: g });
  const y = tensor([0, 1, 2, 0], { dtype: 'int32' });
  const forward = () => linear(relu(linear(x, params[0], params[1])), params[2], params[3]);
  /** One training step (the tensor README's loop) and one evaluation without noGrad, in tidy. */
  const step = () => {
    tidy(() => {
      const loss = crossEntropy(forward(), y);
      loss.backward();
      noGrad(() => {
        for (const p of params) {
          p.assign(p.sub((p.grad as Tensor).mul(0.01)));
          p.zeroGrad();
        }
      });
    });
    tidy(() => forward().argmax(1).dataSync());
  };
  const dispose = () => {
    for (const t of [...params, x, y]) t.dispose();
  };
  return { step, dispose };
}

describe('memory without the event loop', () => {
  it('a synchronous tidy loop leaves no tensors and no finalizer registrations behind', () => {
    const net = tinyNet();
    net.step();
    const before = { ...memory(), pending: graphFinalizerStats().pending };
    for (let i = 0; i < 500; i++) net.step();
    expect({ ...memory(), pending: graphFinalizerStats().pending }).toEqual(before);
    net.dispose();
  });

  it('keeps the heap flat over 3,000 synchronous steps', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const net = tinyNet();
    for (let i = 0; i < 300; i++) net.step(); // warm up (JIT, pools)
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 3000; i++) net.step();
    gc();
    const growth = process.memoryUsage().heapUsed - before;
    // registrations kept until the loop yields cost ~4 KB per step here (~12 MB); flat is ~0
    expect(growth).toBeLessThan(2_000_000);
    net.dispose();
  });

  it('warns once per doubling when a loop forgets dispose, naming the creation site in debug mode', () => {
    const messages: string[] = [];
    const base = memory().tensors;
    const previous = configureMemory({ warnAt: base + 200, onWarning: (m) => messages.push(m) });
    const leaked: Tensor[] = [];
    try {
      let x = zeros([4]);
      leaked.push(x);
      for (let i = 0; i < 300; i++) {
        x = x.add(1); // the previous x is never disposed
        leaked.push(x);
      }
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(
        /^\d+ live tensors \([\d.]+ MB\): tensors that are neither disposed nor created inside tidy\(\) stay allocated/,
      );
      expect(messages[0]).toContain(`Next warning at ${2 * (base + 200)}`);
      expect(messages[0]).toContain('RECTIFIER_MEMORY_DEBUG=1');
      expect(liveTensorSites()).toEqual([]);

      configureMemory({ recordSites: true, warnAt: memory().tensors + 100 });
      for (let i = 0; i < 150; i++) {
        x = x.mul(1);
        leaked.push(x);
      }
      expect(messages).toHaveLength(2);
      expect(messages[1]).toMatch(/Most were created at: .*memory-leaks\.test\.ts:\d+/);
      const [top] = liveTensorSites(1);
      expect(top.site).toMatch(/memory-leaks\.test\.ts:\d+/);
      expect(top.count).toBe(150);
    } finally {
      for (const t of leaked) t.dispose();
      configureMemory(previous);
    }
    expect(liveTensorSites()).toEqual([]);
    expect(memory().tensors).toBe(base);
    expect(() => configureMemory({ warnAt: 0 })).toThrow(/warnAt must be a positive integer or false, got 0/);
  });
});
