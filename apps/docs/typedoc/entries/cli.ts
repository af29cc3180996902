/**
 * The rectifier command, programmatically.
 *
 * @module @rectifier/cli
 */
export * from '@rectifier/cli';
