// Classifies the operands of an elementwise call into the layouts the native loop handles: each view
// (all share the output's shape; broadcasting is expressed by 0 strides) must be full (contiguous
// row-major), per-channel (non-zero stride 1 on a single axis, e.g. a [1,C,1,1] bias or PReLU slope
// broadcast over NCHW) or scalar. Anything else (transposes, slices with gaps, two broadcast axes)
// returns null and the call runs the CPU backend's JavaScript.

import type { View } from '@rectifier/tensor';

/** 0 full, 1 per-channel, 2 scalar: the operand modes of native/loops.cc. */
export const FULL = 0;
export const CHANNEL = 1;
export const SCALAR = 2;

export interface EwLayout {
  readonly outer: number;
  readonly C: number;
  readonly inner: number;
  readonly modes: readonly number[];
}

/** The (outer, C, inner) rows and each operand's mode, or null when some operand does not fit. */
export function elementwiseLayout(views: readonly View[]): EwLayout | null {
  const shape = views[0].shape;
  const nd = shape.length;
  const contiguous = new Array<number>(nd);
  let n = 1;
  for (let i = nd - 1; i >= 0; i--) {
    contiguous[i] = n;
    n *= shape[i];
  }
  let axis = -1;
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
    } else return null;
  }
  if (axis < 0) return { outer: 1, C: 1, inner: n, modes };
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  return { outer, C: shape[axis], inner: n / (outer * shape[axis]), modes };
}
