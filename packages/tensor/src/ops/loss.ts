/** Cross-entropy on logits with int32 class targets. */
import { DTypeError, fmt, ShapeError } from '../errors.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { logSoftmax } from './activation.js';
import { add, mul, neg } from './elementwise.js';
import { gather } from './indexing.js';
import { checkOptionKeys, checkTensor, sameBackend } from './operands.js';
import { mean, sum } from './reduce.js';
import { reshape } from './views.js';

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions {
  /** 'mean' (default) over the batch, 'sum', or 'none' (per-sample losses [N]) */
  reduction?: 'mean' | 'sum' | 'none';
  /** eps in [0, 1): the target distribution is (1 - eps) one-hot + eps / C uniform (default 0) */
  labelSmoothing?: number;
}

/**
 * Cross-entropy of logits [N, C] against int32 class indices [N]:
 * loss_n = -(1 - eps) * logSoftmax(x)[n, t_n] - eps * mean_c logSoftmax(x)[n, c].
 * Computed from a stable log-softmax (never log(softmax)), so large logits do not overflow.
 *
 * @example
 * crossEntropy(logits, tensor([2, 0, 1], { dtype: 'int32' }))
 */
export function crossEntropy(logits: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  checkTensor('crossEntropy', 'logits', logits);
  checkTensor('crossEntropy', 'target', target);
  checkOptionKeys('crossEntropy', opts, ['reduction', 'labelSmoothing']);
  sameBackend('crossEntropy', [logits, target]);
  if (logits.ndim !== 2)
    throw new ShapeError(`crossEntropy: logits must be 2-D [N,C], got ${fmt(logits.shape)}`);
  if (logits.dtype === 'int32')
    throw new DTypeError('crossEntropy: logits must be a float tensor, got int32');
  if (target.dtype !== 'int32')
    throw new DTypeError(`crossEntropy: target must be int32 class indices, got ${target.dtype}`);
  const [N, C] = logits.shape;
  if (target.ndim !== 1 || target.shape[0] !== N) {
    throw new ShapeError(
      `crossEntropy: target must have shape [${N}], got ${fmt(target.shape)} (logits ${fmt(logits.shape)})`,
    );
  }
  if (C === 0) throw new ShapeError(`crossEntropy: logits have 0 classes (shape ${fmt(logits.shape)})`);
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps < 1))
    throw new RangeError(`crossEntropy: labelSmoothing must be in [0, 1), got ${eps}`);
  // name the loss and the sample (gather would report its own generic index error); backends that
  // cannot read synchronously (WebGPU) skip the scan, as gather does
  if (target.backend.readSync) {
    const t = target.dataSync();
    for (let n = 0; n < t.length; n++) {
      if (t[n] < 0 || t[n] >= C)
        throw new RangeError(
          `crossEntropy: target[${n}] = ${t[n]} is out of range for ${C} classes (logits ${fmt(logits.shape)})`,
        );
    }
  }
  const reduction = opts.reduction ?? 'mean';
  if (!['mean', 'sum', 'none'].includes(reduction))
    throw new RangeError(`crossEntropy: unknown reduction ${reduction}`);
  return tidy(() => {
    const ls = logSoftmax(logits, 1);
    let loss = neg(reshape(gather(ls, 1, reshape(target, [N, 1])), [N]));
    if (eps > 0) loss = add(mul(loss, 1 - eps), mul(mean(ls, 1), -eps));
    return reduction === 'mean' ? mean(loss) : reduction === 'sum' ? sum(loss) : loss;
  });
}
