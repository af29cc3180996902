/**
 * @rectifier/tensor-native: a native CPU backend for `@rectifier/tensor` in Node. oneDNN runs
 * convolutions and matmul; pooling, the elementwise passes of a training step, bias-gradient sums and
 * the fused SGD step are native loops; everything else is the CPU backend's JavaScript. Usually
 * chosen through `selectBackend('auto' | 'native')` of `@rectifier/tensor`.
 *
 * @example
 * import { selectBackend } from '@rectifier/tensor';
 * const { name, description, reason } = await selectBackend('auto');
 * // 'native', 'native (oneDNN 2.6.3, avx2, 2 threads)', 'auto: no WebGPU (...); the native backend loaded'
 */
export { currentTarget, TARGETS } from './addon.js';
export { nativeAvailability } from './availability.js';
export {
  createNativeBackend,
  MAX_DEFAULT_THREADS,
  type NativeBackend,
  type NativeBackendOptions,
  NativeUnavailableError,
} from './backend.js';
