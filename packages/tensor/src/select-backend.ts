/**
 * Choosing a backend explicitly, once, at startup. Importing `@rectifier/tensor` never loads the
 * WASM or WebGPU code (no import-time side effects); `selectBackend` loads the one it picks through a
 * dynamic import and makes it the default for new tensors.
 */
import type { Backend } from './backend.js';
import { setBackend } from './backend-state.js';
import { cpuBackend } from './backends/cpu/index.js';
import { createNodeGpu, type GpuAdapterLike, isSoftwareAdapter } from './software-adapter.js';

export { type GpuAdapterLike, isSoftwareAdapter };

export type BackendPreference = 'auto' | 'cpu' | 'wasm' | 'native' | 'webgpu';

/**
 * The part of WebGPU's `GPU` object this function uses, typed structurally so that the package root's
 * types do not require `@webgpu/types` (a real `navigator.gpu` or dawn.node `create([])` fits).
 */
export interface GpuLike {
  requestAdapter(options?: {
    powerPreference?: 'high-performance' | 'low-power';
  }): Promise<GpuAdapterLike | null>;
}
export interface SelectBackendOptions {
  /**
   * A `GPU` object for WebGPU. Default: `navigator.gpu`; in Node, `create([])` of the optional `webgpu`
   * package (Dawn) when it is installed.
   */
  readonly gpu?: GpuLike;
  /** Threads for the WASM and native backends; default: all cores (capped at 8). */
  readonly threads?: number;
  /**
   * With 'auto', also accept a software adapter (SwiftShader, llvmpipe, WARP: see
   * {@link isSoftwareAdapter}). Default false: on a machine without a GPU the WASM SIMD backend is far
   * faster than WebGPU emulated on the CPU. `'webgpu'` always accepts one.
   */
  readonly allowFallbackAdapter?: boolean;
  /**
   * With 'auto' in Node, try the native backend (the optional package `@rectifier/tensor-native`)
   * before WASM. Default true; false goes straight to WASM (e.g. to compare with a WASM run bit for bit).
   */
  readonly native?: boolean;
}

/** What the chosen WebGPU adapter is, and the device limits the kernels rely on. */
export interface AdapterSummary {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** A software renderer (see {@link isSoftwareAdapter}). */
  readonly software: boolean;
  /** The device's values of the limits the WebGPU backend requests. */
  readonly limits: Readonly<Record<string, number>>;
}

/** The result of {@link selectBackend}: the backend (already the default) and why it was chosen. */
export interface BackendSelection {
  readonly backend: Backend;
  readonly name: 'cpu' | 'wasm' | 'native' | 'webgpu';
  /** One line for logs, e.g. 'wasm (relaxed SIMD, 2 threads)' or 'webgpu (nvidia / hopper)'. */
  readonly description: string;
  /** Why this backend: what was asked and, for 'auto', what was found or skipped. */
  readonly reason: string;
  /** The WebGPU adapter: the chosen one, or (for 'auto') the one that was skipped. */
  readonly adapter?: AdapterSummary;
}

const PREFERENCES: readonly BackendPreference[] = ['auto', 'cpu', 'wasm', 'native', 'webgpu'];

/** Limits the WebGPU backend requests from the adapter (reported with the adapter). */
const USED_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxStorageBuffersPerShaderStage',
] as const;

/**
 * Picks a backend, makes it the default (`setBackend`) and returns it with the reason for the choice.
 *
 * - `'cpu'`: the JS reference backend (always available).
 * - `'wasm'`: WASM SIMD kernels on all cores (`@rectifier/tensor/wasm`); throws if SIMD is missing.
 * - `'native'`: native kernels (oneDNN) in Node from the optional package `@rectifier/tensor-native`;
 *   throws a one-line error saying why it did not load (not installed, no binary for this platform,
 *   a missing shared library).
 * - `'webgpu'`: WGSL kernels (`@rectifier/tensor/webgpu`) on any adapter, software ones included;
 *   throws a one-line error if there is none (in Node: naming the optional `webgpu` package when it
 *   is not installed).
 * - `'auto'` (default): WebGPU when a GPU object is available and its adapter is a real GPU (not a
 *   software one, unless `allowFallbackAdapter`), else in Node the native backend when
 *   `@rectifier/tensor-native` loads, else WASM when the runtime has WebAssembly SIMD, else the JS
 *   backend. The reason says what was skipped and why (e.g. why the native backend did not load).
 *
 * @example
 * ```ts
 * import { selectBackend } from '@rectifier/tensor';
 * const { name, reason } = await selectBackend('auto'); // e.g. 'wasm', 'no WebGPU adapter ...'
 * ```
 */
export async function selectBackend(
  preference: BackendPreference = 'auto',
  options: SelectBackendOptions = {},
): Promise<BackendSelection> {
  if (!PREFERENCES.includes(preference)) {
    throw new Error(
      `selectBackend: preference must be one of ${PREFERENCES.join(', ')}, got '${String(preference)}'`,
    );
  }
  const selection = await pick(preference, options);
  setBackend(selection.backend);
  return selection;
}

async function pick(preference: BackendPreference, options: SelectBackendOptions): Promise<BackendSelection> {
  if (preference === 'cpu')
    return {
      backend: cpuBackend,
      name: 'cpu',
      description: 'cpu (JavaScript reference kernels)',
      reason: 'asked for cpu',
    };
  if (preference === 'wasm') return createWasm(options, 'asked for wasm');
  if (preference === 'native') {
    const native = await loadNative(options);
    if ('why' in native) throw new Error(`selectBackend: no native backend: ${native.why}`);
    return { ...native.selection, reason: 'asked for native' };
  }
  if (preference === 'webgpu') {
    const found = await findGpu(options);
    if (!found.gpu) throw new Error(`selectBackend: no WebGPU: ${found.why}`);
    const adapter = await found.gpu
      .requestAdapter({ powerPreference: 'high-performance' })
      .catch((e: Error) => {
        throw new Error(`selectBackend: requestAdapter() failed: ${e.message.split('\n')[0]}`);
      });
    if (!adapter)
      throw new Error(
        'selectBackend: no WebGPU adapter (requestAdapter() returned null; in Node without a GPU a software Vulkan driver such as SwiftShader can provide one: set VK_ICD_FILENAMES)',
      );
    return createWebGPU(found.gpu, adapter, 'asked for webgpu');
  }

  let why: string;
  let skipped: AdapterSummary | undefined;
  const found = await findGpu(options);
  if (found.gpu) {
    const adapter = await found.gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
    if (!adapter) why = 'no WebGPU adapter';
    else if (isSoftwareAdapter(adapter) && !options.allowFallbackAdapter) {
      skipped = summarize(adapter);
      why = `the WebGPU adapter (${adapterName(skipped)}) is a software renderer, slower than the CPU kernels (ask for webgpu to use it)`;
    } else {
      try {
        return await createWebGPU(found.gpu, adapter, 'auto: a WebGPU adapter is available');
      } catch (e) {
        // A device that cannot be created (limits, lost device) falls through to the CPU backends.
        why = `the WebGPU device could not be created (${(e as Error).message.split('\n')[0]})`;
      }
    }
  } else why = `no WebGPU (${found.why})`;
  if (isNode() && options.native !== false) {
    const native = await loadNative(options);
    if (!('why' in native))
      return {
        ...native.selection,
        reason: `auto: ${why}; the native backend loaded`,
        ...(skipped ? { adapter: skipped } : {}),
      };
    why = `${why}; no native backend (${native.why})`;
  }
  const wasm = await import('./wasm/index.js');
  if (!wasm.hasSimd())
    return {
      backend: cpuBackend,
      name: 'cpu',
      description: 'cpu (JavaScript reference kernels)',
      reason: `auto: ${why}, and this runtime lacks WebAssembly SIMD`,
      ...(skipped ? { adapter: skipped } : {}),
    };
  return { ...(await createWasm(options, `auto: ${why}`)), ...(skipped ? { adapter: skipped } : {}) };
}

const isNode = () => typeof process !== 'undefined' && !!process.versions?.node;

/** What `@rectifier/tensor-native` exports (typed here: this package cannot depend on it). */
interface NativeModule {
  createNativeBackend(options?: { threads?: number }): Promise<Backend & { readonly description: string }>;
}

/**
 * The native backend from the optional package `@rectifier/tensor-native`, or why it is unavailable.
 * A dynamic import through a variable specifier: the package depends on this one (so this one cannot
 * depend on it), bundlers leave it out of browser bundles, and a missing package is a reason, not an error.
 */
async function loadNative(
  options: SelectBackendOptions,
): Promise<{ selection: Omit<BackendSelection, 'reason'> } | { why: string }> {
  if (!isNode()) return { why: 'the native backend needs Node' };
  const specifier = '@rectifier/tensor-native';
  let mod: NativeModule;
  try {
    mod = (await import(/* @vite-ignore */ specifier)) as NativeModule;
  } catch (e) {
    const missing = /Cannot find (package|module) '@rectifier\/tensor-native'/.test((e as Error).message);
    return {
      why: missing
        ? "the optional package '@rectifier/tensor-native' is not installed: npm i @rectifier/tensor-native"
        : `'@rectifier/tensor-native' did not load: ${(e as Error).message.split('\n')[0]}`,
    };
  }
  try {
    const backend = await mod.createNativeBackend(
      options.threads === undefined ? {} : { threads: options.threads },
    );
    return { selection: { backend, name: 'native', description: backend.description } };
  } catch (e) {
    return { why: (e as Error).message.split('\n')[0].replace(/^native backend unavailable: /, '') };
  }
}

// dawn.node crashes the process if the object returned by create() is garbage-collected while a
// device is alive: keep the GPU objects and adapters that backends are made from.
const keepAlive: unknown[] = [];

/** The GPU object: passed, `navigator.gpu`, or in Node the optional `webgpu` package's `create([])`. */
async function findGpu(options: SelectBackendOptions): Promise<{ gpu?: GpuLike; why: string }> {
  if (options.gpu) return { gpu: options.gpu, why: '' };
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
  if (nav) return { gpu: nav, why: '' };
  if (!isNode()) return { why: 'this runtime has no navigator.gpu' };
  try {
    return { gpu: await createNodeGpu<GpuLike>(), why: '' };
  } catch (e) {
    const missing = /Cannot find (package|module) 'webgpu'/.test((e as Error).message);
    return {
      why: missing
        ? "the optional package 'webgpu' (Dawn for Node) is not installed: npm i webgpu"
        : `the optional package 'webgpu' did not load: ${(e as Error).message.split('\n')[0]}`,
    };
  }
}

function summarize(adapter: GpuAdapterLike, limits?: Record<string, number>): AdapterSummary {
  const info = adapter.info ?? {};
  const lim = limits ?? (adapter as { limits?: Record<string, number> }).limits ?? {};
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    software: isSoftwareAdapter(adapter),
    limits: Object.fromEntries(USED_LIMITS.filter((k) => typeof lim[k] === 'number').map((k) => [k, lim[k]])),
  };
}

function adapterName(a: AdapterSummary): string {
  const parts = [a.vendor, a.architecture, a.device || a.description].filter((s) => !!s);
  return parts.length > 0 ? parts.join(' / ') : 'unnamed adapter';
}

async function createWasm(options: SelectBackendOptions, reason: string): Promise<BackendSelection> {
  const { createWasmBackend, hasSimd } = await import('./wasm/index.js');
  if (!hasSimd())
    throw new Error('selectBackend: the WASM backend needs WebAssembly SIMD, which this runtime lacks');
  const b = await createWasmBackend(options.threads === undefined ? {} : { threads: options.threads });
  return {
    backend: b,
    name: 'wasm',
    description: `wasm (${b.simd === 'relaxed' ? 'relaxed SIMD' : 'SIMD'}, ${b.threads} thread${b.threads === 1 ? '' : 's'})`,
    reason,
  };
}

async function createWebGPU(
  gpu: GpuLike,
  adapter: GpuAdapterLike,
  reason: string,
): Promise<BackendSelection> {
  const { createWebGPUBackend } = await import('./webgpu/index.js');
  type WebGPUOptions = NonNullable<Parameters<typeof createWebGPUBackend>[0]>;
  keepAlive.push(gpu, adapter);
  // The structural types above are the real WebGPU objects at run time.
  const backend = await createWebGPUBackend({
    gpu: gpu as unknown as WebGPUOptions['gpu'],
    adapter: adapter as unknown as WebGPUOptions['adapter'],
  });
  const summary = summarize(adapter, backend.device.limits as unknown as Record<string, number>);
  return {
    backend,
    name: 'webgpu',
    description: `webgpu (${adapterName(summary)}${summary.software ? ', software renderer' : ''})`,
    reason,
    adapter: summary,
  };
}
