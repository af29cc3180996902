/**
 * Modules and layers (Conv2d, Linear, PReLU, pooling, SPP, dropout), the paper's networks, summaries and safetensors checkpoints.
 *
 * @module @rectifier/nn
 */
export * from '@rectifier/nn';
