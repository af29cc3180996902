/**
 * Output-size formulas (PyTorch's), used to track shapes while lowering so that every layer is
 * checked before anything is written. Where PyTorch's ceil-mode rule drops a window that ONNX's older
 * `ceil_mode` rule keeps, lower.ts writes explicit end padding instead of `ceil_mode`.
 */

/**
 * Conv output length: floor((L + padBegin + padEnd - d(k-1) - 1) / s) + 1.
 * @example convOutSize(224, 7, 2, 3, 3, 1) // 112
 */
export function convOutSize(
  L: number,
  k: number,
  s: number,
  padBegin: number,
  padEnd: number,
  d: number,
): number {
  return Math.floor((L + padBegin + padEnd - d * (k - 1) - 1) / s) + 1;
}

/**
 * Pool output length with symmetric padding p. With `ceilMode` the division rounds up, but a last
 * window that would start in the right padding is dropped (PyTorch `pooling_output_shape`).
 * @example poolOutSize(3, 2, 2, 1, 1, true) // 2, not 3
 */
export function poolOutSize(
  L: number,
  k: number,
  s: number,
  p: number,
  d: number,
  ceilMode: boolean,
): number {
  const span = L + 2 * p - d * (k - 1) - 1;
  let out = (ceilMode ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceilMode && (out - 1) * s >= L + p) out -= 1;
  return out;
}

/** `[a, b, c]` for messages, written as every Rectifier package writes shapes. */
export function fmt(shape: readonly (number | string)[]): string {
  return `[${shape.join(', ')}]`;
}
