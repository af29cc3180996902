// `selectBackend` of @rectifier/tensor finds this package through its dynamic import: 'native' loads
// it, 'auto' prefers it to WASM in Node (when no real GPU is there), and the reason says so.
import { cpuBackend, getBackend, ones, selectBackend, setBackend } from '@rectifier/tensor';
import { afterEach, describe, expect, it } from 'vitest';

const noGpu = { requestAdapter: async () => null };

describe('selectBackend with @rectifier/tensor-native installed', () => {
  afterEach(() => setBackend(cpuBackend));

  it("'native' loads the native backend, new tensors live there and compute natively", async () => {
    const s = await selectBackend('native', { threads: 2 });
    expect(s.name).toBe('native');
    expect(s.reason).toBe('asked for native');
    expect(s.description).toMatch(/^native \(oneDNN \d+\.\d+\.\d+, \w+, 2 threads\)$/);
    expect(getBackend()).toBe(s.backend);
    const x = ones([64, 64]);
    expect(x.backend).toBe(s.backend);
    expect(Array.from(x.matmul(x).dataSync().slice(0, 2))).toEqual([64, 64]);
  });

  it("'auto' picks it over WASM when there is no real GPU, and says why", async () => {
    const s = await selectBackend('auto', { gpu: noGpu, threads: 1 });
    expect(s.name).toBe('native');
    expect(s.reason).toBe('auto: no WebGPU adapter; the native backend loaded');
    expect(s.description).toMatch(/1 thread\)$/);
  });

  it("'auto' with native: false goes to WASM as before", async () => {
    const s = await selectBackend('auto', { gpu: noGpu, threads: 1, native: false });
    expect(s.name).toBe('wasm');
    (s.backend as { close?: () => void }).close?.();
  });
});
