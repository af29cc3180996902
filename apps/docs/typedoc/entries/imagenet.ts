/**
 * The browser-safe core of the ImageNet pipeline: class table, augmentation geometry, pixel arithmetic, multi-view helpers, shuffling, IDX parsing.
 *
 * @module @rectifier/imagenet
 */
export * from '@rectifier/imagenet';
