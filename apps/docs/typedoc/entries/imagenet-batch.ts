/**
 * Batches to tensors.
 *
 * @module @rectifier/imagenet/batch
 */
export * from '@rectifier/imagenet/batch';
