import {
  batchNorm,
  type DType,
  full,
  noGrad,
  ones,
  type Parameter,
  type Tensor,
  tensor,
  zeros,
} from '@rectifier/tensor';
import type { LayerDefinition, ShapeFail } from '../layer-definition';
import { Module } from '../module';
import { checkBool, checkInt, checkNumber, checkOptions, fmtShape } from '../options';
import { toParameter } from '../param';

/** Options of {@link BatchNorm2d} and {@link BatchNorm1d} (PyTorch's arguments and defaults). */
export interface BatchNormOptions {
  /** C, the number of channels (dim 1 of the input) */
  numFeatures: number;
  /** added to the variance, default 1e-5 */
  eps?: number;
  /**
   * weight of the new batch statistic in the running averages, default 0.1; `null`: a cumulative
   * (equal-weight) average over all batches seen, as PyTorch's `momentum=None`
   */
  momentum?: number | null;
  /** learnable per-channel `weight` (gamma, init 1) and `bias` (beta, init 0); default true */
  affine?: boolean;
  /**
   * keep `running_mean`, `running_var` and `num_batches_tracked` buffers (default true) and normalise
   * with them in eval mode; false: always use the batch statistics and have no buffers
   */
  trackRunningStats?: boolean;
  /** default 'float32' */
  dtype?: DType;
}

const keys = ['numFeatures', 'eps', 'momentum', 'affine', 'trackRunningStats', 'dtype'];

/** The resolved options of a {@link BatchNorm2d} / {@link BatchNorm1d} (PyTorch's, camelCased). */
interface BatchNormSpecFields {
  numFeatures: number;
  eps: number;
  momentum: number | null;
  affine: boolean;
  trackRunningStats: boolean;
}

/** The spec of a {@link BatchNorm2d}. */
export interface BatchNorm2dSpec extends BatchNormSpecFields {
  type: 'batchNorm2d';
}

/** The spec of a {@link BatchNorm1d}. */
export interface BatchNorm1dSpec extends BatchNormSpecFields {
  type: 'batchNorm1d';
}

/**
 * Shared implementation of BatchNorm1d and BatchNorm2d (PyTorch's `_BatchNorm`): batch normalisation
 * over dim 1, with the running statistics as buffers under PyTorch's names so state dicts and
 * checkpoints carry them (`running_mean`, `running_var`, `num_batches_tracked`).
 */
export abstract class BatchNormBase extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  /** batches seen in training mode (int32; PyTorch keeps it as int64) */
  declare num_batches_tracked: Tensor | null;
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;

  protected abstract readonly inputRanks: readonly number[];
  protected abstract readonly inputLayout: string;

  constructor(fn: string, opts: BatchNormOptions) {
    super();
    if (opts === undefined) throw new TypeError(`${fn}: options { numFeatures } are required`);
    checkOptions(fn, opts, keys);
    this.numFeatures = checkInt(fn, 'numFeatures', opts.numFeatures);
    this.eps = checkNumber(fn, 'eps', opts.eps ?? 1e-5);
    if (this.eps < 0) throw new RangeError(`${fn}: eps must be >= 0, got ${this.eps}`);
    const m = opts.momentum === undefined ? 0.1 : opts.momentum;
    if (m !== null && (checkNumber(fn, 'momentum', m) < 0 || m > 1))
      throw new RangeError(`${fn}: momentum must be in [0, 1] or null, got ${m}`);
    this.momentum = m;
    this.affine = checkBool(fn, 'affine', opts.affine ?? true);
    this.trackRunningStats = checkBool(fn, 'trackRunningStats', opts.trackRunningStats ?? true);
    const dtype = opts.dtype ?? 'float32';
    const C = this.numFeatures;
    this.weight = this.affine ? toParameter(ones([C], { dtype })) : null;
    this.bias = this.affine ? toParameter(zeros([C], { dtype })) : null;
    const track = this.trackRunningStats;
    this.registerBuffer('running_mean', track ? zeros([C], { dtype }) : null);
    this.registerBuffer('running_var', track ? ones([C], { dtype }) : null);
    this.registerBuffer('num_batches_tracked', track ? tensor(0, { dtype: 'int32' }) : null);
  }

  /** Resets the running statistics (mean 0, variance 1, no batches), like PyTorch's `reset_running_stats`. */
  resetRunningStats(): void {
    if (!this.running_mean || !this.running_var || !this.num_batches_tracked) return;
    const targets: [Tensor, number][] = [
      [this.running_mean, 0],
      [this.running_var, 1],
      [this.num_batches_tracked, 0],
    ];
    noGrad(() => {
      for (const [t, v] of targets) {
        const fill = full(t.shape, v, { dtype: t.dtype, backend: t.backend });
        t.assign(fill);
        fill.dispose();
      }
    });
  }

  protected specFields(): BatchNormSpecFields {
    return {
      numFeatures: this.numFeatures,
      eps: this.eps,
      momentum: this.momentum,
      affine: this.affine,
      trackRunningStats: this.trackRunningStats,
    };
  }

  forward(x: Tensor): Tensor {
    if (!this.inputRanks.includes(x.ndim) || x.shape[1] !== this.numFeatures) {
      throw new RangeError(
        `${this.typeName}: expected input ${this.inputLayout} with C = ${this.numFeatures}, got ${fmtShape(x.shape)}`,
      );
    }
    // as PyTorch: without running statistics, eval mode also normalises with the batch's
    const useBatchStats = this.training || this.running_mean === null;
    const update = this.training && this.trackRunningStats;
    const rm = this.running_mean;
    const rv = this.running_var;
    const nbt = this.num_batches_tracked;
    if (update && nbt) {
      noGrad(() => {
        const next = nbt.add(1);
        nbt.assign(next);
        next.dispose();
      });
    }
    if (update && this.momentum === null && rm && rv && nbt) {
      // cumulative average: running += (batch - running) / num_batches_tracked, with the count read on
      // the device (no host read, so WebGPU stays asynchronous)
      const y = batchNorm(x, { weight: this.weight, bias: this.bias, training: true, eps: this.eps });
      noGrad(() => cumulativeUpdate(x, rm, rv, nbt));
      return y;
    }
    return batchNorm(x, {
      runningMean: useBatchStats && !update ? null : rm,
      runningVar: useBatchStats && !update ? null : rv,
      weight: this.weight,
      bias: this.bias,
      training: useBatchStats,
      momentum: this.momentum ?? 0,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    const parts = [`${this.numFeatures}`, `eps=${this.eps}`, `momentum=${this.momentum}`];
    if (!this.affine) parts.push('affine=false');
    if (!this.trackRunningStats) parts.push('trackRunningStats=false');
    return parts.join(', ');
  }
}

function cumulativeUpdate(x: Tensor, rm: Tensor, rv: Tensor, nbt: Tensor): void {
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const C = x.shape[1];
  const stats = [x.mean(axes).reshape([C]), x.var(axes, { correction: 1 }).reshape([C])];
  const factor = nbt.cast(rm.dtype).reciprocal();
  for (const [i, target] of [rm, rv].entries()) {
    const next = target.add(stats[i].sub(target).mul(factor));
    target.assign(next);
    next.dispose();
    stats[i].dispose();
  }
  factor.dispose();
}

/**
 * Batch normalisation of an [N, C, H, W] input per channel (Ioffe & Szegedy 2015; PyTorch's
 * `nn.BatchNorm2d`). Training mode normalises with the batch mean and biased variance over N, H, W
 * (the gradient flows through both) and updates `running_mean` / `running_var` (unbiased) with
 * `momentum`; eval mode uses the running statistics. `weight` starts at 1 and `bias` at 0.
 *
 * @example
 * const bn = new BatchNorm2d({ numFeatures: 64 });
 * bn.call(x);          // training: batch statistics, running ones updated
 * bn.eval().call(x);   // inference: running statistics
 */
export class BatchNorm2d extends BatchNormBase {
  protected readonly inputRanks = [4];
  protected readonly inputLayout = '[N, C, H, W]';

  constructor(opts: BatchNormOptions) {
    super('BatchNorm2d', opts);
  }

  override get typeName(): string {
    return 'BatchNorm2d';
  }

  get spec(): BatchNorm2dSpec {
    return { type: 'batchNorm2d', ...this.specFields() };
  }
}

/**
 * Batch normalisation of an [N, C] or [N, C, L] input per channel (PyTorch's `nn.BatchNorm1d`); see
 * {@link BatchNorm2d}.
 *
 * @example
 * new BatchNorm1d({ numFeatures: 128 }).call(features); // [N, 128]
 */
export class BatchNorm1d extends BatchNormBase {
  protected readonly inputRanks = [2, 3];
  protected readonly inputLayout = '[N, C] or [N, C, L]';

  constructor(opts: BatchNormOptions) {
    super('BatchNorm1d', opts);
  }

  override get typeName(): string {
    return 'BatchNorm1d';
  }

  get spec(): BatchNorm1dSpec {
    return { type: 'batchNorm1d', ...this.specFields() };
  }
}

/** Same shape out; fails unless the input has an allowed rank and numFeatures channels at dim 1. */
function inferBatchNorm(
  spec: BatchNormSpecFields,
  ranks: readonly number[],
  layout: string,
  s: readonly number[],
  fail: ShapeFail,
) {
  if (!ranks.includes(s.length)) fail(`expects a ${layout} input`);
  if (s[1] !== spec.numFeatures) fail(`expects ${spec.numFeatures} channels but got ${s[1]}`);
  // normalisation is elementwise at inference (foldable into the preceding conv): no multiply-adds
  // in the Table 3 convention, like the other non-weight layers
  return { outputShape: [...s] };
}

const fromSpecFields = ({ numFeatures, eps, momentum, affine, trackRunningStats }: BatchNormSpecFields) => ({
  numFeatures,
  eps,
  momentum,
  affine,
  trackRunningStats,
});

/** BatchNorm2d in the layer registry: gamma and beta per channel; the audit passes it through. */
export const batchNorm2dLayer: LayerDefinition<BatchNorm2dSpec, BatchNorm2d> = {
  type: 'batchNorm2d',
  className: 'BatchNorm2d',
  fromSpec: (spec, { dtype }) => new BatchNorm2d({ ...fromSpecFields(spec), dtype }),
  parameters: (spec) => (spec.affine ? 2 * spec.numFeatures : 0),
  infer: (spec, [s], fail) => inferBatchNorm(spec, [4], '4-D [N, C, H, W]', s, fail),
};

/** BatchNorm1d in the layer registry. */
export const batchNorm1dLayer: LayerDefinition<BatchNorm1dSpec, BatchNorm1d> = {
  type: 'batchNorm1d',
  className: 'BatchNorm1d',
  fromSpec: (spec, { dtype }) => new BatchNorm1d({ ...fromSpecFields(spec), dtype }),
  parameters: (spec) => (spec.affine ? 2 * spec.numFeatures : 0),
  infer: (spec, [s], fail) => inferBatchNorm(spec, [2, 3], '[N, C] or [N, C, L]', s, fail),
};
