/**
 * The WebGPU backend: every backend primitive as a WGSL compute kernel. Loaded only when imported.
 *
 * @module @rectifier/tensor/webgpu
 */
export * from '@rectifier/tensor/webgpu';
