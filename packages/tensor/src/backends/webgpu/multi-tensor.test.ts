/**
 * The fused multi-tensor kernels (SGD, sums of squares) against the CPU backend, the dispatch
 * counts they promise (a few per call, not several per tensor), and the step profile's counters.
 */
import { describe, expect, test } from 'vitest';
import type { SgdHyper, View } from '../../backend.js';
import { cpuBackend } from '../cpu/index.js';
import type { CpuStorage } from '../cpu/storage.js';
import { testWebGPU } from './gpu-env.js';
import { storageBindings } from './kernels/multi-tensor.js';
import type { WebGPUStorage } from './storage.js';
import { data, firstMismatch } from './webgpu-reference.test-util.js';

const { backend, reason } = await testWebGPU();
if (!backend) test.skip(`multi-tensor kernel tests skipped: ${reason}`, () => {});

function flat<S extends WebGPUStorage | CpuStorage>(s: S, n: number, offset = 0): View<S> {
  return { storage: s, dtype: 'float32', shape: [n], strides: [1], offset };
}

// sizes around the chunk sizes (1024 for SGD, 2048 for sums), a 1-element slope, a larger tensor
const SIZES = [1, 7, 1023, 1024, 1025, 2049, 5000, 3, 96, 20000, 11, 2048, 4097];

describe.skipIf(!backend)('webgpu multi-tensor kernels', () => {
  test('sgdStep matches the CPU over many tensors (momentum, none, nesterov, decay, offsets)', async () => {
    const b = backend as NonNullable<typeof backend>;
    const hyper: SgdHyper[] = SIZES.map((_, i) => ({
      lr: [0.01, 0.1, 0.003][i % 3] as number,
      momentum: i % 4 === 1 ? 0 : 0.9,
      weightDecay: i % 5 === 2 ? 0 : 5e-4,
      nesterov: i % 6 === 3,
    }));
    const host = SIZES.map((n, i) => ({
      p: data(n + 2, 10 + i),
      g: data(n, 40 + i),
      v: hyper[i]?.momentum === 0 ? null : data(n, 70 + i),
    }));
    // parameters live at an offset of 2 elements (views into a larger storage)
    const gpu = host.map((h) => ({
      p: b.fromArray(h.p, 'float32'),
      g: b.fromArray(h.g, 'float32'),
      v: h.v ? b.fromArray(h.v, 'float32') : null,
    }));
    const cpu = host.map((h) => ({
      p: cpuBackend.fromArray(h.p, 'float32') as CpuStorage,
      g: cpuBackend.fromArray(h.g, 'float32') as CpuStorage,
      v: h.v ? (cpuBackend.fromArray(h.v, 'float32') as CpuStorage) : null,
    }));
    b.stepProfile();
    for (let step = 0; step < 2; step++) {
      b.sgdStep(
        gpu.map((t, i) => flat(t.p, SIZES[i] as number, 2)),
        gpu.map((t, i) => flat(t.g, SIZES[i] as number)),
        gpu.map((t, i) => (t.v ? flat(t.v, SIZES[i] as number) : null)),
        hyper,
      );
      cpuBackend.sgdStep?.(
        cpu.map((t, i) => flat(t.p, SIZES[i] as number, 2)),
        cpu.map((t, i) => flat(t.g, SIZES[i] as number)),
        cpu.map((t, i) => (t.v ? flat(t.v, SIZES[i] as number) : null)),
        hyper,
      );
    }
    const prof = b.stepProfile();
    // bindings: 2 or 3 per tensor; far fewer dispatches than tensors
    const bindings = storageBindings((b as unknown as { ctx: Parameters<typeof storageBindings>[0] }).ctx);
    expect(prof.byKind.sgd?.count).toBeLessThanOrEqual(2 * Math.ceil((3 * SIZES.length) / (bindings - 2)));
    expect(prof.dispatches).toBe(prof.byKind.sgd?.count);
    for (let i = 0; i < SIZES.length; i++) {
      const g = gpu[i] as (typeof gpu)[number];
      const c = cpu[i] as (typeof cpu)[number];
      const got = await b.read(flat(g.p, (SIZES[i] as number) + 2));
      expect(got[0]).toBe(host[i]?.p[0]); // outside the view: untouched
      expect(firstMismatch(Array.from(got), Array.from(c.p.data), 1e-6, 1e-6)).toBe(-1);
      if (g.v && c.v) {
        const gv = await b.read(flat(g.v, SIZES[i] as number));
        expect(firstMismatch(Array.from(gv), Array.from(c.v.data), 1e-6, 1e-6)).toBe(-1);
      }
    }
    // skipIf: a non-zero flag makes the whole call a no-op on the device
    const flag = b.fromArray(new Float32Array([0, 1]), 'float32');
    const t = gpu[4] as (typeof gpu)[number];
    const before = Array.from(await b.read(flat(t.p, (SIZES[4] as number) + 2)));
    const views = [flat(t.p, SIZES[4] as number, 2)];
    b.sgdStep(
      views,
      [flat(t.g, SIZES[4] as number)],
      [t.v ? flat(t.v, SIZES[4] as number) : null],
      [hyper[4] as SgdHyper],
      flat(flag, 1, 1),
    );
    expect(Array.from(await b.read(flat(t.p, (SIZES[4] as number) + 2)))).toEqual(before);
    b.sgdStep(
      views,
      [flat(t.g, SIZES[4] as number)],
      [t.v ? flat(t.v, SIZES[4] as number) : null],
      [hyper[4] as SgdHyper],
      flat(flag, 1, 0),
    );
    expect(Array.from(await b.read(flat(t.p, (SIZES[4] as number) + 2)))).not.toEqual(before);
    for (const x of [...gpu.flatMap((q) => [q.p, q.g, ...(q.v ? [q.v] : [])]), flag]) b.dispose(x);
  });

  test('sumSquares matches float64 sums, flags NaN and infinities, in ceil(n / bindings) + 1 dispatches', async () => {
    const b = backend as NonNullable<typeof backend>;
    const host = SIZES.map((n, i) => data(n, 100 + i));
    (host[3] as Float32Array)[500] = Number.NaN;
    (host[9] as Float32Array)[19999] = Number.NEGATIVE_INFINITY;
    const xs = host.map((h) => b.fromArray(h, 'float32'));
    b.stepProfile();
    const out = b.sumSquares(xs.map((x, i) => flat(x, SIZES[i] as number)));
    const prof = b.stepProfile();
    const bindings = storageBindings((b as unknown as { ctx: Parameters<typeof storageBindings>[0] }).ctx);
    expect(prof.dispatches).toBe(Math.ceil(SIZES.length / (bindings - 1)) + 1);
    const got = Array.from(await b.read(flat(out, out.size)));
    const n = SIZES.length;
    host.forEach((h, i) => {
      const bad = i === 3 || i === 9;
      expect(got[n + i]).toBe(bad ? 1 : 0);
      if (!bad) {
        const want = h.reduce((a, v) => a + v * v, 0);
        expect(Math.abs((got[i] as number) - want)).toBeLessThanOrEqual(1e-5 * want + 1e-6);
      }
    });
    expect(got[2 * n]).toBe(1);
    const clean = b.sumSquares([flat(xs[0] as WebGPUStorage, 1), flat(xs[1] as WebGPUStorage, 7)]);
    expect(Array.from(await b.read(flat(clean, 5))).slice(2)).toEqual([0, 0, 0]);
    for (const x of [...xs, out, clean]) b.dispose(x);
  });

  test('step profile: counts reads, uploads and buffer creation; a read followed by encoding blocks', async () => {
    const b = backend as NonNullable<typeof backend>;
    const x = b.fromArray(new Float32Array(1000).fill(1), 'float32');
    b.stepProfile();
    const y = b.unary('neg', flat(x, 1000));
    await b.read(flat(y, 10)); // a drain in the middle of a window...
    const z = b.unary('abs', flat(y, 1000)); // ...then more work: the read blocked encoding
    const p1 = b.stepProfile();
    expect(p1.reads).toBe(1);
    expect(p1.bytesRead).toBe(40);
    expect(p1.blockingReads).toBe(1);
    expect(p1.dispatches).toBe(2);
    expect(p1.byKind.neg?.count).toBe(1);
    // a read requested at the end of a window and collected in the next one does not block
    const pending = b.read(flat(z, 10));
    b.stepProfile();
    const w = b.unary('neg', flat(z, 1000));
    await pending;
    const p2 = b.stepProfile();
    expect(p2.blockingReads).toBe(0);
    expect(p2.reads).toBe(0);
    // uploads, and buffers: a freed kernel output is reused by the next kernel at once
    const u = b.fromArray(new Float32Array(64), 'float32');
    const p3 = b.stepProfile();
    expect(p3.uploads).toBe(1);
    expect(p3.bytesUploaded).toBe(256);
    b.dispose(w);
    const v = b.unary('neg', flat(z, 1000)); // takes w's buffer although w's kernel is not submitted
    expect(b.stepProfile().bufferAllocations).toBe(0);
    expect(b.gpuMemory().peakBytes).toBeGreaterThanOrEqual(b.gpuMemory().allocatedBytes);
    for (const s of [x, y, z, u, v]) b.dispose(s);
  });
});
