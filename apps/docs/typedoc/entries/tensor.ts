/**
 * Tensors with NumPy broadcasting, strided views, reverse-mode autograd and pluggable backends; the CPU backend is built in.
 *
 * @module @rectifier/tensor
 */
export * from '@rectifier/tensor';
