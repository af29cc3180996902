/**
 * Error classes thrown by `@rectifier/tensor`. Every message starts with the op name and shows the
 * offending argument and shapes, e.g.
 * `conv2d: input has 3 channels but weight expects 4 (input [8,3,32,32], weight [16,4,3,3])`.
 */

/** A shape, axis or size argument is invalid (rank, broadcasting, out-of-range axis, negative size). */
export class ShapeError extends Error {
  override readonly name = 'ShapeError';
}

/** A dtype is not allowed for this op, or two dtypes cannot be combined. */
export class DTypeError extends Error {
  override readonly name = 'DTypeError';
}

/** A disposed tensor was read or used as an op input. */
export class DisposedError extends Error {
  override readonly name = 'DisposedError';
}

/** Formats a shape the way every error message shows it: `[8,3,32,32]`. */
export function fmt(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
