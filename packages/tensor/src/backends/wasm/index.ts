/**
 * `@rectifier/tensor/wasm`: the fast CPU backend (WebAssembly SIMD kernels on all cores).
 *
 * @example
 * import { setBackend } from '@rectifier/tensor';
 * import { createWasmBackend } from '@rectifier/tensor/wasm';
 * setBackend(await createWasmBackend());
 */
export { createWasmBackend, type SimdFlavour, type WasmBackend, type WasmBackendOptions } from './backend.js';
export { canUseThreads, hasRelaxedSimd, hasSimd } from './features.js';
