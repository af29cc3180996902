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

/** The flags of every Dawn instance created, and of every instance asked for an adapter. */
const { created, asked } = vi.hoisted(() => ({ created: [] as string[][], asked: [] as string[][] }));
vi.mock('webgpu', async (importOriginal) => {
  const real = await importOriginal<{ create(flags: string[]): unknown }>();
  return {
    ...real,
    create: (flags: string[]) => {
      created.push([...flags]);
      const gpu = real.create(flags) as { requestAdapter(o?: object): Promise<unknown> };
      const requestAdapter = gpu.requestAdapter.bind(gpu);
      gpu.requestAdapter = (o?: object) => {
        asked.push([...flags]);
        return requestAdapter(o);
      };
      return gpu;
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
    asked.length = 0;
  });

  it('createWebGPUBackend() asks a flagged instance for the adapter, and the backend computes', async () => {
    const b = await createWebGPUBackend();
    try {
      expect(asked).toEqual([[], [...SOFTWARE_ADAPTER_DAWN_FLAGS]]);
      // the flagged instance is made once per process (here by the shared test backend) and reused
      expect(created).toEqual([[]]);
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
      expect(asked).toEqual([[], [...SOFTWARE_ADAPTER_DAWN_FLAGS]]);
      expect(created).toEqual([[]]);
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
    // only the caller's instance was asked for an adapter, not the flagged one
    expect(asked).toEqual([[]]);
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
    expect(asked).toEqual([]);
  });
});
