/**
 * Loss functions with PyTorch's semantics (torch.nn.functional): crossEntropy (class indices with
 * ignoreIndex, class weights, label smoothing, [N, C, d1, ...] inputs, or class probabilities),
 * nllLoss, mseLoss, l1Loss and binaryCrossEntropyWithLogits. Every loss takes `reduction`
 * ('mean' default, 'sum' or 'none').
 */
import { record } from '../autograd/record.js';
import { DTypeError, fmt, ShapeError } from '../errors.js';
import { tidy } from '../memory.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { logSoftmax } from './activation.js';
import { abs, add, div, exp, log, mul, ne, neg, relu, sigmoid, square, sub, where } from './elementwise.js';
import { gatherUnchecked, indexSelect } from './indexing.js';
import { checkOptionKeys, checkTensor, sameBackend } from './operands.js';
import { checkIndices } from './range-check.js';
import { sum } from './reduce.js';
import { permute, reshape } from './views.js';

export type Reduction = 'mean' | 'sum' | 'none';

/** Options of `crossEntropy` (torch.nn.functional.cross_entropy). */
export interface CrossEntropyOptions {
  /** 'mean' (default; weighted mean over the non-ignored targets), 'sum', or 'none' (per-sample losses) */
  reduction?: Reduction;
  /** eps in [0, 1): the target distribution is (1 - eps) one-hot + eps / C uniform (default 0) */
  labelSmoothing?: number;
  /** a class-index target with this value contributes nothing (default -100, like torch) */
  ignoreIndex?: number;
  /** per-class weights [C] in the logits' dtype (default: all 1) */
  weight?: Tensor | null;
}

/** Options of `nllLoss` (torch.nn.functional.nll_loss). */
export interface NllLossOptions {
  reduction?: Reduction;
  /** a target with this value contributes nothing (default -100) */
  ignoreIndex?: number;
  /** per-class weights [C] */
  weight?: Tensor | null;
}

/** Options of `mseLoss` and `l1Loss`. */
export interface RegressionLossOptions {
  reduction?: Reduction;
}

/** Options of `binaryCrossEntropyWithLogits`. */
export interface BinaryCrossEntropyWithLogitsOptions {
  reduction?: Reduction;
  /** a rescaling weight broadcast against the loss (e.g. per sample [N, 1]) */
  weight?: Tensor | null;
  /** the weight of positive examples, broadcast against the classes (e.g. [C]) */
  posWeight?: Tensor | null;
}

function checkReduction(op: string, r: unknown): Reduction {
  const reduction = r ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none')
    throw new RangeError(`${op}: reduction must be 'mean', 'sum' or 'none', got ${String(reduction)}`);
  return reduction;
}

function reduce(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return loss;
  const s = sum(loss);
  return reduction === 'sum' ? s : div(s, Math.max(loss.size, 0));
}

/** [N, C, d1, ...] -> [N * d1 * ..., C] (class dim last); [N, C] unchanged; [C] -> [1, C]. */
function classRows(x: Tensor): Tensor {
  if (x.ndim === 1) return reshape(x, [1, x.shape[0]]);
  if (x.ndim === 2) return x;
  const dims = [0, ...Array.from({ length: x.ndim - 2 }, (_, i) => i + 2), 1];
  return reshape(permute(x, dims), [-1, x.shape[1]]);
}

/** The class-index target shape that goes with input [N, C, d1, ...]: [N, d1, ...] ([] for [C]). */
function indexShape(input: Tensor): number[] {
  return input.ndim === 1 ? [] : [input.shape[0], ...input.shape.slice(2)];
}

function checkWeight(op: string, weight: Tensor | null | undefined, input: Tensor, C: number): void {
  if (weight === undefined || weight === null) return;
  checkTensor(op, 'weight', weight);
  sameBackend(op, [input, weight]);
  if (weight.ndim !== 1 || weight.shape[0] !== C)
    throw new ShapeError(`${op}: weight must have shape [${C}] (one per class), got ${fmt(weight.shape)}`);
  if (weight.dtype !== input.dtype)
    throw new DTypeError(`${op}: weight has dtype ${weight.dtype} but the input has ${input.dtype}`);
}

/** Class targets must be in [0, C) or equal ignoreIndex; the same RangeError on every backend. */
function checkTargets(op: string, target: Tensor, C: number, ignoreIndex: number, context: string): void {
  checkIndices(
    target,
    C,
    `${op}|${C}|${ignoreIndex}|${context}`,
    (n, v) => `${op}: target[${n}] = ${v} is out of range for ${C} classes (${context})`,
    ignoreIndex,
  );
}

/**
 * The class-index negative log-likelihood of log-probability rows [M, C] against int32 targets [M]:
 * per-row losses (0 where ignored) and the per-row effective weights (0 where ignored).
 */
function nllRows(
  logp: Tensor,
  t: Tensor,
  ignoreIndex: number,
  weight: Tensor | null | undefined,
): { loss: Tensor; w: Tensor; valid: Tensor; safe: Tensor } {
  const M = t.shape[0];
  const valid = ne(t, ignoreIndex);
  const safe = where(valid, t, 0); // ignored rows read class 0 and are masked out below
  const picked = reshape(gatherUnchecked(logp, 1, reshape(safe, [M, 1])), [M]);
  const wRow = weight ? indexSelect(weight, 0, safe) : null;
  const loss = where(valid, neg(wRow ? mul(picked, wRow) : picked), 0);
  const w = where(valid, wRow ?? 1, 0);
  return { loss, w: w.dtype === logp.dtype ? w : w.cast(logp.dtype), valid, safe };
}

function classIndexLoss(
  logp: Tensor,
  target: Tensor,
  opts: { reduction: Reduction; ignoreIndex: number; weight?: Tensor | null; labelSmoothing: number },
  outShape: readonly number[],
): Tensor {
  const C = logp.shape[1];
  const t = reshape(target, [-1]);
  const { loss: nll, w, valid } = nllRows(logp, t, opts.ignoreIndex, opts.weight);
  const eps = opts.labelSmoothing;
  let loss = nll;
  let smooth: Tensor | null = null;
  if (eps > 0) {
    const weighted = opts.weight ? mul(logp, reshape(opts.weight, [1, C])) : logp;
    smooth = where(valid, neg(sum(weighted, 1)), 0);
  }
  if (opts.reduction === 'none') {
    if (smooth) loss = add(mul(nll, 1 - eps), mul(smooth, eps / C));
    return reshape(loss, outShape);
  }
  // torch: the weighted mean divides by the sum of the weights of the non-ignored targets
  const norm = opts.reduction === 'mean' ? sum(w) : null;
  const red = (x: Tensor) => (norm ? div(sum(x), norm) : sum(x));
  return smooth ? add(mul(red(nll), 1 - eps), mul(red(smooth), eps / C)) : red(loss);
}

/**
 * Cross-entropy of logits against class indices or class probabilities, like
 * torch.nn.functional.cross_entropy. Logits are [N, C], [N, C, d1, ...] (e.g. per-pixel [N, C, H, W])
 * or [C]; targets are int32 class indices of shape [N, d1, ...] (values in [0, C) or `ignoreIndex`),
 * or float probabilities with the logits' shape.
 * loss_n = -w[t_n] * ((1 - eps) * logSoftmax(x)[n, t_n] + eps / C * sum_c logSoftmax(x)[n, c] w_c / w[t_n]),
 * averaged over the non-ignored targets weighted by w (torch's 'mean'). Computed from a stable
 * log-softmax, so large logits do not overflow. Out-of-range targets throw a RangeError (on WebGPU at
 * the next read of any tensor: the check runs on the device).
 *
 * @example
 * crossEntropy(logits, tensor([2, 0, 1], { dtype: 'int32' }))
 * crossEntropy(segLogits, masks, { ignoreIndex: 255, weight: classWeights }) // [N, C, H, W] vs [N, H, W]
 */
export function crossEntropy(logits: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  checkTensor(op, 'logits', logits);
  checkTensor(op, 'target', target);
  checkOptionKeys(op, opts, ['reduction', 'labelSmoothing', 'ignoreIndex', 'weight']);
  sameBackend(op, [logits, target]);
  if (logits.dtype === 'int32') throw new DTypeError(`${op}: logits must be a float tensor, got int32`);
  if (logits.ndim < 1)
    throw new ShapeError(`${op}: logits must be [N, C], [N, C, d1, ...] or [C], got ${fmt(logits.shape)}`);
  const C = logits.shape[logits.ndim === 1 ? 0 : 1];
  if (C === 0) throw new ShapeError(`${op}: logits have 0 classes (shape ${fmt(logits.shape)})`);
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps < 1)) throw new RangeError(`${op}: labelSmoothing must be in [0, 1), got ${eps}`);
  const ignoreIndex = opts.ignoreIndex ?? -100;
  if (!Number.isInteger(ignoreIndex))
    throw new RangeError(`${op}: ignoreIndex must be an integer, got ${ignoreIndex}`);
  const reduction = checkReduction(op, opts.reduction);
  checkWeight(op, opts.weight, logits, C);
  const probabilities = target.dtype !== 'int32';
  if (
    probabilities &&
    shapesEqual(target.shape, indexShape(logits)) &&
    !shapesEqual(target.shape, logits.shape)
  )
    throw new DTypeError(
      `${op}: target must be int32 class indices (or float class probabilities with the logits' shape ${fmt(logits.shape)}), got ${target.dtype} ${fmt(target.shape)}`,
    );
  const want = probabilities ? logits.shape : indexShape(logits);
  if (!shapesEqual(target.shape, want)) {
    throw new ShapeError(
      probabilities
        ? `${op}: float target must be class probabilities with the logits' shape ${fmt(logits.shape)}, got ${fmt(target.shape)} (class indices are int32 ${fmt(indexShape(logits))})`
        : `${op}: target must have shape ${fmt(want)}, got ${fmt(target.shape)} (logits ${fmt(logits.shape)})`,
    );
  }
  if (probabilities && target.dtype !== logits.dtype)
    throw new DTypeError(
      `${op}: probability target has dtype ${target.dtype} but logits have ${logits.dtype}`,
    );
  if (!probabilities) checkTargets(op, target, C, ignoreIndex, `logits ${fmt(logits.shape)}`);
  return tidy(() => {
    const logp = logSoftmax(classRows(logits), 1);
    if (!probabilities)
      return classIndexLoss(
        logp,
        target,
        { reduction, ignoreIndex, weight: opts.weight, labelSmoothing: eps },
        want,
      );
    let p = classRows(target);
    if (eps > 0) p = add(mul(p, 1 - eps), eps / C);
    const weighted = opts.weight ? mul(p, reshape(opts.weight, [1, C])) : p;
    const rows = neg(sum(mul(logp, weighted), 1));
    return reduction === 'none' ? reshape(rows, indexShape(logits)) : reduce(rows, reduction);
  });
}

/**
 * Negative log-likelihood of log-probabilities [N, C] (or [N, C, d1, ...], or [C]) against int32 class
 * indices, like torch.nn.functional.nll_loss: loss_n = -w[t_n] * input[n, t_n]; 'mean' divides by the
 * sum of the weights of the non-ignored targets.
 *
 * @example
 * nllLoss(logSoftmax(logits, 1), labels)
 */
export function nllLoss(input: Tensor, target: Tensor, opts: NllLossOptions = {}): Tensor {
  const op = 'nllLoss';
  checkTensor(op, 'input', input);
  checkTensor(op, 'target', target);
  checkOptionKeys(op, opts, ['reduction', 'ignoreIndex', 'weight']);
  sameBackend(op, [input, target]);
  if (input.dtype === 'int32') throw new DTypeError(`${op}: input must be a float tensor, got int32`);
  if (target.dtype !== 'int32')
    throw new DTypeError(`${op}: target must be int32 class indices, got ${target.dtype}`);
  if (input.ndim < 1)
    throw new ShapeError(`${op}: input must be [N, C], [N, C, d1, ...] or [C], got ${fmt(input.shape)}`);
  const C = input.shape[input.ndim === 1 ? 0 : 1];
  const want = indexShape(input);
  if (!shapesEqual(target.shape, want))
    throw new ShapeError(
      `${op}: target must have shape ${fmt(want)}, got ${fmt(target.shape)} (input ${fmt(input.shape)})`,
    );
  const ignoreIndex = opts.ignoreIndex ?? -100;
  if (!Number.isInteger(ignoreIndex))
    throw new RangeError(`${op}: ignoreIndex must be an integer, got ${ignoreIndex}`);
  const reduction = checkReduction(op, opts.reduction);
  checkWeight(op, opts.weight, input, C);
  checkTargets(op, target, C, ignoreIndex, `input ${fmt(input.shape)}`);
  return tidy(() =>
    classIndexLoss(
      classRows(input),
      target,
      { reduction, ignoreIndex, weight: opts.weight, labelSmoothing: 0 },
      want,
    ),
  );
}

/** Shared checks of the elementwise losses: same backend, float dtypes, identical shapes. */
function checkPair(op: string, input: Tensor, target: Tensor): void {
  checkTensor(op, 'input', input);
  checkTensor(op, 'target', target);
  sameBackend(op, [input, target]);
  if (input.dtype === 'int32' || target.dtype === 'int32')
    throw new DTypeError(
      `${op}: input and target must be float tensors, got ${input.dtype} and ${target.dtype}`,
    );
  // torch broadcasts here with a warning (usually a bug such as [N] vs [N, 1]); this is an error
  if (!shapesEqual(input.shape, target.shape))
    throw new ShapeError(
      `${op}: input ${fmt(input.shape)} and target ${fmt(target.shape)} must have the same shape`,
    );
}

/** Mean squared error (x - y)^2, like torch.nn.functional.mse_loss. @example mseLoss(pred, y) */
export function mseLoss(input: Tensor, target: Tensor, opts: RegressionLossOptions = {}): Tensor {
  checkPair('mseLoss', input, target);
  checkOptionKeys('mseLoss', opts, ['reduction']);
  const reduction = checkReduction('mseLoss', opts.reduction);
  return tidy(() => reduce(square(sub(input, target)), reduction));
}

/** Mean absolute error |x - y| (gradient 0 at x = y), like torch.nn.functional.l1_loss. @example l1Loss(pred, y) */
export function l1Loss(input: Tensor, target: Tensor, opts: RegressionLossOptions = {}): Tensor {
  checkPair('l1Loss', input, target);
  checkOptionKeys('l1Loss', opts, ['reduction']);
  const reduction = checkReduction('l1Loss', opts.reduction);
  return tidy(() => reduce(abs(sub(input, target)), reduction));
}

/**
 * Binary cross-entropy on logits, like torch.nn.functional.binary_cross_entropy_with_logits:
 * loss = w * ((1 - y) x + (1 + (p - 1) y) softplus(-x)) with p = posWeight, computed without
 * overflow as softplus(-x) = max(-x, 0) + log(1 + exp(-|x|)). The input gradient is torch's
 * w * ((1 + (p - 1) y) sigmoid(x) - p y), exact also at x = 0 (where the max/abs form has kinks).
 *
 * @example
 * binaryCrossEntropyWithLogits(logits, labels, { posWeight: tensor([3]) })
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  opts: BinaryCrossEntropyWithLogitsOptions = {},
): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  checkPair(op, input, target);
  checkOptionKeys(op, opts, ['reduction', 'weight', 'posWeight']);
  const reduction = checkReduction(op, opts.reduction);
  for (const [name, w] of [
    ['weight', opts.weight],
    ['posWeight', opts.posWeight],
  ] as const) {
    if (w === undefined || w === null) continue;
    checkTensor(op, name, w);
    sameBackend(op, [input, w]);
    if (w.dtype !== input.dtype)
      throw new DTypeError(`${op}: ${name} has dtype ${w.dtype} but the input has ${input.dtype}`);
  }
  const weight = opts.weight ?? null;
  const posWeight = opts.posWeight ?? null;
  return tidy(() => {
    const x = input.detach();
    const y = target.detach();
    // softplus(-x) = max(-x, 0) + log(1 + exp(-|x|)) never overflows; log weight 1 + (p - 1) y
    const softplusNeg = (v: Tensor) => add(relu(neg(v)), log(add(exp(neg(abs(v))), 1)));
    const logWeight = (p: Tensor, t: Tensor) => add(mul(sub(p, 1), t), 1);
    const sp = softplusNeg(x);
    let loss = add(mul(sub(1, y), x), posWeight ? mul(logWeight(posWeight, y), sp) : sp);
    if (weight) loss = mul(loss, weight);
    const saved = [x, y, ...(weight ? [weight] : []), ...(posWeight ? [posWeight] : [])];
    loss = record(op, loss, [input, target], saved, (dy, s) => {
      const [xs, ys] = s as [Tensor, Tensor];
      const ws = weight ? s[2] : null;
      const ps = posWeight ? s[weight ? 3 : 2] : null;
      const scaled = (g: Tensor) => mul(ws ? mul(g, ws) : g, dy);
      return [
        // d/dx = (1 + (p - 1) y) sigmoid(x) - p y: sigmoid(x) - y without posWeight
        () => scaled(ps ? sub(mul(logWeight(ps, ys), sigmoid(xs)), mul(ps, ys)) : sub(sigmoid(xs), ys)),
        // d/dy = -x + (p - 1) softplus(-x)
        () => scaled(ps ? add(neg(xs), mul(sub(ps, 1), softplusNeg(xs))) : neg(xs)),
      ];
    });
    return reduce(loss, reduction);
  });
}
