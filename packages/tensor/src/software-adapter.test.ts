/**
 * Software adapters in Node get their device from a Dawn instance made with
 * SOFTWARE_ADAPTER_DAWN_FLAGS (SwiftShader compiled each GEMM pipeline 6-17x slower without them: see
 * bench/webgpu-compile.ts), while GPU objects the caller made and hardware adapters are used as given.
 * The `webgpu` package is wrapped to record the flags of every instance created.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { getBackend, setBackend } from './backend-state.js';
import { cpuBackend } from './backends/cpu/index.js';
import { testWebGPU } from './backends/webgpu/gpu-env.js';
import { createWebGPUBackend } from './backends/webgpu/webgpu-backend.js';
import { tensor } from './ops/creation.js';
import { selectBackend } from './select-backend.js';
import {
  adapterForDevice,
  createNodeGpu,
  isSoftwareAdapter,
  SOFTWARE_ADAPTER_DAWN_FLAGS,
  SOFTWARE_ADAPTER_NAMES,
} from './software-adapter.js';

const created = vi.hoisted(() => [] as string[][]);
vi.mock('webgpu', async (importOriginal) => {
  const real = await importOriginal<{ create(flags: string[]): unknown }>();
  return {
    ...real,
    create: (flags: string[]) => {
      created.push([...flags]);
      return real.create(flags);
    },
  };
});

// the shared test backend also sets VK_ICD_FILENAMES to SwiftShader when nothing else is set
const { backend: probe, reason } = await testWebGPU();
const software = probe !== null && SOFTWARE_ADAPTER_NAMES.test(probe.adapterInfo);
if (!software)
  it.skip(`software adapter tests skipped: ${reason || `the adapter is ${probe?.adapterInfo}`}`, () => {});

describe.skipIf(!software)('Dawn flags for software adapters', () => {
  beforeEach(() => {
    created.length = 0;
  });

  it('createWebGPUBackend() asks a flagged instance for the adapter, and the backend computes', async () => {
    const b = await createWebGPUBackend();
    try {
      expect(created).toEqual([[], [...SOFTWARE_ADAPTER_DAWN_FLAGS]]);
      setBackend(b);
      const y = tensor([
        [1, 2],
        [3, 4],
      ]).matmul(
        tensor([
          [1, 0],
          [0, 1],
        ]),
      );
      expect(Array.from(await y.data())).toEqual([1, 2, 3, 4]);
    } finally {
      setBackend(cpuBackend);
      b.destroy();
    }
  });

  it("selectBackend('webgpu') does the same", async () => {
    const s = await selectBackend('webgpu');
    try {
      expect(created).toEqual([[], [...SOFTWARE_ADAPTER_DAWN_FLAGS]]);
      expect(s.adapter?.software).toBe(true);
    } finally {
      (getBackend() as { destroy?: () => void }).destroy?.();
      setBackend(cpuBackend);
    }
  });

  it("a GPU object the caller made is used as given (the caller's flags stand)", async () => {
    const gpu = (await import('webgpu')).create([]) as GPU;
    created.length = 0;
    const b = await createWebGPUBackend({ gpu });
    b.destroy();
    expect(created).toEqual([]);
  });

  it('hardware adapters are kept, from any instance', async () => {
    const gpu = await createNodeGpu<object>();
    created.length = 0;
    const hopper = { info: { vendor: 'nvidia', architecture: 'hopper', isFallbackAdapter: false } };
    expect(isSoftwareAdapter(hopper)).toBe(false);
    expect(await adapterForDevice(gpu, hopper)).toBe(hopper);
    expect(await adapterForDevice(undefined, { info: { architecture: 'swiftshader' } })).toEqual({
      info: { architecture: 'swiftshader' },
    });
    expect(created).toEqual([]);
  });
});
