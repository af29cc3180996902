/** 2-D convolution (cross-correlation, like PyTorch) on NCHW input and OIHW weight. */

import { record } from '../autograd/record.js';
import type { Conv2dGeometry } from '../backend.js';
import { DTypeError, fmt, ShapeError } from '../errors.js';
import { tidy } from '../memory.js';
import { pair } from '../shape.js';
import { fromStorage, type Tensor } from '../tensor.js';
import { add } from './elementwise.js';
import { checkOptionKeys, checkRank, checkTensor, sameBackend } from './operands.js';
import { sum } from './reduce.js';
import { contiguous, reshape } from './views.js';

/** Options of `conv2d`; ints apply to both spatial dims. */
export interface Conv2dOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  dilation?: number | [number, number];
  groups?: number;
}

/** Validates arguments and computes the geometry (exported for backends' tests). @internal */
export function conv2dGeometry(
  x: { shape: readonly number[] },
  w: { shape: readonly number[] },
  opts: Conv2dOptions = {},
): Conv2dGeometry {
  const [N, C, H, W] = x.shape;
  const [O, Cg, KH, KW] = w.shape;
  const [strideH, strideW] = pair('conv2d', 'stride', opts.stride ?? 1, 1);
  const [padH, padW] = pair('conv2d', 'padding', opts.padding ?? 0, 0);
  const [dilationH, dilationW] = pair('conv2d', 'dilation', opts.dilation ?? 1, 1);
  const groups = opts.groups ?? 1;
  const shapes = `(input ${fmt(x.shape)}, weight ${fmt(w.shape)})`;
  if (!Number.isInteger(groups) || groups < 1)
    throw new ShapeError(`conv2d: groups must be a positive integer, got ${groups}`);
  if (C !== Cg * groups) {
    throw new ShapeError(
      groups === 1
        ? `conv2d: input has ${C} channels but weight expects ${Cg} ${shapes}`
        : `conv2d: input has ${C} channels but weight expects ${Cg} x ${groups} groups = ${Cg * groups} ${shapes}`,
    );
  }
  if (O % groups !== 0)
    throw new ShapeError(`conv2d: ${O} output channels are not divisible by groups ${groups} ${shapes}`);
  const OH = Math.floor((H + 2 * padH - dilationH * (KH - 1) - 1) / strideH) + 1;
  const OW = Math.floor((W + 2 * padW - dilationW * (KW - 1) - 1) / strideW) + 1;
  if (OH < 1 || OW < 1) {
    throw new ShapeError(
      `conv2d: the dilated kernel is larger than the padded input, output would be ${OH}x${OW} ${shapes}`,
    );
  }
  return { N, C, H, W, O, KH, KW, OH, OW, strideH, strideW, padH, padW, dilationH, dilationW, groups };
}

/**
 * 2-D convolution: y[n,o] = bias[o] + sum over the group's channels c and kernel (i, j) of
 * w[o,c,i,j] * x[n,c, oh*stride - pad + i*dilation, ow*stride - pad + j*dilation].
 * Input [N,C,H,W], weight [O, C/groups, KH, KW], bias [O]; output [N,O,OH,OW].
 *
 * @example
 * conv2d(x, w, b, { stride: 2, padding: 1 })
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  checkTensor('conv2d', 'input', x);
  checkTensor('conv2d', 'weight', weight);
  checkOptionKeys('conv2d', opts, ['stride', 'padding', 'dilation', 'groups']);
  checkRank('conv2d', 'input', x, 4, '[N,C,H,W]');
  checkRank('conv2d', 'weight', weight, 4, '[O,C/groups,KH,KW]');
  sameBackend('conv2d', bias ? [x, weight, bias] : [x, weight]);
  if (x.dtype === 'int32' || x.dtype !== weight.dtype) {
    throw new DTypeError(
      `conv2d: input and weight must share a float dtype, got ${x.dtype} and ${weight.dtype}`,
    );
  }
  const g = conv2dGeometry(x, weight, opts);
  if (bias) {
    checkTensor('conv2d', 'bias', bias);
    if (bias.ndim !== 1 || bias.shape[0] !== g.O)
      throw new ShapeError(`conv2d: bias must have shape [${g.O}], got ${fmt(bias.shape)}`);
    // like PyTorch: no silent promotion of the output through the bias
    if (bias.dtype !== x.dtype)
      throw new DTypeError(`conv2d: bias has dtype ${bias.dtype} but input and weight have ${x.dtype}`);
  }
  return tidy(() => {
    const xc = contiguous(x);
    const wc = contiguous(weight);
    const b = x.backend;
    // a backend with a fused bias epilogue adds the bias inside the convolution kernel
    const fused = bias && b.conv2dBias ? bias : null;
    const out =
      fused && b.conv2dBias
        ? b.conv2dBias(xc.storageView, wc.storageView, fused.storageView, g)
        : b.conv2d(xc.storageView, wc.storageView, g);
    const y = fromStorage(b, out, [g.N, g.O, g.OH, g.OW], x.dtype);
    const attrs = {
      stride: [g.strideH, g.strideW],
      padding: [g.padH, g.padW],
      dilation: [g.dilationH, g.dilationW],
      groups: g.groups,
    };
    const inputGrads = (dy: Tensor, xs: Tensor, ws: Tensor) => [
      () =>
        fromStorage(
          b,
          b.conv2dBackwardInput(contiguous(dy).storageView, ws.storageView, g),
          xs.shape,
          xs.dtype,
        ),
      () =>
        fromStorage(
          b,
          b.conv2dBackwardWeight(xs.storageView, contiguous(dy).storageView, g),
          ws.shape,
          ws.dtype,
        ),
    ];
    if (fused) {
      record(
        'conv2d',
        y,
        [xc, wc, fused],
        [xc, wc],
        (dy, [xs, ws]) => [...inputGrads(dy, xs as Tensor, ws as Tensor), () => sum(dy, [0, 2, 3])],
        { ...attrs, bias: true },
      );
      return y;
    }
    record(
      'conv2d',
      y,
      [xc, wc],
      [xc, wc],
      (dy, [xs, ws]) => inputGrads(dy, xs as Tensor, ws as Tensor),
      attrs,
    );
    return bias ? add(y, reshape(bias, [1, g.O, 1, 1])) : y;
  });
}
