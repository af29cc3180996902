/**
 * Test helpers: finite-difference gradient checks and closeness assertions.
 *
 * @module @rectifier/tensor/testing
 */
export * from '@rectifier/tensor/testing';
