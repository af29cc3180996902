/**
 * Opset / IR version choice. Rectifier writes default-domain opsets 13 to 21: 13 is the first with
 * the `axis = -1` Softmax and int64-input Slice/Reshape semantics used here; 17 (IR 8) is the
 * default, as in PyTorch 2.x's exporter and supported by every ONNX Runtime since 1.12.
 */

/** Lowest and highest default-domain opset the exporter can write. */
export const MIN_OPSET = 13;
export const MAX_OPSET = 21;
/** The default opset (IR version 8). */
export const DEFAULT_OPSET = 17;

/**
 * The lowest IR version that can carry `opset` (per onnx/docs/Versioning.md: ONNX 1.8-1.9 wrote
 * IR 7 with opsets 13-14, 1.10-1.13 IR 8 with 15-18, 1.14-1.15 IR 9 with 19-20, 1.16 IR 10 with 21).
 * The lowest is chosen so that older runtimes load the model.
 */
export function irVersionFor(opset: number): number {
  checkOpset(opset);
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

/** Throws a clear error for an opset outside [MIN_OPSET, MAX_OPSET]. */
export function checkOpset(opset: number): void {
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new RangeError(
      `exportOnnx: opset ${opset} is not supported (use an integer in ${MIN_OPSET}..${MAX_OPSET})`,
    );
  }
}
