import { avgPool2d, type Tensor } from '@rectifier/tensor';
import { poolOutputSize } from '../geometry';
import { checkInputs, type LayerDefinition, need4d } from '../layer-definition';
import { Module } from '../module';
import { checkBool, checkOptions, pair } from '../options';

/** Options of {@link AvgPool2d}. */
export interface AvgPool2dOptions {
  kernelSize: number | [number, number];
  /** default: kernelSize */
  stride?: number | [number, number];
  /** zero padding on both sides, default 0; at most half the kernel */
  padding?: number | [number, number];
  /** default false */
  ceilMode?: boolean;
  /** divide by the full window size, padding included (default true, as PyTorch) */
  countIncludePad?: boolean;
}

/** The spec of an {@link AvgPool2d}. */
export interface AvgPool2dSpec {
  type: 'avgPool2d';
  kernelSize: [number, number];
  stride: [number, number];
  padding: [number, number];
  ceilMode: boolean;
  countIncludePad: boolean;
}

/**
 * 2-D average pooling over an NCHW input (PyTorch's `nn.AvgPool2d`).
 *
 * @example
 * new AvgPool2d({ kernelSize: 2 }).call(x);
 */
export class AvgPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(opts: AvgPool2dOptions) {
    super();
    checkOptions('AvgPool2d', opts, ['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad']);
    if (opts === undefined) throw new TypeError('AvgPool2d: options { kernelSize } are required');
    this.kernelSize = pair('AvgPool2d', 'kernelSize', opts.kernelSize, 1);
    this.stride = pair('AvgPool2d', 'stride', opts.stride ?? this.kernelSize, 1);
    this.padding = pair('AvgPool2d', 'padding', opts.padding ?? 0, 0);
    this.ceilMode = checkBool('AvgPool2d', 'ceilMode', opts.ceilMode ?? false);
    this.countIncludePad = checkBool('AvgPool2d', 'countIncludePad', opts.countIncludePad ?? true);
    for (const a of [0, 1]) {
      if (this.padding[a] * 2 > this.kernelSize[a]) {
        throw new RangeError(
          `AvgPool2d: padding ${this.padding[a]} must be at most half the kernel size ${this.kernelSize[a]}`,
        );
      }
    }
  }

  override get typeName(): string {
    return 'AvgPool2d';
  }

  get spec(): AvgPool2dSpec {
    return {
      type: 'avgPool2d',
      kernelSize: [...this.kernelSize],
      stride: [...this.stride],
      padding: [...this.padding],
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
    };
  }

  forward(x: Tensor): Tensor {
    checkInputs(avgPool2dLayer, this.spec, [x.shape], 'AvgPool2d');
    return avgPool2d(x, {
      kernelSize: this.kernelSize,
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
    });
  }

  /** Every option, so the architecture string (and ONNX metadata built from it) rebuilds the layer. */
  override extraRepr(): string {
    return `kernelSize=[${this.kernelSize.join(', ')}], stride=[${this.stride.join(', ')}], padding=[${this.padding.join(', ')}], ceilMode=${this.ceilMode}, countIncludePad=${this.countIncludePad}`;
  }
}

/** AvgPool2d in the layer registry. */
export const avgPool2dLayer: LayerDefinition<AvgPool2dSpec, AvgPool2d> = {
  type: 'avgPool2d',
  className: 'AvgPool2d',
  fromSpec: ({ type: _t, ...o }) => new AvgPool2d(o),
  infer(spec, [s], fail) {
    need4d(s, fail);
    for (const a of [0, 1]) {
      if (spec.padding[a] * 2 > spec.kernelSize[a])
        fail(`padding ${spec.padding[a]} exceeds half the kernel ${spec.kernelSize[a]}`);
    }
    const size = (a: 0 | 1) =>
      poolOutputSize(s[2 + a], spec.kernelSize[a], spec.stride[a], spec.padding[a], 1, spec.ceilMode);
    const [oh, ow] = [size(0), size(1)];
    if (oh < 1 || ow < 1)
      fail(`the ${s[2]}x${s[3]} map is smaller than the ${spec.kernelSize.join('x')} window`);
    return { outputShape: [s[0], s[1], oh, ow] };
  },
  // pooling is measured by the audit (Eqs. 7-13 do not cover it)
  audit: () => ({ kind: 'pool' }),
};
