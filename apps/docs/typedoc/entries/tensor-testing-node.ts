/**
 * Node-only test helpers: what a test needs from the machine (Debian's chromium, a WebGPU adapter)
 * and one rule for when it is missing (with `CI` set it fails the run).
 *
 * @module @rectifier/tensor/testing/node
 */
export * from '@rectifier/tensor/testing/node';
