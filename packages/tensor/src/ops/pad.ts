/**
 * torch.nn.functional.pad: constant, reflect and replicate padding of the trailing dimensions.
 *
 * Built on existing backend primitives, so every backend runs it without a dedicated kernel:
 * constant padding is one fill plus one strided `assign` of the input into the interior (its gradient
 * is a strided slice of dy); reflect and replicate concatenate views of the input (the edge column
 * expanded, or the mirrored columns), so the gradient sums every copy back onto its source.
 */

import { record } from '../autograd/record.js';
import { DTypeError, fmt, ShapeError } from '../errors.js';
import { tidy } from '../memory.js';
import { contiguousStrides, sizeOf } from '../shape.js';
import { fromStorage, type Tensor } from '../tensor.js';
import { concat } from './join.js';
import { checkTensor } from './operands.js';
import { contiguous, expand, slice } from './views.js';

/** Padding modes of {@link pad} (PyTorch's names). */
export type PadMode = 'constant' | 'reflect' | 'replicate';

const MODES: readonly PadMode[] = ['constant', 'reflect', 'replicate'];

/** Per padded dimension: [dim, before, after]. */
type DimPad = [number, number, number];

function checkPadArgs(x: Tensor, padding: readonly number[], mode: string): DimPad[] {
  if (!Array.isArray(padding) || padding.length === 0 || padding.length % 2 !== 0) {
    throw new ShapeError(
      `pad: padding must be an array of even length (left, right, top, bottom, ...), got ${JSON.stringify(padding)}`,
    );
  }
  if (padding.some((p) => !Number.isInteger(p)))
    throw new ShapeError(`pad: padding must hold integers, got ${JSON.stringify(padding)}`);
  const n = padding.length / 2;
  if (n > x.ndim) {
    throw new ShapeError(
      `pad: padding ${JSON.stringify(padding)} pads ${n} dims but the input ${fmt(x.shape)} has ${x.ndim}`,
    );
  }
  if (!MODES.includes(mode as PadMode))
    throw new TypeError(`pad: mode must be one of ${MODES.join(', ')}, got ${JSON.stringify(mode)}`);
  const dims: DimPad[] = [];
  for (let i = 0; i < n; i++) {
    // pairs run from the last dimension backwards, as in torch.nn.functional.pad
    const d = x.ndim - 1 - i;
    const [before, after] = [padding[2 * i], padding[2 * i + 1]];
    const size = x.shape[d];
    if (mode !== 'constant' && (before < 0 || after < 0)) {
      throw new ShapeError(`pad: ${mode} padding must be non-negative, got ${JSON.stringify(padding)}`);
    }
    if (mode === 'reflect' && (before >= size || after >= size)) {
      throw new ShapeError(
        `pad: reflect padding (${before}, ${after}) of dim ${d} must be smaller than its size ${size} (input ${fmt(x.shape)})`,
      );
    }
    if (mode === 'replicate' && size === 0 && (before > 0 || after > 0)) {
      throw new ShapeError(`pad: cannot replicate-pad dim ${d} of size 0 (input ${fmt(x.shape)})`);
    }
    if (size + before + after < 0 || (mode === 'constant' && (before < -size || after < -size))) {
      throw new ShapeError(
        `pad: padding (${before}, ${after}) crops more than the size ${size} of dim ${d} (input ${fmt(x.shape)})`,
      );
    }
    if (before !== 0 || after !== 0) dims.push([d, before, after]);
  }
  return dims;
}

/** Source index of output position `i` along a dimension of `size` padded by `before`. */
function sourceIndex(mode: 'reflect' | 'replicate', i: number, before: number, size: number): number {
  const j = i - before;
  if (mode === 'replicate') return Math.min(Math.max(j, 0), size - 1);
  // reflect without repeating the edge: -1 -> 1, size -> size - 2 (padding < size, so one bounce)
  if (j < 0) return -j;
  if (j >= size) return 2 * (size - 1) - j;
  return j;
}

/**
 * Reflect or replicate padding of one dim as a concat of views of x: the edge column expanded
 * (replicate), or the mirrored columns one by one (reflect; amounts are small next to the dim in
 * practice). Concat and its gradient (slices of dy summed onto their sources) are plain strided copies
 * on every backend, far cheaper than a gather with an index tensor the size of the output.
 */
function edgePad(x: Tensor, d: number, before: number, after: number, mode: 'reflect' | 'replicate'): Tensor {
  const size = x.shape[d];
  const pieces: Tensor[] = [];
  const column = (i: number) => slice(x, d, i, i + 1);
  const widen = (t: Tensor, n: number) =>
    expand(
      t,
      t.shape.map((s, i) => (i === d ? n : s)),
    );
  if (mode === 'replicate') {
    if (before > 0) pieces.push(widen(column(0), before));
    pieces.push(x);
    if (after > 0) pieces.push(widen(column(size - 1), after));
  } else {
    // output position j (of before + size + after) reads source sourceIndex(j)
    for (let j = 0; j < before; j++) pieces.push(column(sourceIndex('reflect', j, before, size)));
    pieces.push(x);
    for (let j = before + size; j < before + size + after; j++)
      pieces.push(column(sourceIndex('reflect', j, before, size)));
  }
  return concat(pieces, d);
}

/** Constant padding of non-negative amounts: fill, then write x into the interior. */
function constantPad(x: Tensor, dims: DimPad[], value: number): Tensor {
  const shape = x.shape.slice();
  const offsets = new Array<number>(x.ndim).fill(0);
  for (const [d, before, after] of dims) {
    shape[d] += before + after;
    offsets[d] = before;
  }
  const strides = contiguousStrides(shape);
  const offset = offsets.reduce((s, o, i) => s + o * strides[i], 0);
  const b = x.backend;
  const out = fromStorage(b, b.fill(sizeOf(shape), x.dtype, value), shape, x.dtype);
  b.assign({ storage: out.storage, dtype: x.dtype, shape: x.shape, strides, offset }, x.storageView);
  const inShape = x.shape;
  return record(
    'pad',
    out,
    [x],
    [],
    (dy) => [
      () => {
        // the interior of dy, as a strided view, copied to x's shape
        let g = dy;
        for (const [d, before] of dims) g = slice(g, d, before, before + inShape[d]);
        return contiguous(g);
      },
    ],
    { mode: 'constant', value },
  );
}

/**
 * Pads the trailing dimensions of `x` (torch.nn.functional.pad). `padding` lists (before, after)
 * pairs starting from the LAST dimension: `[left, right]` pads W, `[left, right, top, bottom]` pads W
 * and H of an NCHW tensor. Modes:
 * - `'constant'` (default): `value` (default 0) outside; negative amounts crop.
 * - `'reflect'`: mirrors without repeating the edge (`[1,2,3]` padded by 2 on the left: `[3,2,1,2,3]`);
 *   each amount must be smaller than its dimension.
 * - `'replicate'`: repeats the edge value.
 * Differentiable in x (reflect and replicate sum the gradient of every copy onto its source).
 *
 * @example
 * pad(x, [1, 1, 2, 2]);                    // W +1 on both sides, H +2 on both sides, zeros
 * pad(x, [3, 3, 3, 3], 'reflect');         // ResNet-style reflection border
 */
export function pad(x: Tensor, padding: readonly number[], mode: PadMode = 'constant', value = 0): Tensor {
  checkTensor('pad', 'x', x);
  const dims = checkPadArgs(x, padding, mode);
  if (typeof value !== 'number') throw new TypeError(`pad: value must be a number, got ${typeof value}`);
  if (mode !== 'constant' && value !== 0)
    throw new TypeError(`pad: value applies to constant padding only (mode ${mode})`);
  if (x.dtype === 'int32' && !Number.isInteger(value))
    throw new DTypeError(`pad: value ${value} is not an integer but the input is int32`);
  // a new tensor even when nothing is padded, as in PyTorch (the caller may dispose it)
  if (dims.length === 0) return x.mul(1);
  return tidy(() => {
    if (mode === 'constant') {
      // crop first (negative amounts), then pad what remains to pad
      let y = x;
      for (const [d, before, after] of dims) {
        if (before < 0 || after < 0) y = slice(y, d, Math.max(-before, 0), y.shape[d] - Math.max(-after, 0));
      }
      const grow = dims
        .map(([d, before, after]): DimPad => [d, Math.max(before, 0), Math.max(after, 0)])
        .filter(([, before, after]) => before > 0 || after > 0);
      return grow.length === 0 ? contiguous(y) : constantPad(contiguous(y), grow, value);
    }
    let y = x;
    for (const [d, before, after] of dims) y = edgePad(y, d, before, after, mode);
    return y;
  });
}
