// Classifies the operands of an elementwise call into the layouts the accelerated loops handle (the
// WASM kernel here, the native one in @rectifier/tensor-native, which also takes per-row operands): each view
// (all share the output's shape; broadcasting is expressed by 0 strides) must be full (contiguous
// row-major), per-channel (non-zero stride 1 on a single axis, e.g. a [1,C,1,1] bias or PReLU slope
// broadcast over NCHW), per-row (contiguous over leading axes and broadcast over the trailing ones,
// e.g. the gradient of a mean over [2, 3], [N,C,1,1] broadcast over NCHW) or scalar. Anything else
// (transposes, slices with gaps, other broadcasts) returns null and the call runs the CPU backend's
// JavaScript.

import type { View } from '../../backend.js';

/** 0 full, 1 per-channel, 2 scalar, 3 per-row: the operand modes of the WASM kernel and of tensor-native's loops.cc. */
export const FULL = 0;
export const CHANNEL = 1;
export const SCALAR = 2;
export const ROW = 3;

/**
 * The split t when the view is contiguous over the non-1 axes before t and broadcast (stride 0) over
 * all axes from t on, with at least one broadcast axis of size > 1; else -1.
 */
function rowSplit(shape: readonly number[], strides: readonly number[]): number {
  let t = shape.length;
  while (t > 0 && (shape[t - 1] === 1 || strides[t - 1] === 0)) t--;
  let broadcast = false;
  for (let i = t; i < shape.length; i++) if (shape[i] !== 1) broadcast = true;
  if (!broadcast) return -1;
  let n = 1;
  for (let i = t - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (strides[i] !== n) return -1;
    n *= shape[i];
  }
  return t;
}

export interface EwLayout {
  readonly outer: number;
  readonly C: number;
  readonly inner: number;
  readonly modes: readonly number[];
}

/**
 * The (outer, C, inner) rows and each operand's mode, or null when some operand does not fit.
 * `perRow`: also accept per-row operands (a kernel that has the ROW mode).
 */
export function elementwiseLayout(views: readonly View[], opts: { perRow?: boolean } = {}): EwLayout | null {
  const shape = views[0].shape;
  const nd = shape.length;
  const contiguous = new Array<number>(nd);
  let n = 1;
  for (let i = nd - 1; i >= 0; i--) {
    contiguous[i] = n;
    n *= shape[i];
  }
  let axis = -1;
  let split = -1;
  const modes: number[] = [];
  for (const v of views) {
    let full = true;
    let zero = true;
    let channelAxis = -1;
    let channels = 0;
    for (let i = 0; i < nd; i++) {
      if (shape[i] === 1) continue;
      const s = v.strides[i];
      if (s !== contiguous[i]) full = false;
      if (s !== 0) {
        zero = false;
        channels++;
        channelAxis = s === 1 ? i : -2;
      }
    }
    if (full) modes.push(FULL);
    else if (zero) modes.push(SCALAR);
    else if (channels === 1 && channelAxis >= 0 && (axis === -1 || axis === channelAxis)) {
      axis = channelAxis;
      modes.push(CHANNEL);
    } else {
      if (!opts.perRow) return null;
      const t = rowSplit(shape, v.strides);
      if (t < 0 || (split !== -1 && split !== t)) return null;
      split = t;
      modes.push(ROW);
    }
  }
  if (split >= 0) {
    // rows = the leading block [0, split); a channel operand must then be the block's last axis
    let rows = 1;
    for (let i = 0; i < split; i++) rows *= shape[i];
    if (axis >= 0) {
      let t = split;
      while (t > 0 && shape[t - 1] === 1) t--;
      if (axis !== t - 1) return null;
    }
    const C = axis >= 0 ? shape[axis] : 1;
    return { outer: rows / C, C, inner: n / rows, modes };
  }
  if (axis < 0) return { outer: 1, C: 1, inner: n, modes };
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  return { outer, C: shape[axis], inner: n / (outer * shape[axis]), modes };
}
