/**
 * The other loss modules of torch.nn: NLLLoss, MSELoss, L1Loss, BCEWithLogitsLoss. Each wraps the
 * function of the same name in @rectifier/tensor (which validates shapes and dtypes) and keeps its
 * options; class weights and posWeight are buffers, saved in the state dict as in torch.
 */
import {
  binaryCrossEntropyWithLogits,
  l1Loss,
  mseLoss,
  nllLoss,
  type Reduction,
  type Tensor,
} from '@rectifier/tensor';
import { Module } from '../module';
import { checkNumber, checkOneOf, checkOptions } from '../options';
import { REDUCTIONS } from './cross-entropy-loss';

/** Options of {@link NLLLoss}. */
export interface NLLLossOptions {
  reduction?: Reduction;
  /** targets equal to this contribute nothing (default -100) */
  ignoreIndex?: number;
  /** per-class weights [C] */
  weight?: Tensor | null;
}

/**
 * Negative log-likelihood of log-probabilities [N, C] (or [N, C, d1, ...]) against int32 class
 * indices (torch.nn.NLLLoss); pair it with `logSoftmax(x, 1)`.
 *
 * @example
 * new NLLLoss().call(logSoftmax(logits, 1), labels)
 */
export class NLLLoss extends Module<[Tensor, Tensor], Tensor> {
  readonly reduction: Reduction;
  readonly ignoreIndex: number;
  declare readonly weight: Tensor | null;

  constructor(opts: NLLLossOptions = {}) {
    super();
    checkOptions('NLLLoss', opts, ['reduction', 'ignoreIndex', 'weight']);
    this.reduction = checkOneOf('NLLLoss', 'reduction', opts.reduction ?? 'mean', REDUCTIONS);
    this.ignoreIndex = checkNumber('NLLLoss', 'ignoreIndex', opts.ignoreIndex ?? -100);
    this.registerBuffer('weight', opts.weight ?? null);
  }
  override get typeName(): string {
    return 'NLLLoss';
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, {
      reduction: this.reduction,
      ignoreIndex: this.ignoreIndex,
      weight: this.weight,
    });
  }
  override extraRepr(): string {
    return `reduction=${this.reduction}${this.ignoreIndex !== -100 ? `, ignoreIndex=${this.ignoreIndex}` : ''}`;
  }
}

/** Options of {@link MSELoss} and {@link L1Loss}. */
export interface RegressionLossModuleOptions {
  reduction?: Reduction;
}

/**
 * Mean squared error (torch.nn.MSELoss); input and target must have the same shape.
 *
 * @example
 * new MSELoss().call(pred, target)
 */
export class MSELoss extends Module<[Tensor, Tensor], Tensor> {
  readonly reduction: Reduction;
  constructor(opts: RegressionLossModuleOptions = {}) {
    super();
    checkOptions('MSELoss', opts, ['reduction']);
    this.reduction = checkOneOf('MSELoss', 'reduction', opts.reduction ?? 'mean', REDUCTIONS);
  }
  override get typeName(): string {
    return 'MSELoss';
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }
  override extraRepr(): string {
    return `reduction=${this.reduction}`;
  }
}

/**
 * Mean absolute error (torch.nn.L1Loss); gradient 0 where input == target.
 *
 * @example
 * new L1Loss({ reduction: 'sum' }).call(pred, target)
 */
export class L1Loss extends Module<[Tensor, Tensor], Tensor> {
  readonly reduction: Reduction;
  constructor(opts: RegressionLossModuleOptions = {}) {
    super();
    checkOptions('L1Loss', opts, ['reduction']);
    this.reduction = checkOneOf('L1Loss', 'reduction', opts.reduction ?? 'mean', REDUCTIONS);
  }
  override get typeName(): string {
    return 'L1Loss';
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, { reduction: this.reduction });
  }
  override extraRepr(): string {
    return `reduction=${this.reduction}`;
  }
}

/** Options of {@link BCEWithLogitsLoss}. */
export interface BCEWithLogitsLossOptions {
  reduction?: Reduction;
  /** rescaling weight broadcast against the loss */
  weight?: Tensor | null;
  /** weight of positive examples, broadcast against the classes (e.g. [C]) */
  posWeight?: Tensor | null;
}

/**
 * Sigmoid + binary cross-entropy in one stable step (torch.nn.BCEWithLogitsLoss); targets are
 * probabilities in [0, 1] with the input's shape.
 *
 * @example
 * new BCEWithLogitsLoss({ posWeight: tensor([3]) }).call(logits, labels)
 */
export class BCEWithLogitsLoss extends Module<[Tensor, Tensor], Tensor> {
  readonly reduction: Reduction;
  declare readonly weight: Tensor | null;
  declare readonly posWeight: Tensor | null;
  constructor(opts: BCEWithLogitsLossOptions = {}) {
    super();
    checkOptions('BCEWithLogitsLoss', opts, ['reduction', 'weight', 'posWeight']);
    this.reduction = checkOneOf('BCEWithLogitsLoss', 'reduction', opts.reduction ?? 'mean', REDUCTIONS);
    this.registerBuffer('weight', opts.weight ?? null);
    this.registerBuffer('posWeight', opts.posWeight ?? null);
  }
  override get typeName(): string {
    return 'BCEWithLogitsLoss';
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, {
      reduction: this.reduction,
      weight: this.weight,
      posWeight: this.posWeight,
    });
  }
  override extraRepr(): string {
    return `reduction=${this.reduction}`;
  }
}
