/**
 * Choosing a backend explicitly, once, at startup. Importing `@rectifier/tensor` never loads the
 * WASM or WebGPU code (no import-time side effects); `selectBackend` loads the one it picks through a
 * dynamic import and makes it the default for new tensors.
 */
import type { Backend } from './backend.js';
import { setBackend } from './backend-state.js';
import { cpuBackend } from './backends/cpu/index.js';

export type BackendPreference = 'auto' | 'cpu' | 'wasm' | 'webgpu';

/**
 * The part of WebGPU's `GPU` object this function uses, typed structurally so that the package root's
 * types do not require `@webgpu/types` (a real `navigator.gpu` or dawn.node `create([])` fits).
 */
export interface GpuLike {
  requestAdapter(options?: {
    powerPreference?: 'high-performance' | 'low-power';
  }): Promise<GpuAdapterLike | null>;
}
export interface GpuAdapterLike {
  readonly info?: { readonly isFallbackAdapter?: boolean };
}

export interface SelectBackendOptions {
  /** A `GPU` object for WebGPU: `navigator.gpu` by default; in Node pass `create([])` from `webgpu`. */
  readonly gpu?: GpuLike;
  /** Threads for the WASM backend; default: all cores (capped at 8). */
  readonly threads?: number;
  /**
   * With 'auto', also accept a software ("fallback") WebGPU adapter such as SwiftShader. Default false:
   * on a machine without a GPU the WASM SIMD backend is far faster than WebGPU emulated on the CPU.
   */
  readonly allowFallbackAdapter?: boolean;
}

const PREFERENCES: readonly BackendPreference[] = ['auto', 'cpu', 'wasm', 'webgpu'];

/**
 * Picks a backend, makes it the default (`setBackend`) and returns it.
 *
 * - `'cpu'`: the JS reference backend (always available).
 * - `'wasm'`: WASM SIMD kernels on all cores (`@rectifier/tensor/wasm`); throws if SIMD is missing.
 * - `'webgpu'`: WGSL kernels (`@rectifier/tensor/webgpu`); throws if no adapter is found.
 * - `'auto'` (default): WebGPU when a GPU object is available and its adapter is a real GPU, else WASM
 *   when the runtime has WebAssembly SIMD, else the JS backend.
 *
 * @example
 * ```ts
 * import { selectBackend } from '@rectifier/tensor';
 * const backend = await selectBackend('auto'); // e.g. 'wasm' in Node, 'webgpu' in a browser with a GPU
 * ```
 */
export async function selectBackend(
  preference: BackendPreference = 'auto',
  options: SelectBackendOptions = {},
): Promise<Backend> {
  if (!PREFERENCES.includes(preference)) {
    throw new Error(
      `selectBackend: preference must be one of ${PREFERENCES.join(', ')}, got '${String(preference)}'`,
    );
  }
  const backend = await pick(preference, options);
  setBackend(backend);
  return backend;
}

async function pick(preference: BackendPreference, options: SelectBackendOptions): Promise<Backend> {
  if (preference === 'cpu') return cpuBackend;
  if (preference === 'webgpu') return createWebGPU(options);
  if (preference === 'wasm') return createWasm(options);

  const gpu = options.gpu ?? (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
  if (gpu) {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
    const fallback = adapter?.info?.isFallbackAdapter === true;
    if (adapter && (!fallback || options.allowFallbackAdapter)) {
      try {
        return await createWebGPU({ ...options, gpu }, adapter);
      } catch {
        // A device that cannot be created (limits, lost device) falls through to the CPU backends.
      }
    }
  }
  const wasm = await import('./wasm/index.js');
  return wasm.hasSimd() ? createWasm(options) : cpuBackend;
}

async function createWasm(options: SelectBackendOptions): Promise<Backend> {
  const { createWasmBackend, hasSimd } = await import('./wasm/index.js');
  if (!hasSimd())
    throw new Error('selectBackend: the WASM backend needs WebAssembly SIMD, which this runtime lacks');
  return createWasmBackend(options.threads === undefined ? {} : { threads: options.threads });
}

async function createWebGPU(options: SelectBackendOptions, adapter?: GpuAdapterLike): Promise<Backend> {
  const { createWebGPUBackend } = await import('./webgpu/index.js');
  type WebGPUOptions = NonNullable<Parameters<typeof createWebGPUBackend>[0]>;
  // The structural types above are the real WebGPU objects at run time.
  return createWebGPUBackend({
    ...(options.gpu ? { gpu: options.gpu as unknown as WebGPUOptions['gpu'] } : {}),
    ...(adapter ? { adapter: adapter as unknown as WebGPUOptions['adapter'] } : {}),
  });
}
