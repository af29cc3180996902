import { afterEach, describe, expect, it } from 'vitest';
import { getBackend, setBackend } from './backend-state.js';
import { cpuBackend } from './backends/cpu/index.js';
import { testWebGPU } from './backends/webgpu/gpu-env.js';
import { ones } from './ops/creation.js';
import { isSoftwareAdapter, selectBackend } from './select-backend.js';

const closeIfWasm = (b: unknown) => (b as { close?: () => void }).close?.();

/** A GPU object whose only adapter has `info`; its device cannot be created. */
const fakeGpu = (info: Record<string, unknown>) => {
  const gpu = {
    asked: 0,
    requestAdapter: async () => {
      gpu.asked++;
      return { info };
    },
  };
  return gpu;
};

// selectBackend makes its pick the default backend: every test here hands the default back to the
// CPU backend, so that the files that run after this one in the same process start from it.
afterEach(() => {
  closeIfWasm(getBackend());
  setBackend(cpuBackend);
});

describe('selectBackend', () => {
  it("'cpu' makes the JS reference backend the default and says so", async () => {
    const s = await selectBackend('cpu');
    expect(s.backend).toBe(cpuBackend);
    expect(s).toMatchObject({ name: 'cpu', reason: 'asked for cpu' });
    expect(getBackend()).toBe(cpuBackend);
  });

  it("'wasm' loads the WASM SIMD backend and new tensors live there", async () => {
    const s = await selectBackend('wasm', { threads: 1 });
    expect(s.name).toBe('wasm');
    expect(s.description).toMatch(/^wasm \((relaxed )?SIMD, 1 thread\)$/);
    const t = ones([2, 3]);
    expect(t.backend).toBe(s.backend);
    expect(Array.from(await t.sum().data())).toEqual([6]);
  });

  it("'auto' picks WASM when there is no real GPU, and says why", async () => {
    const s = await selectBackend('auto', {
      threads: 1,
      native: false,
      gpu: { requestAdapter: async () => null },
    });
    expect(s.name).toBe('wasm');
    expect(s.reason).toBe('auto: no WebGPU adapter');
  });

  it("'auto' skips a software adapter (fallback flag or SwiftShader/llvmpipe by name) unless allowed", async () => {
    for (const info of [
      { isFallbackAdapter: true },
      { vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: false },
      { vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' },
    ]) {
      const gpu = fakeGpu(info);
      const s = await selectBackend('auto', { gpu, threads: 1, native: false });
      expect(s.name).toBe('wasm');
      expect(s.reason).toMatch(/^auto: the WebGPU adapter \(.*\) is a software renderer/);
      expect(s.adapter?.software).toBe(true);
      expect(gpu.asked).toBe(1);
      closeIfWasm(getBackend());
    }
    // Allowed, but this fake adapter cannot create a device: auto still ends on a CPU backend, with the reason.
    const s = await selectBackend('auto', {
      gpu: fakeGpu({ isFallbackAdapter: true }),
      threads: 1,
      allowFallbackAdapter: true,
      native: false,
    });
    expect(s.name).toBe('wasm');
    expect(s.reason).toMatch(/^auto: the WebGPU device could not be created/);
  });

  it('isSoftwareAdapter: real GPUs are not software ones', () => {
    expect(
      isSoftwareAdapter({ info: { vendor: 'nvidia', architecture: 'hopper', isFallbackAdapter: false } }),
    ).toBe(false);
    expect(isSoftwareAdapter({ info: { vendor: 'apple', architecture: 'metal-3' } })).toBe(false);
    expect(isSoftwareAdapter({ info: { description: 'Microsoft Basic Render Driver' } })).toBe(true);
    expect(isSoftwareAdapter(null)).toBe(false);
  });

  it("'webgpu' with an adapter that returns null is a one-line error", async () => {
    await expect(selectBackend('webgpu', { gpu: { requestAdapter: async () => null } })).rejects.toThrow(
      /^selectBackend: no WebGPU adapter \(requestAdapter\(\) returned null/,
    );
    expect(getBackend()).toBe(cpuBackend);
  });

  it('rejects an unknown preference, naming it', async () => {
    await expect(selectBackend('tpu' as never)).rejects.toThrow(
      /selectBackend: preference must be one of auto, cpu, wasm, native, webgpu, got 'tpu'/,
    );
    expect(getBackend()).toBe(cpuBackend);
  });
});

describe('selectBackend on Dawn + SwiftShader', async () => {
  const { backend: probe, reason } = await testWebGPU(); // sets VK_ICD_FILENAMES to SwiftShader
  it.skipIf(!probe)(
    `'auto' skips SwiftShader, 'webgpu' takes it and reports adapter and limits ${reason}`,
    async () => {
      const auto = await selectBackend('auto', { threads: 1, native: false });
      expect(auto.name).toBe('wasm');
      expect(auto.reason).toMatch(/software renderer/);
      closeIfWasm(auto.backend);
      const s = await selectBackend('webgpu');
      expect(s.name).toBe('webgpu');
      expect(s.reason).toBe('asked for webgpu');
      expect(s.adapter?.software).toBe(true);
      expect(s.description).toMatch(/software renderer/);
      expect(s.adapter?.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
      expect(s.adapter?.limits.maxComputeInvocationsPerWorkgroup).toBe(256);
      expect(Array.from(await ones([3]).sum().data())).toEqual([3]);
      (s.backend as unknown as { destroy(): void }).destroy();
    },
  );
});
