import type { Tensor } from '@rectifier/tensor';
import { Module } from '../module';
import { checkInt, checkOptions } from '../options';
import { inferLayer, type LayerSpec } from '../spec';

/** Options of {@link Flatten}. */
export interface FlattenOptions {
  /** default 1 (keeps the batch axis) */
  startDim?: number;
  /** default -1 */
  endDim?: number;
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

  get spec(): Extract<LayerSpec, { type: 'flatten' }> {
    return { type: 'flatten', startDim: this.startDim, endDim: this.endDim };
  }

  forward(x: Tensor): Tensor {
    inferLayer(this.spec, x.shape, 'Flatten');
    return x.flatten(this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}
