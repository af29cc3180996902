/**
 * The error taxonomy of every Rectifier package (nn, init, onnx, train use these classes and helpers
 * from here). Every message starts with the op (or module) name and shows the offending argument and
 * shapes, written `[8, 3, 32, 32]`, e.g.
 * `conv2d: input has 3 channels but weight expects 4 (input [8, 3, 32, 32], weight [16, 4, 3, 3])`.
 *
 * - `ShapeError`: a shape, dim or size does not fit (rank, broadcasting, out-of-range dim).
 * - `DTypeError`: a dtype is not allowed or two dtypes cannot be combined.
 * - `DisposedError`: a disposed tensor was used.
 * - `TypeError`: an argument or option of the wrong kind, or an unknown option key (`checkOptionKeys`).
 * - `RangeError`: a value out of its allowed range (an index, a probability, a class target).
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

/** Formats a shape the way every error message shows it: `[8, 3, 32, 32]`. */
export function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
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
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    const got = opts === null ? 'null' : Array.isArray(opts) ? 'an array' : typeof opts;
    throw new TypeError(`${op}: options must be an object, got ${got}`);
  }
  for (const key of Object.keys(opts)) {
    if (!allowed.includes(key))
      throw new TypeError(`${op}: unknown option '${key}' (allowed: ${allowed.join(', ')})`);
  }
}
