import type { Tensor } from '@rectifier/tensor';
import { checkInputs, type LayerDefinition } from '../layer-definition';
import { Module } from '../module';
import { checkInt, checkOptions } from '../options';

/** Options of {@link Flatten}. */
export interface FlattenOptions {
  /** default 1 (keeps the batch axis) */
  startDim?: number;
  /** default -1 */
  endDim?: number;
}

/** The spec of a {@link Flatten}. */
export interface FlattenSpec {
  type: 'flatten';
  startDim: number;
  endDim: number;
}

/**
 * Flattens dims startDim..endDim into one (a view when possible): [N, C, H, W] -> [N, C·H·W].
 *
 * @example
 * new Flatten().call(x); // [8, 256, 6, 6] -> [8, 9216]
 */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;

  constructor(opts: FlattenOptions = {}) {
    super();
    checkOptions('Flatten', opts, ['startDim', 'endDim']);
    this.startDim = checkInt('Flatten', 'startDim', opts.startDim ?? 1, Number.MIN_SAFE_INTEGER);
    this.endDim = checkInt('Flatten', 'endDim', opts.endDim ?? -1, Number.MIN_SAFE_INTEGER);
  }

  override get typeName(): string {
    return 'Flatten';
  }

  get spec(): FlattenSpec {
    return { type: 'flatten', startDim: this.startDim, endDim: this.endDim };
  }

  forward(x: Tensor): Tensor {
    checkInputs(flattenLayer, this.spec, [x.shape], 'Flatten');
    return x.flatten(this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

/** Flatten in the layer registry. */
export const flattenLayer: LayerDefinition<FlattenSpec, Flatten> = {
  type: 'flatten',
  className: 'Flatten',
  fromSpec: (spec) => new Flatten({ startDim: spec.startDim, endDim: spec.endDim }),
  infer(spec, [s], fail) {
    const r = s.length;
    const start = spec.startDim < 0 ? spec.startDim + r : spec.startDim;
    const end = spec.endDim < 0 ? spec.endDim + r : spec.endDim;
    if (start < 0 || end >= r || start > end)
      fail(`cannot flatten dims ${spec.startDim}..${spec.endDim} of a rank-${r} input`);
    const mid = s.slice(start, end + 1).reduce((a, b) => a * b, 1);
    return { outputShape: [...s.slice(0, start), mid, ...s.slice(end + 1)] };
  },
};
