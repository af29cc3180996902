/**
 * The backends every parity/forward op test runs on (`describe.each(await backendsUnderTest())`).
 * The CPU backend is the reference; other backends add themselves here with tolerances that fit
 * their arithmetic (e.g. f32-only GPUs), and are compared against CPU results.
 */
import type { Backend } from '../backend.js';
import { cpuBackend } from '../backends/cpu/index.js';
import { createWasmBackend } from '../backends/wasm/index.js';
import { testWebGPU } from '../backends/webgpu/gpu-env.js';

export interface BackendUnderTest {
  name: string;
  backend: Backend;
  atol: number;
  rtol: number;
}

let wasm: Promise<Backend> | undefined;
let registered: (() => Promise<BackendUnderTest>) | undefined;

/**
 * Runs the suite on another package's backend instead of wasm/webgpu: a package that depends on this
 * one (tensor-native) includes these test files in its own vitest run and registers its backend from
 * a setup file, since this package cannot import it. The list is then that backend alone: the tests
 * compare with references computed on the CPU backend themselves, and this package's own run covers cpu.
 */
export function registerBackendUnderTest(create: () => Promise<BackendUnderTest>): void {
  registered = create;
}

export async function backendsUnderTest(): Promise<BackendUnderTest[]> {
  if (registered) return [await registered()];
  const list: BackendUnderTest[] = [{ name: 'cpu', backend: cpuBackend, atol: 1e-6, rtol: 1e-5 }];
  // WASM SIMD kernels on 2 threads (float32 accumulation, FMA order differs from the JS kernels).
  wasm ??= createWasmBackend({ threads: 2 });
  list.push({ name: 'wasm', backend: await wasm, atol: 1e-5, rtol: 1e-4 });
  // WebGPU (SwiftShader without a GPU): float32 only, GPU transcendental functions. Skipped with a
  // visible reason when no adapter exists (an error when CI is set: see gpu-env.ts).
  const gpu = await testWebGPU();
  if (gpu.backend) list.push({ name: 'webgpu', backend: gpu.backend, atol: 1e-5, rtol: 1e-4 });
  else console.warn(`backendsUnderTest: skipping webgpu: ${gpu.reason}`);
  return list;
}
