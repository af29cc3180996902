import { crossEntropy, type Reduction, type Tensor } from '@rectifier/tensor';
import { Module } from '../module';
import { checkNumber, checkOneOf, checkOptions } from '../options';

/** Options of {@link CrossEntropyLoss} (torch.nn.CrossEntropyLoss's arguments). */
export interface CrossEntropyLossOptions {
  /** 'mean' (default; weighted mean over the non-ignored targets), 'sum' or 'none' (one loss per target) */
  reduction?: Reduction;
  /** in [0, 1), default 0 */
  labelSmoothing?: number;
  /** class-index targets equal to this contribute nothing (default -100, like torch) */
  ignoreIndex?: number;
  /** per-class weights [C] (a buffer, saved in the state dict as in torch) */
  weight?: Tensor | null;
}

export const REDUCTIONS = ['mean', 'sum', 'none'] as const;

/**
 * Softmax cross-entropy (the paper's "logistic loss", §3), torch.nn.CrossEntropyLoss: logits [N, C]
 * (or [N, C, d1, ...], e.g. per-pixel [N, C, H, W]) against int32 class indices [N] ([N, d1, ...]) or
 * class probabilities with the logits' shape; see `crossEntropy` in @rectifier/tensor for the formula.
 *
 * @example
 * const loss = new CrossEntropyLoss().call(logits, labels); // scalar
 * new CrossEntropyLoss({ ignoreIndex: 255, weight: classWeights }).call(segLogits, masks);
 */
export class CrossEntropyLoss extends Module<[Tensor, Tensor], Tensor> {
  readonly reduction: Reduction;
  readonly labelSmoothing: number;
  readonly ignoreIndex: number;
  declare readonly weight: Tensor | null;

  constructor(opts: CrossEntropyLossOptions = {}) {
    super();
    checkOptions('CrossEntropyLoss', opts, ['reduction', 'labelSmoothing', 'ignoreIndex', 'weight']);
    this.reduction = checkOneOf('CrossEntropyLoss', 'reduction', opts.reduction ?? 'mean', REDUCTIONS);
    this.labelSmoothing = checkNumber('CrossEntropyLoss', 'labelSmoothing', opts.labelSmoothing ?? 0);
    if (this.labelSmoothing < 0 || this.labelSmoothing >= 1) {
      throw new RangeError(`CrossEntropyLoss: labelSmoothing must be in [0, 1), got ${this.labelSmoothing}`);
    }
    this.ignoreIndex = checkNumber('CrossEntropyLoss', 'ignoreIndex', opts.ignoreIndex ?? -100);
    this.registerBuffer('weight', opts.weight ?? null);
  }

  override get typeName(): string {
    return 'CrossEntropyLoss';
  }

  forward(logits: Tensor, target: Tensor): Tensor {
    // crossEntropy checks shapes, dtypes and target values and names itself in the message
    return crossEntropy(logits, target, {
      reduction: this.reduction,
      labelSmoothing: this.labelSmoothing,
      ignoreIndex: this.ignoreIndex,
      weight: this.weight,
    });
  }

  override extraRepr(): string {
    const parts = [`reduction=${this.reduction}`];
    if (this.labelSmoothing) parts.push(`labelSmoothing=${this.labelSmoothing}`);
    if (this.ignoreIndex !== -100) parts.push(`ignoreIndex=${this.ignoreIndex}`);
    return parts.join(', ');
  }
}
