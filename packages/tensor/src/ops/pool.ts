/**
 * Max, average and adaptive pooling over NCHW input. The front end turns every variant into
 * `PoolWindows` (per output row/column: the clipped input range and the divisor), so backends run one
 * kernel per pooling kind.
 */

import { record } from '../autograd/record.js';
import type { PoolWindows } from '../backend.js';
import { DTypeError, fmt, ShapeError } from '../errors.js';
import { tidy } from '../memory.js';
import { pair } from '../shape.js';
import { fromStorage, type Tensor } from '../tensor.js';
import { checkOptionKeys, checkRank, checkTensor } from './operands.js';
import { contiguous } from './views.js';

/** Options of maxPool2d / avgPool2d (ints apply to both dims). */
export interface Pool2dOptions {
  kernelSize: number | [number, number];
  /** default: kernelSize */
  stride?: number | [number, number];
  padding?: number | [number, number];
  /** only 1 is supported */
  dilation?: number | [number, number];
  ceilMode?: boolean;
  /** avgPool2d only: count padded zeros in the divisor (default true, like PyTorch) */
  countIncludePad?: boolean;
}

/**
 * Windows along one axis of a strided pooling with PyTorch's output-size rule:
 * out = floor_or_ceil((size + 2p - k) / s) + 1, and in ceil mode the last window must start inside
 * the input or the left padding ((out - 1) * s < size + p), else it is dropped.
 */
function stridedWindows(
  op: string,
  size: number,
  k: number,
  s: number,
  p: number,
  ceilMode: boolean,
  includePad: boolean,
) {
  const span = size + 2 * p - k;
  if (span < 0) throw new ShapeError(`${op}: kernel ${k} is larger than the padded input ${size + 2 * p}`);
  let out = (ceilMode ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceilMode && (out - 1) * s >= size + p) out--;
  const start = new Int32Array(out);
  const end = new Int32Array(out);
  const count = new Int32Array(out);
  for (let i = 0; i < out; i++) {
    const s0 = i * s - p;
    const e0 = Math.min(s0 + k, size + p);
    start[i] = Math.max(s0, 0);
    end[i] = Math.min(e0, size);
    count[i] = includePad ? e0 - s0 : end[i] - start[i];
  }
  return { out, start, end, count };
}

function validateInput(op: string, x: Tensor): void {
  checkTensor(op, 'input', x);
  checkRank(op, 'input', x, 4, '[N,C,H,W]');
  if (x.dtype === 'int32') throw new DTypeError(`${op}: input must be a float tensor, got int32`);
}

/** Pooling options are required (kernelSize) and must not contain unknown keys. */
function checkPoolOptions(op: string, opts: unknown): void {
  if (opts === undefined) throw new TypeError(`${op}: options { kernelSize } are required`);
  // countIncludePad is accepted by both, so one options object can serve max and avg pooling
  checkOptionKeys(op, opts, ['kernelSize', 'stride', 'padding', 'dilation', 'ceilMode', 'countIncludePad']);
}

function windows(op: string, x: Tensor, o: Pool2dOptions, includePad: boolean): PoolWindows {
  const [N, C, H, W] = x.shape;
  const [kh, kw] = pair(op, 'kernelSize', o.kernelSize, 1);
  const [sh, sw] = pair(op, 'stride', o.stride ?? o.kernelSize, 1);
  const [ph, pw] = pair(op, 'padding', o.padding ?? 0, 0);
  const [dh, dw] = pair(op, 'dilation', o.dilation ?? 1, 1);
  if (dh !== 1 || dw !== 1)
    throw new ShapeError(`${op}: dilation ${JSON.stringify(o.dilation)} is not supported (only 1)`);
  if (ph > kh / 2 || pw > kw / 2) {
    throw new ShapeError(
      `${op}: padding ${JSON.stringify(o.padding)} must be at most half the kernel size ${JSON.stringify(o.kernelSize)}`,
    );
  }
  const hw = stridedWindows(op, H, kh, sh, ph, o.ceilMode ?? false, includePad);
  const ww = stridedWindows(op, W, kw, sw, pw, o.ceilMode ?? false, includePad);
  return {
    N,
    C,
    H,
    W,
    OH: hw.out,
    OW: ww.out,
    hStart: hw.start,
    hEnd: hw.end,
    wStart: ww.start,
    wEnd: ww.end,
    hCount: hw.count,
    wCount: ww.count,
  };
}

function adaptiveAxis(size: number, out: number) {
  const start = new Int32Array(out);
  const end = new Int32Array(out);
  const count = new Int32Array(out);
  for (let i = 0; i < out; i++) {
    start[i] = Math.floor((i * size) / out);
    end[i] = Math.ceil(((i + 1) * size) / out);
    count[i] = end[i] - start[i];
  }
  return { start, end, count };
}

function adaptiveWindows(op: string, x: Tensor, outputSize: number | [number, number]): PoolWindows {
  const [N, C, H, W] = x.shape;
  const [OH, OW] = pair(op, 'outputSize', outputSize, 1);
  if (H === 0 || W === 0)
    throw new ShapeError(`${op}: input spatial size must be positive, got ${fmt(x.shape)}`);
  const h = adaptiveAxis(H, OH);
  const w = adaptiveAxis(W, OW);
  return {
    N,
    C,
    H,
    W,
    OH,
    OW,
    hStart: h.start,
    hEnd: h.end,
    wStart: w.start,
    wEnd: w.end,
    hCount: h.count,
    wCount: w.count,
  };
}

function maxPoolWith(op: string, x: Tensor, p: PoolWindows, attrs: Record<string, unknown>): Tensor {
  return tidy(() => {
    const xc = contiguous(x);
    const b = x.backend;
    const { values, argmax } = b.maxPool2d(xc.storageView, p);
    const shape = [p.N, p.C, p.OH, p.OW];
    const y = fromStorage(b, values, shape, x.dtype);
    const idx = fromStorage(b, argmax, shape, 'int32');
    // ties: the first maximum in window order gets the whole gradient (the kernel's argmax)
    record(
      op,
      y,
      [xc],
      [idx],
      (dy, [am]) => [
        () =>
          fromStorage(
            b,
            b.maxPool2dBackward(contiguous(dy).storageView, am.storageView, p),
            x.shape,
            x.dtype,
          ),
      ],
      attrs,
    );
    return y;
  });
}

function avgPoolWith(op: string, x: Tensor, p: PoolWindows, attrs: Record<string, unknown>): Tensor {
  return tidy(() => {
    const xc = contiguous(x);
    const b = x.backend;
    const y = fromStorage(b, b.avgPool2d(xc.storageView, p), [p.N, p.C, p.OH, p.OW], x.dtype);
    record(
      op,
      y,
      [xc],
      [],
      (dy) => [() => fromStorage(b, b.avgPool2dBackward(contiguous(dy).storageView, p), x.shape, x.dtype)],
      attrs,
    );
    return y;
  });
}

/**
 * Max pooling; NaN propagates; ties send the gradient to the first maximum in the window.
 *
 * @example
 * maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true })
 */
export function maxPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  validateInput('maxPool2d', x);
  checkPoolOptions('maxPool2d', opts);
  return maxPoolWith('maxPool2d', x, windows('maxPool2d', x, opts, false), { ...opts });
}

/**
 * Average pooling; the divisor counts padded positions unless countIncludePad is false (windows that
 * ceil mode extends past the padding never count the overhang, like PyTorch).
 *
 * @example
 * avgPool2d(x, { kernelSize: 2 })
 */
export function avgPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  validateInput('avgPool2d', x);
  checkPoolOptions('avgPool2d', opts);
  return avgPoolWith('avgPool2d', x, windows('avgPool2d', x, opts, opts.countIncludePad ?? true), {
    ...opts,
  });
}

/**
 * Adaptive max pooling to a fixed output size: output i covers [floor(i*H/OH), ceil((i+1)*H/OH)).
 *
 * @example
 * adaptiveMaxPool2d(x, [1, 1])
 */
export function adaptiveMaxPool2d(x: Tensor, outputSize: number | [number, number]): Tensor {
  validateInput('adaptiveMaxPool2d', x);
  return maxPoolWith('adaptiveMaxPool2d', x, adaptiveWindows('adaptiveMaxPool2d', x, outputSize), {
    outputSize,
  });
}

/**
 * Adaptive average pooling (windows as in adaptiveMaxPool2d, divided by the window size).
 *
 * @example
 * adaptiveAvgPool2d(x, 1) // global average pooling
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | [number, number]): Tensor {
  validateInput('adaptiveAvgPool2d', x);
  return avgPoolWith('adaptiveAvgPool2d', x, adaptiveWindows('adaptiveAvgPool2d', x, outputSize), {
    outputSize,
  });
}
