/**
 * The WASM backend: SIMD GEMM, convolution, pooling and rectifier kernels compiled from AssemblyScript, multi-threaded where shared memory is available.
 *
 * @module @rectifier/tensor/wasm
 */
export * from '@rectifier/tensor/wasm';
