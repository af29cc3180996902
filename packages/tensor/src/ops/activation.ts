/** Rectifiers (relu lives in the elementwise table), PReLU (He et al. 2015), softmax and log-softmax. */
import { record } from '../autograd/record.js';
import { DTypeError, fmt, ShapeError } from '../errors.js';
import { tidy } from '../memory.js';
import { normalizeAxis } from '../shape.js';
import { fromStorage, type Tensor } from '../tensor.js';
import { binaryOp, exp, mul, sub } from './elementwise.js';
import { checkOptionKeys, checkTensor, sameBackend } from './operands.js';
import { sum } from './reduce.js';
import { contiguous, permute, reshape } from './views.js';

/**
 * Leaky ReLU: x for x > 0, slope * x otherwise (gradient at 0 is `slope`, as for PReLU).
 *
 * @example
 * leakyRelu(x, 0.2)
 */
export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  checkTensor('leakyRelu', 'x', x);
  if (typeof slope !== 'number' || !Number.isFinite(slope))
    throw new TypeError(`leakyRelu: slope must be a finite number, got ${slope}`);
  return binaryOp('prelu', x, slope, 'leakyRelu');
}

/**
 * Parametric ReLU, He et al. 2015 (arXiv:1502.01852) Eq. 1: f(y) = y for y > 0 and a*y for y <= 0.
 * `weight` is [1] (one slope shared by all channels) or [C] with C = x.shape[1] (channel-wise; for a
 * 1-D input the channel dim is 0). Gradients (Eq. 2-3): dx = dy for y > 0 and a*dy for y <= 0 (so a*dy
 * at y = 0); da = sum of dy*y over positions with y <= 0 (0 at y = 0), summed over batch and positions
 * (and channels when shared).
 *
 * @example
 * prelu(randn([2, 3, 4, 4]), full([3], 0.25))
 */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  checkTensor('prelu', 'x', x);
  checkTensor('prelu', 'weight', weight);
  sameBackend('prelu', [x, weight]);
  if (x.dtype === 'int32' || weight.dtype !== x.dtype) {
    throw new DTypeError(`prelu: x and weight must share a float dtype, got ${x.dtype} and ${weight.dtype}`);
  }
  if (weight.ndim !== 1)
    throw new ShapeError(`prelu: weight must be 1-D ([1] or [C]), got ${fmt(weight.shape)}`);
  const n = weight.shape[0];
  if (n === 1) return binaryOp('prelu', x, weight);
  if (x.ndim === 0)
    throw new ShapeError(`prelu: a 0-d input needs a weight of shape [1], got ${fmt(weight.shape)}`);
  const axis = x.ndim === 1 ? 0 : 1;
  if (x.shape[axis] !== n) {
    throw new ShapeError(
      `prelu: input has ${x.shape[axis]} channels (dim ${axis}) but weight has ${n} (input ${fmt(x.shape)}, weight ${fmt(weight.shape)})`,
    );
  }
  return tidy(() => {
    const shape = x.shape.map((_, i) => (i === axis ? n : 1));
    return binaryOp('prelu', x, reshape(weight, shape));
  });
}

/** The dim of softmax-like ops: a number or `{ dim }` (torch's keyword argument). */
function dimArg(op: string, dim: number | { dim: number }): number {
  if (typeof dim === 'number') return dim;
  checkOptionKeys(op, dim, ['dim']);
  return (dim as { dim: number }).dim;
}

/** Row-wise log-softmax primitive on a contiguous [rows, cols] tensor. */
function logSoftmaxRows(x: Tensor): Tensor {
  const out = fromStorage(x.backend, x.backend.logSoftmax(x.storageView), x.shape, x.dtype);
  // d/dx log_softmax: dy - softmax * sum(dy)
  return record('logSoftmax', out, [x], [out], (dy, [o]) => [() => sub(dy, mul(exp(o), sum(dy, 1, true)))]);
}

/**
 * log(softmax(x)) along `dim`, computed as x - max - log(sum(exp(x - max))) (no overflow).
 *
 * @example
 * logSoftmax(logits, 1)
 */
export function logSoftmax(x: Tensor, dim: number | { dim: number } = -1): Tensor {
  checkTensor('logSoftmax', 'x', x);
  const axis = dimArg('logSoftmax', dim);
  if (x.dtype === 'int32') throw new DTypeError('logSoftmax: input must be a float tensor, got int32');
  if (x.ndim === 0) return tidy(() => reshape(logSoftmax(reshape(x, [1]), 0), []));
  const a = normalizeAxis('logSoftmax', axis, x.ndim);
  return tidy(() => {
    const last = x.ndim - 1;
    const dims = Array.from({ length: x.ndim }, (_, i) => (i === a ? last : i === last ? a : i));
    const moved = a === last ? x : permute(x, dims);
    const cols = x.shape[a];
    const rows = cols === 0 ? 0 : x.size / cols;
    const y = logSoftmaxRows(reshape(contiguous(moved), [rows, cols]));
    const back = reshape(y, moved.shape);
    return a === last ? back : permute(back, dims);
  });
}

/**
 * softmax(x) = exp(logSoftmax(x)) along `dim` (a number, or torch's keyword form `{ dim }`).
 *
 * @example
 * softmax(logits, -1)
 */
export function softmax(x: Tensor, dim: number | { dim: number } = -1): Tensor {
  // validated here so that errors name softmax, not the logSoftmax it is computed from
  checkTensor('softmax', 'x', x);
  const axis = dimArg('softmax', dim);
  if (x.dtype === 'int32') throw new DTypeError('softmax: input must be a float tensor, got int32');
  if (x.ndim > 0) normalizeAxis('softmax', axis, x.ndim);
  return tidy(() => exp(logSoftmax(x, axis)));
}
