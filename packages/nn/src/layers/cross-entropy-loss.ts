import { crossEntropy, type Tensor } from '@rectifier/tensor';
import { Module } from '../module';
import { checkNumber, checkOneOf, checkOptions, fmtShape } from '../options';

/** Options of {@link CrossEntropyLoss}. */
export interface CrossEntropyLossOptions {
  /** 'mean' (default), 'sum' or 'none' (one loss per sample) */
  reduction?: 'mean' | 'sum' | 'none';
  /** in [0, 1), default 0 */
  labelSmoothing?: number;
}

/**
 * Softmax cross-entropy (the paper's "logistic loss", §3): loss_i = −log softmax(logits_i)[target_i],
 * computed with a stable log-softmax. logits [N, C] float, target [N] int32 class indices in [0, C).
 *
 * @example
 * const loss = new CrossEntropyLoss().call(logits, labels); // scalar
 */
export class CrossEntropyLoss extends Module<[Tensor, Tensor], Tensor> {
  readonly reduction: 'mean' | 'sum' | 'none';
  readonly labelSmoothing: number;

  constructor(opts: CrossEntropyLossOptions = {}) {
    super();
    checkOptions('CrossEntropyLoss', opts, ['reduction', 'labelSmoothing']);
    this.reduction = checkOneOf('CrossEntropyLoss', 'reduction', opts.reduction ?? 'mean', [
      'mean',
      'sum',
      'none',
    ] as const);
    this.labelSmoothing = checkNumber('CrossEntropyLoss', 'labelSmoothing', opts.labelSmoothing ?? 0);
    if (this.labelSmoothing < 0 || this.labelSmoothing >= 1) {
      throw new RangeError(`CrossEntropyLoss: labelSmoothing must be in [0, 1), got ${this.labelSmoothing}`);
    }
  }

  override get typeName(): string {
    return 'CrossEntropyLoss';
  }

  forward(logits: Tensor, target: Tensor): Tensor {
    if (logits.ndim !== 2 || target.ndim !== 1 || target.shape[0] !== logits.shape[0]) {
      throw new RangeError(
        `CrossEntropyLoss: expects logits [N, C] and target [N], got logits ${fmtShape(logits.shape)} and target ${fmtShape(target.shape)}`,
      );
    }
    if (target.dtype !== 'int32')
      throw new TypeError(`CrossEntropyLoss: target must be int32 class indices, got ${target.dtype}`);
    try {
      return crossEntropy(logits, target, { reduction: this.reduction, labelSmoothing: this.labelSmoothing });
    } catch (e) {
      // e.g. a label outside [0, C): say which loss and shapes it was
      throw new RangeError(
        `CrossEntropyLoss: logits ${fmtShape(logits.shape)}, target ${fmtShape(target.shape)} (classes must be in [0, ${logits.shape[1]})): ${(e as Error).message}`,
      );
    }
  }

  override extraRepr(): string {
    return `reduction=${this.reduction}${this.labelSmoothing ? `, labelSmoothing=${this.labelSmoothing}` : ''}`;
  }
}
