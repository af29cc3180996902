/**
 * Spatial pyramid pooling (He et al. 2014, used before fc1 in the paper's models A/B/C and the
 * 14-layer net) for a fixed input size. Each level's bins come from nn's own window computation;
 * a level becomes one MaxPool when its bins are a regular kernel/stride/pads pattern, and otherwise
 * an exact separable decomposition (Slice + ReduceMax per bin, one axis at a time, then Concat):
 * max over a rectangle = max over its rows of the max over its columns.
 */

import type { Windows } from './export-graph';
import { attr, type GraphBuilder } from './graph-builder';

/** MaxPool parameters along one axis (dilation 1, ceil_mode 0). */
export interface RegularPool {
  kernel: number;
  stride: number;
  padBegin: number;
  padEnd: number;
}

/** Inputs longer than this skip the regular-pattern search (the decomposition is always exact). */
const MAX_SEARCH = 256;

/**
 * Finds MaxPool parameters whose windows, clipped to [0, size) (MaxPool ignores padding), are
 * exactly `windows`, or null. ONNX Runtime requires each pad to be smaller than the kernel.
 * @example regularPool(4, [[0, 2], [2, 4]]) // { kernel: 2, stride: 2, padBegin: 0, padEnd: 0 }
 */
export function regularPool(size: number, windows: Windows): RegularPool | null {
  const n = windows.length;
  if (n === 0) return null;
  // fast path, any size: equal unpadded windows at a constant stride (nn's SPP rule always gives these)
  const k0 = windows[0][1] - windows[0][0];
  // one bin: stride = size, as nn's rule floor(size / 1) writes it (any stride gives one window)
  const s0 = n > 1 ? windows[1][0] - windows[0][0] : size;
  if (
    windows[0][0] === 0 &&
    s0 >= 1 &&
    windows.every(([lo, hi], i) => lo === i * s0 && hi - lo === k0) &&
    Math.floor((size - k0) / s0) + 1 === n
  ) {
    return { kernel: k0, stride: s0, padBegin: 0, padEnd: 0 };
  }
  if (size > MAX_SEARCH) return null;
  for (let stride = 1; stride <= size; stride++) {
    for (let padBegin = 0; padBegin < size; padBegin++) {
      for (let kernel = padBegin + 1; kernel <= size + padBegin; kernel++) {
        if (!sameWindows(size, windows, kernel, stride, padBegin)) continue;
        // smallest padEnd with floor((size + padBegin + padEnd - kernel) / stride) + 1 === n
        const padEnd = Math.max(0, (n - 1) * stride - size - padBegin + kernel);
        const count = Math.floor((size + padBegin + padEnd - kernel) / stride) + 1;
        if (count === n && padEnd < kernel) return { kernel, stride, padBegin, padEnd };
      }
    }
  }
  return null;
}

function sameWindows(size: number, windows: Windows, k: number, s: number, pb: number): boolean {
  for (let i = 0; i < windows.length; i++) {
    const lo = Math.max(0, i * s - pb);
    const hi = Math.min(size, i * s - pb + k);
    if (lo !== windows[i][0] || hi !== windows[i][1]) return false;
  }
  return true;
}

/**
 * Checks that nn's windows are `bins` non-empty bins inside [0, size); the error names the level
 * (`label`, default `level <bins>`) and the axis length.
 */
export function checkWindows(
  windows: Windows,
  size: number,
  bins: number,
  where: string,
  label = `level ${bins}`,
): void {
  if (windows.length !== bins) {
    throw new Error(`${where}: ${label} gave ${windows.length} bins for an axis of length ${size}`);
  }
  for (const [lo, hi] of windows) {
    if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 0 && hi <= size && lo < hi)) {
      throw new Error(
        `${where}: ${label} has an empty or out-of-range bin [${lo}, ${hi}) for an axis of length ${size}`,
      );
    }
  }
}

/** Max pooling (SPP, adaptive max) or average pooling (adaptive avg, SPP in 'avg' mode). */
export type PoolMode = 'max' | 'avg';

/** ReduceMax/ReduceMean over one axis with keepdims (`axes` moved from attribute to input in opset 18). */
function reduce(g: GraphBuilder, x: string, axis: number, mode: PoolMode, scope: string): string {
  const op = mode === 'max' ? 'ReduceMax' : 'ReduceMean';
  if (g.opset >= 18) {
    const axes = g.int64(`${scope}/axes_${axis}`, [axis]);
    return g.node(op, [x, axes], { keepdims: attr.int(1) }, scope)[0];
  }
  return g.node(op, [x], { axes: attr.ints([axis]), keepdims: attr.int(1) }, scope)[0];
}

/**
 * Exact max (or mean) over each `[lo, hi)` bin of `axis` (2 = H, 3 = W), concatenated along that
 * axis. A mean over a rectangle is the mean over its rows of the row means, so this is exact for
 * 'avg' too.
 */
export function decomposeAxis(
  g: GraphBuilder,
  x: string,
  axis: number,
  size: number,
  windows: Windows,
  scope: string,
  mode: PoolMode = 'max',
): string {
  const parts = windows.map(([lo, hi]) => {
    let v = x;
    if (lo !== 0 || hi !== size) {
      const starts = g.int64(`${scope}/starts`, [lo]);
      const ends = g.int64(`${scope}/ends`, [hi]);
      const axes = g.int64(`${scope}/slice_axes`, [axis]);
      v = g.node('Slice', [x, starts, ends, axes], {}, scope)[0];
    }
    return reduce(g, v, axis, mode, scope);
  });
  return parts.length === 1 ? parts[0] : g.node('Concat', parts, { axis: attr.int(axis) }, scope)[0];
}

/**
 * Pools an NCHW value of spatial size H x W over the given bins: returns [N, C, rows, cols].
 * Uses a single MaxPool/AveragePool when both axes are regular, else the pool on the regular axis
 * (kernel 1 on the other) and the exact decomposition on the irregular one. AveragePool uses
 * count_include_pad = 0, so padded windows average over their clipped extent, like the bins.
 */
export function lowerSppLevel(
  g: GraphBuilder,
  x: string,
  H: number,
  W: number,
  rows: Windows,
  cols: Windows,
  scope: string,
  mode: PoolMode = 'max',
): string {
  const rh = regularPool(H, rows);
  const rw = regularPool(W, cols);
  const pool = (ph: RegularPool, pw: RegularPool, input: string) =>
    g.node(
      mode === 'max' ? 'MaxPool' : 'AveragePool',
      [input],
      {
        kernel_shape: attr.ints([ph.kernel, pw.kernel]),
        strides: attr.ints([ph.stride, pw.stride]),
        pads: attr.ints([ph.padBegin, pw.padBegin, ph.padEnd, pw.padEnd]),
        ...(mode === 'avg' ? { count_include_pad: attr.int(0) } : {}),
      },
      scope,
    )[0];
  const one: RegularPool = { kernel: 1, stride: 1, padBegin: 0, padEnd: 0 };
  if (rh && rw) return pool(rh, rw, x);
  let v = x;
  v = rw ? pool(one, rw, v) : decomposeAxis(g, v, 3, W, cols, scope, mode);
  v = rh ? pool(rh, one, v) : decomposeAxis(g, v, 2, H, rows, scope, mode);
  return v;
}
