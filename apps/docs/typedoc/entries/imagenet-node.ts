/**
 * Datasets on disk, sharp decoding, the worker-pool loader, packing and the synthetic ImageNet-like generator.
 *
 * @module @rectifier/imagenet/node
 */
export * from '@rectifier/imagenet/node';
