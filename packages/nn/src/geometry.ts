/**
 * Output-size arithmetic of convolution and pooling (PyTorch's formulas), and the window rule of the
 * spatial pyramid pooling layer. Pure functions on numbers: `summary`, shape checks and the ONNX
 * exporter use them without touching any tensor.
 */

/**
 * Output length of a convolution along one axis:
 * floor((size + 2·padding − dilation·(kernel − 1) − 1) / stride) + 1. Returns a value < 1 when the
 * (padded) input is smaller than the dilated kernel; callers turn that into an error.
 */
export function convOutputSize(
  size: number,
  kernel: number,
  stride: number,
  padding: number,
  dilation: number,
): number {
  return Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

/**
 * Output length of max/avg pooling along one axis, PyTorch's rule: like {@link convOutputSize}, with
 * `ceilMode` rounding up, except that the last window must start inside the input or its left padding
 * ((out − 1)·stride < size + padding), otherwise it is dropped.
 */
export function poolOutputSize(
  size: number,
  kernel: number,
  stride: number,
  padding: number,
  dilation: number,
  ceilMode: boolean,
): number {
  const span = size + 2 * padding - dilation * (kernel - 1) - 1;
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceilMode && (out - 1) * stride >= size + padding) out -= 1;
  return out;
}

/** One pyramid level along one axis: a plain pooling window (no padding) that yields exactly `bins` outputs. */
export interface SppAxisGeometry {
  readonly kernel: number;
  readonly stride: number;
  readonly padding: 0;
}

/**
 * The window rule of {@link SpatialPyramidPooling} for one axis of length `size` and `bins` bins:
 *
 *   stride = floor(size / bins),  kernel = size − (bins − 1)·stride,  padding = 0.
 *
 * This gives exactly `bins` equal windows that tile [0, size) from the first to the last pixel, so a
 * level is an ordinary MaxPool2d(kernel, stride) (ONNX `MaxPool`) for every input size >= bins. It
 * equals SPP-net's rule (window ceil(a/n), stride floor(a/n); He et al. 2014) whenever that rule gives
 * n windows that cover the map (e.g. a = 13, n = 6: kernel 3, stride 2), and equals adaptive pooling
 * when bins divides size. Unlike SPP-net's rule it never yields the wrong number of bins (a = 10,
 * n = 6 gives 9 with ceil/floor) and never leaves the last rows unpooled (a = 14, n = 3).
 *
 * @example
 * sppAxisGeometry(14, 3); // { kernel: 6, stride: 4, padding: 0 }: windows [0,6) [4,10) [8,14)
 * sppAxisGeometry(13, 6); // { kernel: 3, stride: 2, padding: 0 }
 */
export function sppAxisGeometry(size: number, bins: number): SppAxisGeometry {
  if (!Number.isInteger(bins) || bins < 1)
    throw new RangeError(`sppAxisGeometry: bins must be an integer >= 1, got ${bins}`);
  if (!Number.isInteger(size) || size < bins) {
    throw new RangeError(
      `sppAxisGeometry: a pyramid level of ${bins} bins needs a feature map of at least ${bins} along each axis, got ${size}`,
    );
  }
  const stride = Math.floor(size / bins);
  return { kernel: size - (bins - 1) * stride, stride, padding: 0 };
}

/** Per-level pooling geometry of an SPP layer for an H x W feature map (what the ONNX exporter emits). */
export interface SppLevelGeometry {
  readonly bins: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [0, 0];
}

/**
 * {@link sppAxisGeometry} for every level and both axes.
 *
 * @example
 * sppGeometry([7, 3, 2, 1], 14, 14).map((l) => l.kernelSize); // [[2,2], [6,6], [7,7], [14,14]]
 */
export function sppGeometry(levels: readonly number[], height: number, width: number): SppLevelGeometry[] {
  return levels.map((bins) => {
    const h = sppAxisGeometry(height, bins);
    const w = sppAxisGeometry(width, bins);
    return { bins, kernelSize: [h.kernel, w.kernel], stride: [h.stride, w.stride], padding: [0, 0] };
  });
}
