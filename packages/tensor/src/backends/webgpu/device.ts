/// <reference types="@webgpu/types" />
/**
 * Acquiring a WebGPU device: from a caller-supplied `GPUDevice`/`GPUAdapter`/`GPU`, the browser's
 * `navigator.gpu`, or (in Node) the `webgpu` package (dawn.node), imported dynamically so that nothing
 * is loaded unless the WebGPU backend is actually created.
 */

import { adapterForDevice, createNodeGpu } from '../../software-adapter.js';

/** Options of {@link createWebGPUBackend}. */
export interface WebGPUBackendOptions {
  /** A `GPU` object: `navigator.gpu` in browsers, `create([])` from the `webgpu` package in Node. */
  readonly gpu?: GPU;
  /** Use this adapter instead of requesting one. */
  readonly adapter?: GPUAdapter;
  /** Use this device (the backend then does not own it and never destroys it). */
  readonly device?: GPUDevice;
  /** Passed to `requestAdapter`; default 'high-performance'. */
  readonly powerPreference?: GPUPowerPreference;
  /**
   * Bytes of freed buffers kept for reuse before the largest are destroyed. Default: no limit (the
   * pool grows to the peak working set of the first steps and then creates no buffer; call
   * `releasePooledMemory()` to give the free part back).
   */
  readonly poolBytes?: number;
  /** Overrides of automatic kernel choices, for tuning and tests (see {@link WebGPUTuning}). */
  readonly tuning?: WebGPUTuning;
}

/** Tuning/testing knobs; every field defaults to the automatic choice. */
export interface WebGPUTuning {
  /** Split the K dimension of every matmul/convolution GEMM into this many slices (fixed-order sum). */
  readonly gemmSplitK?: number;
  /**
   * Compute units (NVIDIA SMs, AMD CUs, Apple GPU cores, Intel Xe-cores) the GEMM planner fills with
   * whole waves of workgroups; default: looked up from the adapter info (`kernels/gpu-profile.ts`), 32
   * for adapters not in its table. On a software adapter (no wave planning by default) setting it plans
   * as for a GPU with that many units (dry runs of a GPU's plans).
   */
  readonly computeUnits?: number;
  /** GEMM tile for every matmul/convolution. */
  readonly gemmTile?: '64x64' | '128x128' | '16x128' | '32x128' | '128x32';
  /** Allow 16-byte loads/stores of GEMM operands where their layout permits (default true). */
  readonly gemmVectorAccess?: boolean;
  /**
   * GEMM software pipelining: 'none', 'prefetch' (next slice's loads into registers while computing)
   * or 'double' (plus double-buffered shared memory; the default, 'prefetch' when it does not fit).
   */
  readonly gemmPipeline?: 'none' | 'prefetch' | 'double';
  /** Use subgroup operations where the device has them (default true; false forces shared-memory trees). */
  readonly subgroups?: boolean;
  /** Split every sum/max/min/prod reduction's reduced extent over this many workgroups per output. */
  readonly reduceSplit?: number;
}

/** Device plus what we learned about it. */
export interface AcquiredDevice {
  readonly device: GPUDevice;
  readonly adapterInfo: string;
  readonly features: ReadonlySet<string>;
  /** Whether the backend created the device (and may destroy it). */
  readonly owned: boolean;
}

// dawn.node crashes the process if the object returned by create() is garbage-collected while a
// device is alive (see shared/reference/webgpu-without-gpu.md §4.1): keep the ones used here.
const keepAlive: unknown[] = [];

async function nodeGpu(): Promise<GPU | undefined> {
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode) return undefined;
  try {
    return await createNodeGpu<GPU>();
  } catch (e) {
    throw new Error(
      `createWebGPUBackend: no WebGPU in this Node process and the optional peer dependency 'webgpu' could not be loaded (${(e as Error).message}); install it with 'npm i webgpu' or pass { gpu: create([]) }`,
    );
  }
}

function describe(info: GPUAdapterInfo | undefined): string {
  if (!info) return 'unknown adapter';
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((s) => !!s);
  return parts.length > 0 ? parts.join(' / ') : 'unnamed adapter';
}

/** Finds a GPU and requests a device with the limits the kernels need (large buffers, 256 invocations). */
export async function acquireDevice(options: WebGPUBackendOptions = {}): Promise<AcquiredDevice> {
  if (options.device) {
    const d = options.device;
    return {
      device: d,
      adapterInfo: describe((d as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo),
      features: new Set(d.features as unknown as Iterable<string>),
      owned: false,
    };
  }
  let gpu = options.gpu;
  let adapter = options.adapter ?? null;
  if (!adapter) {
    if (!gpu && typeof navigator !== 'undefined' && (navigator as Navigator & { gpu?: GPU }).gpu) {
      gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    }
    if (!gpu) gpu = await nodeGpu();
    if (!gpu)
      throw new Error('createWebGPUBackend: WebGPU is not available (no navigator.gpu and not in Node)');
    keepAlive.push(gpu);
    adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
    if (!adapter) {
      throw new Error(
        'createWebGPUBackend: requestAdapter() returned null: no WebGPU adapter (in Node without a GPU set VK_ICD_FILENAMES to a software Vulkan driver such as SwiftShader)',
      );
    }
  }
  // a software adapter from our own Dawn instance: the same adapter, with flags that compile faster
  adapter = await adapterForDevice(gpu, adapter, options.powerPreference);
  const lim = adapter.limits;
  if (lim.maxComputeInvocationsPerWorkgroup < 256 || lim.maxComputeWorkgroupSizeX < 256) {
    throw new Error(
      `createWebGPUBackend: the adapter allows ${lim.maxComputeInvocationsPerWorkgroup} invocations per workgroup (x size ${lim.maxComputeWorkgroupSizeX}); the kernels need 256 (a compatibility-mode adapter?)`,
    );
  }
  const requiredLimits: Record<string, number> = {
    maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
    maxBufferSize: lim.maxBufferSize,
    maxComputeInvocationsPerWorkgroup: 256,
    maxComputeWorkgroupSizeX: 256,
    maxComputeWorkgroupSizeY: Math.min(256, lim.maxComputeWorkgroupSizeY),
    maxComputeWorkgroupStorageSize: lim.maxComputeWorkgroupStorageSize,
    // all the adapter offers: the multi-tensor kernels (optimizer, guard) bind several tensors each
    maxStorageBuffersPerShaderStage: lim.maxStorageBuffersPerShaderStage,
  };
  const wanted: GPUFeatureName[] = [];
  for (const f of ['subgroups', 'shader-f16', 'timestamp-query'] as GPUFeatureName[]) {
    if (adapter.features.has(f)) wanted.push(f);
  }
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures: wanted });
  keepAlive.push(adapter);
  return {
    device,
    adapterInfo: describe(adapter.info),
    features: new Set(device.features as unknown as Iterable<string>),
    owned: true,
  };
}
