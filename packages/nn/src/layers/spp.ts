import { avgPool2d, concat, maxPool2d, type Tensor } from '@rectifier/tensor';
import { sppAxisGeometry, sppGeometry } from '../geometry';
import { checkInputs, type LayerDefinition, need4d } from '../layer-definition';
import { Module } from '../module';
import { checkInt, checkOneOf, checkOptions, describe } from '../options';

/** Options of {@link SpatialPyramidPooling}. */
export interface SpatialPyramidPoolingOptions {
  /** bins per side of each level, e.g. [6, 3, 2, 1] (14-layer model) or [7, 3, 2, 1] (models A-C) */
  levels: number[];
  /** default 'max' (SPP-net's choice; the paper does not state it) */
  mode?: 'max' | 'avg';
}

/** The spec of a {@link SpatialPyramidPooling}. */
export interface SppSpec {
  type: 'spp';
  levels: number[];
  mode: 'max' | 'avg';
}

/**
 * Spatial pyramid pooling (He et al. 2014, used before fc1 in all networks of He et al. 2015): pools an
 * NCHW map of any size H x W >= max(levels) into a fixed-length vector [N, C · Σ n²].
 *
 * Window rule, per level n and axis of length a (see `sppAxisGeometry`): stride = floor(a/n),
 * kernel = a − (n−1)·stride, no padding. That gives exactly n equal windows tiling the map edge to
 * edge, so each level is a plain MaxPool2d(kernel, stride) for the given input size; `sppGeometry`
 * returns these per level (the ONNX exporter emits one MaxPool per level from it).
 *
 * Output layout: levels in the given order, each flattened channel-major (c, i, j) as
 * `pooled.flatten(1)`, concatenated along dim 1 (SPP-net's layout).
 *
 * @example
 * const spp = new SpatialPyramidPooling({ levels: [6, 3, 2, 1] });
 * spp.call(x).shape; // [N, 256 * 50] for x: [N, 256, 18, 18] or [N, 256, 13, 17]
 */
export class SpatialPyramidPooling extends Module {
  readonly levels: readonly number[];
  readonly mode: 'max' | 'avg';

  constructor(opts: SpatialPyramidPoolingOptions) {
    super();
    checkOptions('SpatialPyramidPooling', opts, ['levels', 'mode']);
    if (opts === undefined || !Array.isArray(opts.levels) || opts.levels.length === 0) {
      throw new TypeError(
        `SpatialPyramidPooling: levels must be a non-empty array of integers, got ${describe(opts?.levels)}`,
      );
    }
    this.levels = Object.freeze(
      opts.levels.map((n, i) => checkInt('SpatialPyramidPooling', `levels[${i}]`, n)),
    );
    this.mode = checkOneOf('SpatialPyramidPooling', 'mode', opts.mode ?? 'max', ['max', 'avg'] as const);
  }

  override get typeName(): string {
    return 'SpatialPyramidPooling';
  }

  get spec(): SppSpec {
    return { type: 'spp', levels: [...this.levels], mode: this.mode };
  }

  /** Output length per sample for `channels` input channels: channels · Σ n². */
  outputFeatures(channels: number): number {
    return channels * this.levels.reduce((a, n) => a + n * n, 0);
  }

  /** x: [N, C, H, W] -> [N, C · Σ n²]. */
  forward(x: Tensor): Tensor {
    checkInputs(sppLayer, this.spec, [x.shape], 'SpatialPyramidPooling');
    const parts: Tensor[] = [];
    for (const g of sppGeometry(this.levels, x.shape[2], x.shape[3])) {
      const opts = { kernelSize: g.kernelSize, stride: g.stride };
      const pooled = this.mode === 'max' ? maxPool2d(x, opts) : avgPool2d(x, opts);
      parts.push(pooled.flatten(1));
    }
    return parts.length === 1 ? parts[0] : concat(parts, 1);
  }

  override extraRepr(): string {
    return `levels=[${this.levels.join(', ')}], mode=${this.mode}`;
  }
}

/** SpatialPyramidPooling in the layer registry: [N, C, H, W] -> [N, C·Σ n²]. */
export const sppLayer: LayerDefinition<SppSpec, SpatialPyramidPooling> = {
  type: 'spp',
  className: 'SpatialPyramidPooling',
  fromSpec: (spec) => new SpatialPyramidPooling({ levels: spec.levels, mode: spec.mode }),
  infer(spec, [s], fail) {
    need4d(s, fail);
    for (const n of spec.levels) {
      if (s[2] < n || s[3] < n)
        fail(`pyramid level ${n} needs a feature map of at least ${n}x${n}, got ${s[2]}x${s[3]}`);
      sppAxisGeometry(s[2], n);
    }
    const bins = spec.levels.reduce((a, n) => a + n * n, 0);
    return { outputShape: [s[0], s[1] * bins] };
  },
  audit: () => ({ kind: 'pool' }),
};
