/**
 * Software WebGPU adapters: recognising them, and making Dawn for Node (the optional `webgpu`
 * package) compile for them quickly. Shared by `selectBackend` and `createWebGPUBackend`; nothing here
 * loads Dawn until a function below is called.
 */

/**
 * The part of a WebGPU adapter this module reads, typed structurally so that the package root's types
 * do not require `@webgpu/types`.
 */
export interface GpuAdapterLike {
  readonly info?: {
    readonly isFallbackAdapter?: boolean;
    readonly vendor?: string;
    readonly architecture?: string;
    readonly device?: string;
    readonly description?: string;
  };
}

/** Names of software renderers in adapter vendor / architecture / device / description strings. */
export const SOFTWARE_ADAPTER_NAMES =
  /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render|\bwarp\b/i;

/**
 * Whether an adapter is a software renderer: `info.isFallbackAdapter`, or a vendor / architecture /
 * device / description naming SwiftShader, llvmpipe, lavapipe, softpipe or WARP (Dawn reports
 * SwiftShader loaded as a Vulkan driver as an ordinary adapter, vendor 'google', architecture
 * 'swiftshader').
 */
export function isSoftwareAdapter(adapter: GpuAdapterLike | null | undefined): boolean {
  const info = adapter?.info;
  if (!info) return false;
  if (info.isFallbackAdapter === true) return true;
  return [info.vendor, info.architecture, info.device, info.description].some(
    (s) => typeof s === 'string' && SOFTWARE_ADAPTER_NAMES.test(s),
  );
}

/**
 * Dawn flags for software adapters. SwiftShader implements Vulkan's zero-initialised workgroup memory
 * (VK_KHR_zero_initialize_workgroup_memory) by compiling one store per element of every workgroup
 * array into each pipeline, so a GEMM kernel with 17 KB of shared tiles took 1.8 s to compile. Without
 * the extension Dawn's shader compiler zero-fills the arrays with a loop, as it does on Metal and
 * D3D12: the same zeros, and the same kernel compiles in 0.12 s.
 */
export const SOFTWARE_ADAPTER_DAWN_FLAGS: readonly string[] = [
  'disable-dawn-features=use_vulkan_zero_initialize_workgroup_memory_extension',
];

interface DawnModule {
  create(flags: string[]): unknown;
}

// dawn.node crashes the process if the object returned by create() is garbage-collected while a
// device is alive (shared/reference/webgpu-without-gpu.md §4.1): keep every one made here.
const keepAlive: unknown[] = [];
/** The GPU objects made here without flags: their software adapters may be traded for flagged ones. */
const plainInstances = new WeakSet<object>();
/** The Dawn instance made with SOFTWARE_ADAPTER_DAWN_FLAGS, once one is needed. */
let flaggedInstance: Promise<object> | undefined;

/**
 * `create(flags)` of the optional `webgpu` package (Dawn for Node), kept alive for the process's life.
 * Throws the import error when the package is missing or does not load.
 */
export async function createNodeGpu<G extends object>(flags: readonly string[] = []): Promise<G> {
  // A variable specifier keeps bundlers from pulling the native module into browser bundles.
  const specifier = 'webgpu';
  const mod = (await import(/* @vite-ignore */ specifier)) as DawnModule;
  const gpu = mod.create([...flags]) as G;
  keepAlive.push(gpu);
  if (flags.length === 0) plainInstances.add(gpu);
  return gpu;
}

/**
 * The adapter to create a device from. A software adapter of a Dawn instance that
 * {@link createNodeGpu} made without flags is requested again from an instance made with
 * {@link SOFTWARE_ADAPTER_DAWN_FLAGS}; every other adapter (hardware, browsers, a caller's own `GPU`
 * object) is returned as it is.
 */
export async function adapterForDevice<A extends GpuAdapterLike>(
  gpu: object | undefined,
  adapter: A,
  powerPreference: 'high-performance' | 'low-power' = 'high-performance',
): Promise<A> {
  if (!gpu || !plainInstances.has(gpu) || !isSoftwareAdapter(adapter)) return adapter;
  // one flagged instance per process: every backend created afterwards asks it for its adapter
  flaggedInstance ??= createNodeGpu(SOFTWARE_ADAPTER_DAWN_FLAGS);
  const flagged = (await flaggedInstance) as { requestAdapter(o: object): Promise<A | null> };
  const again = await flagged.requestAdapter({ powerPreference });
  keepAlive.push(again);
  return again ?? adapter;
}
