/**
 * Node-only safetensors file helpers.
 *
 * @module @rectifier/nn/node
 */
export * from '@rectifier/nn/node';
