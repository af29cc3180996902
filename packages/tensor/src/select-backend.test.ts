import { afterEach, describe, expect, it } from 'vitest';
import { getBackend, setBackend } from './backend-state.js';
import { cpuBackend } from './backends/cpu/index.js';
import { ones } from './ops/creation.js';
import { selectBackend } from './select-backend.js';

const closeIfWasm = (b: unknown) => (b as { close?: () => void }).close?.();

describe('selectBackend', () => {
  afterEach(() => {
    closeIfWasm(getBackend());
    setBackend(cpuBackend);
  });

  it("'cpu' makes the JS reference backend the default", async () => {
    expect(await selectBackend('cpu')).toBe(cpuBackend);
    expect(getBackend()).toBe(cpuBackend);
  });

  it("'wasm' loads the WASM SIMD backend and new tensors live there", async () => {
    const b = await selectBackend('wasm', { threads: 1 });
    expect(b.name).toBe('wasm');
    const t = ones([2, 3]);
    expect(t.backend).toBe(b);
    expect(Array.from(await t.sum().data())).toEqual([6]);
  });

  it("'auto' picks WASM in Node when there is no GPU object", async () => {
    const b = await selectBackend('auto', { threads: 1 });
    expect(b.name).toBe('wasm');
  });

  it("'auto' skips a software (fallback) adapter unless allowed, and falls back when the device fails", async () => {
    let asked = 0;
    const fakeGpu = {
      requestAdapter: async () => {
        asked++;
        return { info: { isFallbackAdapter: true } };
      },
    };
    expect((await selectBackend('auto', { gpu: fakeGpu, threads: 1 })).name).toBe('wasm');
    expect(asked).toBe(1);
    closeIfWasm(getBackend());
    // Allowed, but this fake adapter cannot create a device: auto still ends on a CPU backend.
    expect((await selectBackend('auto', { gpu: fakeGpu, threads: 1, allowFallbackAdapter: true })).name).toBe(
      'wasm',
    );
  });

  it('rejects an unknown preference, naming it', async () => {
    await expect(selectBackend('tpu' as never)).rejects.toThrow(
      /selectBackend: preference must be one of auto, cpu, wasm, webgpu, got 'tpu'/,
    );
    expect(getBackend()).toBe(cpuBackend);
  });
});
