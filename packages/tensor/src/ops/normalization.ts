/**
 * torch.nn.functional.batch_norm, composed of reductions and elementwise ops so that it runs, with its
 * gradient, on every backend. In training mode the gradient flows through the batch mean and variance
 * (autograd differentiates the composition), which is what makes batch-norm gradients correct; the
 * forward costs about six passes over the input and the eval-mode forward two (one scale, one shift).
 */

import { noGrad } from '../autograd/grad-mode.js';
import { DTypeError, fmt, ShapeError } from '../errors.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { checkOptionKeys, checkTensor, sameBackend } from './operands.js';
import { reshape } from './views.js';

/** Options of {@link batchNorm} (PyTorch's F.batch_norm arguments). */
export interface BatchNormOptions {
  /** per-channel running mean [C], updated in place in training mode; null: none */
  runningMean?: Tensor | null;
  /** per-channel running variance [C] (unbiased), updated in place in training mode; null: none */
  runningVar?: Tensor | null;
  /** per-channel scale gamma [C] (null: 1) */
  weight?: Tensor | null;
  /** per-channel shift beta [C] (null: 0) */
  bias?: Tensor | null;
  /** true: normalise with the batch statistics (and update the running ones); false: with the running ones */
  training?: boolean;
  /** weight of the new batch statistic in the running average (default 0.1) */
  momentum?: number;
  /** added to the variance (default 1e-5) */
  eps?: number;
}

function checkChannelTensor(name: string, t: Tensor | null | undefined, x: Tensor, C: number): void {
  if (t === null || t === undefined) return;
  checkTensor('batchNorm', name, t);
  sameBackend('batchNorm', [x, t]);
  if (t.ndim !== 1 || t.shape[0] !== C) {
    throw new ShapeError(
      `batchNorm: ${name} must have shape [${C}] (the input's channels), got ${fmt(t.shape)}`,
    );
  }
  if (t.dtype === 'int32') throw new DTypeError(`batchNorm: ${name} must be a float tensor, got int32`);
}

/**
 * Batch normalisation over dim 1 of an [N, C, ...] input (Ioffe & Szegedy 2015; PyTorch's
 * F.batch_norm): y = (x - mean) / sqrt(var + eps) * weight + bias, per channel.
 *
 * Training mode normalises with the batch mean and the biased batch variance over all dims but 1, and
 * (when given) updates the running statistics in place: running = (1 - momentum) * running +
 * momentum * batch, with the unbiased variance (n / (n - 1)) for runningVar. Eval mode normalises with
 * the running statistics (both required). Differentiable in x, weight and bias.
 *
 * @example
 * batchNorm(x, { runningMean: rm, runningVar: rv, weight: g, bias: b, training: true });
 */
export function batchNorm(x: Tensor, opts: BatchNormOptions = {}): Tensor {
  checkTensor('batchNorm', 'x', x);
  checkOptionKeys('batchNorm', opts, [
    'runningMean',
    'runningVar',
    'weight',
    'bias',
    'training',
    'momentum',
    'eps',
  ]);
  if (x.ndim < 2) throw new ShapeError(`batchNorm: input must be [N, C, ...], got ${fmt(x.shape)}`);
  if (x.dtype === 'int32') throw new DTypeError('batchNorm: input must be a float tensor, got int32');
  const C = x.shape[1];
  const { runningMean = null, runningVar = null, weight = null, bias = null } = opts;
  checkChannelTensor('runningMean', runningMean, x, C);
  checkChannelTensor('runningVar', runningVar, x, C);
  checkChannelTensor('weight', weight, x, C);
  checkChannelTensor('bias', bias, x, C);
  const training = opts.training ?? false;
  const momentum = opts.momentum ?? 0.1;
  const eps = opts.eps ?? 1e-5;
  if (!Number.isFinite(momentum) || momentum < 0 || momentum > 1)
    throw new RangeError(`batchNorm: momentum must be in [0, 1], got ${momentum}`);
  if (!Number.isFinite(eps) || eps < 0) throw new RangeError(`batchNorm: eps must be >= 0, got ${eps}`);
  if ((runningMean === null) !== (runningVar === null))
    throw new TypeError('batchNorm: give both runningMean and runningVar, or neither');
  const cShape = x.shape.map((d, i) => (i === 1 ? d : 1));
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const n = x.size / Math.max(C, 1);
  if (training) {
    if (n <= 1) {
      throw new ShapeError(
        `batchNorm: expected more than 1 value per channel when training, got input ${fmt(x.shape)}`,
      );
    }
    return tidy(() => {
      const mean = x.mean(axes, true);
      const xc = x.sub(mean);
      const varB = xc.square().mean(axes, true);
      let scale = varB.add(eps).sqrt().reciprocal();
      if (weight) scale = scale.mul(reshape(weight, cShape));
      let y = xc.mul(scale);
      if (bias) y = y.add(reshape(bias, cShape));
      if (runningMean && runningVar) {
        noGrad(() => {
          const m = reshape(mean.detach(), [C]);
          const v = reshape(varB.detach(), [C]).mul(n / (n - 1));
          runningMean.assign(runningMean.mul(1 - momentum).add(m.mul(momentum)));
          runningVar.assign(runningVar.mul(1 - momentum).add(v.mul(momentum)));
        });
      }
      return y;
    });
  }
  if (!runningMean || !runningVar)
    throw new TypeError('batchNorm: eval mode (training false) needs runningMean and runningVar');
  return tidy(() => {
    let scale = runningVar.add(eps).sqrt().reciprocal();
    if (weight) scale = scale.mul(weight);
    let shift = runningMean.mul(scale).neg();
    if (bias) shift = shift.add(bias);
    return x.mul(reshape(scale, cShape)).add(reshape(shift, cShape));
  });
}
