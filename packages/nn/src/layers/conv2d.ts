import { uniform } from '@rectifier/init';
import { conv2d, type DType, type Generator, type Parameter, type Tensor } from '@rectifier/tensor';
import { convOutputSize } from '../geometry';
import { checkInputs, type LayerDefinition, need4d } from '../layer-definition';
import { Module } from '../module';
import { checkBool, checkInt, checkOptions, pair } from '../options';
import { toParameter } from '../param';

/** Options of {@link Conv2d}. Sizes are a number or an [h, w] pair. */
export interface Conv2dOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: number | [number, number];
  /** default 1 */
  stride?: number | [number, number];
  /** zero padding on both sides, default 0 */
  padding?: number | [number, number];
  /** default 1 */
  dilation?: number | [number, number];
  /** default 1; inChannels and outChannels must be divisible by it */
  groups?: number;
  /** default true */
  bias?: boolean;
  /** default 'float32' */
  dtype?: DType;
  /** RNG for the default initialization */
  generator?: Generator;
}

/** The spec of a {@link Conv2d}: every option resolved, 2-D sizes as [h, w] pairs. */
export interface Conv2dSpec {
  type: 'conv2d';
  inChannels: number;
  outChannels: number;
  kernelSize: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
  bias: boolean;
}

const keys = [
  'inChannels',
  'outChannels',
  'kernelSize',
  'stride',
  'padding',
  'dilation',
  'groups',
  'bias',
  'dtype',
  'generator',
];

/**
 * 2-D convolution over an NCHW input: y = W ⋆ x + b, with `weight` [outChannels, inChannels/groups,
 * kH, kW] (OIHW, the PyTorch and ONNX layout) and `bias` [outChannels] (or null).
 *
 * Default initialization (PyTorch's): weight and bias from U(−1/sqrt(fanIn), 1/sqrt(fanIn)),
 * fanIn = (inChannels/groups)·kH·kW. The paper's networks replace it with He init (Eq. 14) and zero
 * biases; see the model factories or `kaimingNormal_` from `@rectifier/init`.
 *
 * @example
 * const conv = new Conv2d({ inChannels: 3, outChannels: 96, kernelSize: 7, stride: 2, padding: 3 });
 * conv.call(x); // [N, 3, 224, 224] -> [N, 96, 112, 112]
 */
export class Conv2d extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(opts: Conv2dOptions) {
    super();
    const fn = 'Conv2d';
    checkOptions(fn, opts, keys);
    if (opts === undefined)
      throw new TypeError('Conv2d: options { inChannels, outChannels, kernelSize } are required');
    this.inChannels = checkInt(fn, 'inChannels', opts.inChannels);
    this.outChannels = checkInt(fn, 'outChannels', opts.outChannels);
    this.kernelSize = pair(fn, 'kernelSize', opts.kernelSize, 1);
    this.stride = pair(fn, 'stride', opts.stride ?? 1, 1);
    this.padding = pair(fn, 'padding', opts.padding ?? 0, 0);
    this.dilation = pair(fn, 'dilation', opts.dilation ?? 1, 1);
    this.groups = checkInt(fn, 'groups', opts.groups ?? 1);
    const hasBias = checkBool(fn, 'bias', opts.bias ?? true);
    if (this.inChannels % this.groups !== 0 || this.outChannels % this.groups !== 0) {
      throw new RangeError(
        `Conv2d: inChannels ${this.inChannels} and outChannels ${this.outChannels} must be divisible by groups ${this.groups}`,
      );
    }
    const fanIn = (this.inChannels / this.groups) * this.kernelSize[0] * this.kernelSize[1];
    const bound = 1 / Math.sqrt(fanIn);
    const init = { a: -bound, b: bound, generator: opts.generator, dtype: opts.dtype };
    const wShape = [this.outChannels, this.inChannels / this.groups, ...this.kernelSize];
    this.weight = toParameter(uniform(wShape, init));
    this.bias = hasBias ? toParameter(uniform([this.outChannels], init)) : null;
  }

  override get typeName(): string {
    return 'Conv2d';
  }

  /** The resolved configuration (see `LayerSpec`). */
  get spec(): Conv2dSpec {
    return {
      type: 'conv2d',
      inChannels: this.inChannels,
      outChannels: this.outChannels,
      kernelSize: [...this.kernelSize],
      stride: [...this.stride],
      padding: [...this.padding],
      dilation: [...this.dilation],
      groups: this.groups,
      bias: this.bias !== null,
    };
  }

  /** x: [N, inChannels, H, W] -> [N, outChannels, OH, OW]. */
  forward(x: Tensor): Tensor {
    checkInputs(conv2dLayer, this.spec, [x.shape], 'Conv2d');
    return conv2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }

  override extraRepr(): string {
    const s = this.spec;
    const parts = [
      `${s.inChannels}, ${s.outChannels}, kernelSize=[${s.kernelSize.join(', ')}]`,
      `stride=[${s.stride.join(', ')}]`,
    ];
    if (s.padding.some((p) => p !== 0)) parts.push(`padding=[${s.padding.join(', ')}]`);
    if (s.dilation.some((d) => d !== 1)) parts.push(`dilation=[${s.dilation.join(', ')}]`);
    if (s.groups !== 1) parts.push(`groups=${s.groups}`);
    if (!s.bias) parts.push('bias=false');
    return parts.join(', ');
  }
}

/** Conv2d in the layer registry: weights O·(C/groups)·kH·kW (+ O), multiply-adds N·O·OH·OW·(C/groups)·kH·kW. */
export const conv2dLayer: LayerDefinition<Conv2dSpec, Conv2d> = {
  type: 'conv2d',
  className: 'Conv2d',
  fromSpec: ({ type: _t, ...o }, { dtype, generator }) => new Conv2d({ ...o, dtype, generator }),
  parameters: (spec) =>
    spec.outChannels * (spec.inChannels / spec.groups) * spec.kernelSize[0] * spec.kernelSize[1] +
    (spec.bias ? spec.outChannels : 0),
  infer(spec, [s], fail) {
    need4d(s, fail);
    if (s[1] !== spec.inChannels) fail(`expects ${spec.inChannels} input channels but got ${s[1]}`);
    const oh = convOutputSize(s[2], spec.kernelSize[0], spec.stride[0], spec.padding[0], spec.dilation[0]);
    const ow = convOutputSize(s[3], spec.kernelSize[1], spec.stride[1], spec.padding[1], spec.dilation[1]);
    if (oh < 1 || ow < 1)
      fail(`the ${s[2]}x${s[3]} map is smaller than the ${spec.kernelSize.join('x')} kernel`);
    const macs =
      s[0] *
      spec.outChannels *
      oh *
      ow *
      (spec.inChannels / spec.groups) *
      spec.kernelSize[0] *
      spec.kernelSize[1];
    return { outputShape: [s[0], spec.outChannels, oh, ow], multiplyAdds: macs };
  },
  audit: (m) => {
    const { kernelSize, stride, padding, dilation } = m;
    return { kind: 'conv', weight: m.weight, geometry: { kernelSize, stride, padding, dilation } };
  },
};
