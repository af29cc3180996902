/**
 * `@rectifier/tensor/webgpu` entry: the WebGPU backend (implementation in ../backends/webgpu).
 * Loaded only when imported; nothing runs at import time. Its types use the WebGPU declarations
 * (`GPUDevice`, ...): TypeScript users add `@webgpu/types` to `compilerOptions.types`.
 */
export * from '../backends/webgpu/index.js';
