import { maxPool2d, type Tensor } from '@rectifier/tensor';
import { poolOutputSize } from '../geometry';
import { checkInputs, type LayerDefinition, need4d } from '../layer-definition';
import { Module } from '../module';
import { checkBool, checkOptions, pair } from '../options';

/** Options of {@link MaxPool2d}. */
export interface MaxPool2dOptions {
  kernelSize: number | [number, number];
  /** default: kernelSize */
  stride?: number | [number, number];
  /** implicit -inf padding on both sides, default 0; at most half the kernel */
  padding?: number | [number, number];
  /** default 1 */
  dilation?: number | [number, number];
  /** round the output size up (PyTorch's rule), default false */
  ceilMode?: boolean;
}

/** The spec of a {@link MaxPool2d}. */
export interface MaxPool2dSpec {
  type: 'maxPool2d';
  kernelSize: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  ceilMode: boolean;
}

/**
 * 2-D max pooling over an NCHW input (PyTorch's `nn.MaxPool2d`). The gradient goes to the first
 * maximum of each window. In the paper: pool1 (3x3 /3) and pool2 (2x2 /2) of the 14-layer model and the
 * 2x2 /2 pools of models A/B/C (Tables 1, 3).
 *
 * @example
 * new MaxPool2d({ kernelSize: 2 }).call(x); // [N, C, 112, 112] -> [N, C, 56, 56]
 */
export class MaxPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly ceilMode: boolean;

  constructor(opts: MaxPool2dOptions) {
    super();
    checkOptions('MaxPool2d', opts, ['kernelSize', 'stride', 'padding', 'dilation', 'ceilMode']);
    if (opts === undefined) throw new TypeError('MaxPool2d: options { kernelSize } are required');
    this.kernelSize = pair('MaxPool2d', 'kernelSize', opts.kernelSize, 1);
    this.stride = pair('MaxPool2d', 'stride', opts.stride ?? this.kernelSize, 1);
    this.padding = pair('MaxPool2d', 'padding', opts.padding ?? 0, 0);
    this.dilation = pair('MaxPool2d', 'dilation', opts.dilation ?? 1, 1);
    this.ceilMode = checkBool('MaxPool2d', 'ceilMode', opts.ceilMode ?? false);
    for (const a of [0, 1]) {
      if (this.padding[a] * 2 > this.kernelSize[a]) {
        throw new RangeError(
          `MaxPool2d: padding ${this.padding[a]} must be at most half the kernel size ${this.kernelSize[a]}`,
        );
      }
    }
  }

  override get typeName(): string {
    return 'MaxPool2d';
  }

  get spec(): MaxPool2dSpec {
    return {
      type: 'maxPool2d',
      kernelSize: [...this.kernelSize],
      stride: [...this.stride],
      padding: [...this.padding],
      dilation: [...this.dilation],
      ceilMode: this.ceilMode,
    };
  }

  forward(x: Tensor): Tensor {
    checkInputs(maxPool2dLayer, this.spec, [x.shape], 'MaxPool2d');
    return maxPool2d(x, {
      kernelSize: this.kernelSize,
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      ceilMode: this.ceilMode,
    });
  }

  override extraRepr(): string {
    return `kernelSize=[${this.kernelSize.join(', ')}], stride=[${this.stride.join(', ')}], padding=[${this.padding.join(', ')}]${this.ceilMode ? ', ceilMode=true' : ''}`;
  }
}

/** MaxPool2d in the layer registry. */
export const maxPool2dLayer: LayerDefinition<MaxPool2dSpec, MaxPool2d> = {
  type: 'maxPool2d',
  className: 'MaxPool2d',
  fromSpec: ({ type: _t, ...o }) => new MaxPool2d(o),
  infer(spec, [s], fail) {
    need4d(s, fail);
    for (const a of [0, 1]) {
      if (spec.padding[a] * 2 > spec.kernelSize[a])
        fail(`padding ${spec.padding[a]} exceeds half the kernel ${spec.kernelSize[a]}`);
    }
    const size = (a: 0 | 1) =>
      poolOutputSize(
        s[2 + a],
        spec.kernelSize[a],
        spec.stride[a],
        spec.padding[a],
        spec.dilation[a],
        spec.ceilMode,
      );
    const [oh, ow] = [size(0), size(1)];
    if (oh < 1 || ow < 1)
      fail(`the ${s[2]}x${s[3]} map is smaller than the ${spec.kernelSize.join('x')} window`);
    return { outputShape: [s[0], s[1], oh, ow] };
  },
  // pooling is measured by the audit (Eqs. 7-13 do not cover it)
  audit: () => ({ kind: 'pool' }),
};
