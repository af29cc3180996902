/**
 * Gradient rules of the elementwise primitives, keyed by the ops of the scalar-semantics table
 * (`../elementwise-semantics.ts`). Every op has an entry: a rule set, or `null` for ops that are not
 * differentiable (comparisons, rounding, the gradient primitives themselves), so adding an op to the
 * backend contract fails to type-check until its gradient is decided here, and the gradient-check
 * suite (`elementwise.grad.test.ts`) iterates over this table.
 *
 * Rules receive dL/dout and the saved tensors named in `saves` (for binary and ternary ops, per input:
 * only what the rules of inputs that require grad read is kept alive), and return dL/dinput in the
 * output's (broadcast) shape; the engine reduces broadcast axes to the input shape in one place.
 * Kinks and NaN follow PyTorch: relu'(0) = 0 and relu passes dy at NaN, |x|'(0) = 0, prelu dx at 0 = a
 * (He et al. 2015, Eq. 1-3) and its slope gradient is NaN at a NaN input, max/min split ties equally
 * and give the whole gradient to both inputs when one is NaN, clamp passes the gradient at the bounds.
 */
import type { BinaryOp, TernaryOp, UnaryOp } from '../backend.js';
import type { Tensor } from '../tensor.js';
import * as ew from './elementwise.js';

/** Saved tensors available to an elementwise gradient rule. */
export interface Saved {
  a: Tensor;
  b: Tensor;
  c: Tensor;
  out: Tensor;
}
type Rule = (dy: Tensor, s: Saved, alpha: number) => Tensor;
type Name = keyof Saved;

export interface UnaryGrad {
  readonly saves?: readonly Name[];
  readonly grad: Rule;
}
/** Per input: the saved tensors its gradient rule reads. */
export type SavesFor = {
  readonly a?: readonly Name[];
  readonly b?: readonly Name[];
  readonly c?: readonly Name[];
};
export interface BinaryGrad {
  readonly saves?: SavesFor;
  readonly grad: { readonly a?: Rule; readonly b?: Rule };
}
export interface TernaryGrad {
  readonly saves?: SavesFor;
  readonly grad: { readonly a?: Rule; readonly b?: Rule; readonly c?: Rule };
}

/**
 * dy where the input wins: 0 where it loses (`loses` = 1), dy / 2 on ties, and dy where neither holds,
 * which includes NaN on either side (torch: where(a == b, dy / 2, dy).masked_fill(loses, 0)).
 */
const winnerShare = (dy: Tensor, loses: Tensor, ties: Tensor): Tensor =>
  ew.mul(dy, ew.sub(1, ew.add(loses, ew.mul(ties, 0.5))));

export const UNARY_GRADS: Record<UnaryOp, UnaryGrad | null> = {
  neg: { grad: (dy) => ew.neg(dy) },
  abs: { saves: ['a'], grad: (dy, s) => ew.mul(dy, ew.sign(s.a)) },
  exp: { saves: ['out'], grad: (dy, s) => ew.mul(dy, s.out) },
  log: { saves: ['a'], grad: (dy, s) => ew.div(dy, s.a) },
  sqrt: { saves: ['out'], grad: (dy, s) => ew.div(dy, ew.mul(s.out, 2)) },
  sign: null,
  reciprocal: { saves: ['out'], grad: (dy, s) => ew.neg(ew.mul(dy, ew.square(s.out))) },
  floor: null,
  ceil: null,
  round: null,
  trunc: null,
  tanh: { saves: ['out'], grad: (dy, s) => ew.mul(dy, ew.sub(1, ew.square(s.out))) },
  sigmoid: { saves: ['out'], grad: (dy, s) => ew.mul(dy, ew.mul(s.out, ew.sub(1, s.out))) },
  relu: { saves: ['a'], grad: (dy, s) => ew.binaryOp('reluGrad', s.a, dy) },
  square: { saves: ['a'], grad: (dy, s) => ew.mul(dy, ew.mul(s.a, 2)) },
  isnan: null,
  logicalNot: null,
};

export const BINARY_GRADS: Record<BinaryOp, BinaryGrad | null> = {
  add: { grad: { a: (dy) => dy, b: (dy) => dy } },
  sub: { grad: { a: (dy) => dy, b: (dy) => ew.neg(dy) } },
  mul: {
    saves: { a: ['b'], b: ['a'] },
    grad: { a: (dy, s) => ew.mul(dy, s.b), b: (dy, s) => ew.mul(dy, s.a) },
  },
  div: {
    saves: { a: ['b'], b: ['b', 'out'] },
    grad: { a: (dy, s) => ew.div(dy, s.b), b: (dy, s) => ew.neg(ew.div(ew.mul(dy, s.out), s.b)) },
  },
  floorDivide: null,
  pow: {
    saves: { a: ['a', 'b'], b: ['a', 'out'] },
    grad: {
      // b * a^(b-1); 0 where b == 0 (PyTorch's convention: d/da a^0 = 0 also at a = 0, not 0 * inf)
      a: (dy, s) => ew.where(ew.eq(s.b, 0), 0, ew.mul(dy, ew.mul(s.b, ew.pow(s.a, ew.sub(s.b, 1))))),
      // d/db a^b = a^b ln a; 0 where a == 0 (PyTorch's convention, avoids 0 * -inf)
      b: (dy, s) => ew.where(ew.eq(s.a, 0), 0, ew.mul(dy, ew.mul(s.out, ew.log(s.a)))),
    },
  },
  maximum: {
    saves: { a: ['a', 'b'], b: ['a', 'b'] },
    grad: {
      a: (dy, s) => winnerShare(dy, ew.lt(s.a, s.b), ew.eq(s.a, s.b)),
      b: (dy, s) => winnerShare(dy, ew.gt(s.a, s.b), ew.eq(s.a, s.b)),
    },
  },
  minimum: {
    saves: { a: ['a', 'b'], b: ['a', 'b'] },
    grad: {
      a: (dy, s) => winnerShare(dy, ew.gt(s.a, s.b), ew.eq(s.a, s.b)),
      b: (dy, s) => winnerShare(dy, ew.lt(s.a, s.b), ew.eq(s.a, s.b)),
    },
  },
  eq: null,
  ne: null,
  lt: null,
  le: null,
  gt: null,
  ge: null,
  prelu: {
    saves: { a: ['a', 'b'], b: ['a'] },
    grad: {
      // Eq. 2 input term: dy for y > 0, a*dy for y <= 0 (at 0 the gradient is a)
      a: (dy, s) => ew.ternaryOp('preluInputGrad', s.a, dy, s.b),
      // Eq. 2-3: dy*y for y <= 0 (0 at y = 0); the engine sums it over the broadcast positions
      b: (dy, s) => ew.binaryOp('preluSlopeGrad', s.a, dy),
    },
  },
  preluSlopeGrad: null,
  reluGrad: null,
};

export const TERNARY_GRADS: Record<TernaryOp, TernaryGrad | null> = {
  where: {
    saves: { b: ['a'], c: ['a'] },
    grad: { b: (dy, s) => ew.where(s.a, dy, 0), c: (dy, s) => ew.where(s.a, 0, dy) },
  },
  preluInputGrad: null,
  clamp: {
    saves: { a: ['a', 'b', 'c'] },
    // the gradient passes where lo <= x <= hi (inclusive, like PyTorch)
    grad: { a: (dy, s) => ew.mul(dy, ew.mul(ew.ge(s.a, s.b), ew.le(s.a, s.c))) },
  },
};
