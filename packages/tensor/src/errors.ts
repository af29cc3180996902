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

/**
 * Throws when an options object has a key outside `allowed` (a typo such as `{ pading: 1 }` would
 * otherwise silently fall back to the default), or when it is not an object. `undefined` passes.
 * The one unknown-option check of every package (nn, init, onnx, train use it from here).
 *
 * @example
 * checkOptionKeys('conv2d', opts, ['stride', 'padding']);
 */
export function checkOptionKeys(op: string, opts: unknown, allowed: readonly string[]): void {
  if (opts === undefined) return;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts))
    throw new TypeError(`${op}: options must be an object, got ${opts === null ? 'null' : typeof opts}`);
  for (const key of Object.keys(opts)) {
    if (!allowed.includes(key))
      throw new TypeError(`${op}: unknown option '${key}' (allowed: ${allowed.join(', ')})`);
  }
}
