/**
 * Image decoding in browsers.
 *
 * @module @rectifier/imagenet/browser
 */
export * from '@rectifier/imagenet/browser';
