/**
 * `@rectifier/tensor/webgpu`: the WebGPU backend (WGSL compute kernels for every primitive).
 * Loaded only when imported; nothing runs at import time.
 *
 * @example
 * import { setBackend } from '@rectifier/tensor';
 * import { createWebGPUBackend } from '@rectifier/tensor/webgpu';
 * setBackend(await createWebGPUBackend());
 */

export { SOFTWARE_ADAPTER_DAWN_FLAGS } from '../../software-adapter.js';
export type { WebGPUBackendOptions, WebGPUTuning } from './device.js';
export {
  formatStepProfile,
  type OpKindProfile,
  type StepProfile,
} from './step-profile.js';
export { WebGPUStorage } from './storage.js';
export { createWebGPUBackend, type WebGPUBackend } from './webgpu-backend.js';
