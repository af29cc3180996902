/**
 * The ResNet family (He, Zhang, Ren & Sun 2016) in torchvision's layout, so that torchvision's
 * `resnet18/34/50` state dicts load with `loadStateDict(strict)`: the same modules under the same
 * names (`conv1`, `bn1`, `layer1.0.conv1`, `layer2.0.downsample.0`, `fc`, ...), bias-free convs, the
 * stride of a bottleneck on its 3x3 conv (torchvision's "ResNet v1.5"), and torchvision's init: He
 * normal with fan-out (this paper's Eq. 14) on every conv, BN weight 1 and bias 0, PyTorch's default
 * for the fc layer.
 */

import { kaimingNormal_ } from '@rectifier/init';
import { type Generator, noGrad, type Tensor } from '@rectifier/tensor';
import { AdaptiveAvgPool2d } from '../layers/adaptive-avg-pool2d';
import { Add } from '../layers/add';
import { BatchNorm2d } from '../layers/batch-norm';
import { Conv2d } from '../layers/conv2d';
import { Linear } from '../layers/linear';
import { MaxPool2d } from '../layers/max-pool2d';
import { PReLU } from '../layers/prelu';
import { ReLU } from '../layers/relu';
import { Module } from '../module';
import { checkBool, checkInt, checkNumber, checkOneOf, checkOptions } from '../options';
import { Sequential } from '../sequential';
import { resolveGenerator } from './build-model';

/** Options of {@link resnet18}, {@link resnet34}, {@link resnet50} and {@link ResNet}. */
export interface ResNetOptions {
  /** default 1000 (ImageNet) */
  numClasses?: number;
  /** input channels, default 3 */
  inChannels?: number;
  /**
   * 'relu' (default, torchvision's) or 'prelu': a channel-wise PReLU (this paper's Eq. 1) in place of
   * every ReLU, each with its own slopes (`relu` -> `prelu` in the stem, `prelu1`, `prelu2`(, `prelu3`)
   * in the blocks); its convs are then initialised for the PReLU's initial slope (Eq. 15).
   */
  activation?: 'relu' | 'prelu';
  /** initial PReLU slope, default 0.25 */
  preluInit?: number;
  /**
   * start the last BN of every residual block at weight 0, so each block starts as the identity
   * (torchvision's `zero_init_residual`; Goyal et al. 2017); default false
   */
  zeroInitResidual?: boolean;
  /** seed of a fresh Generator for the weights; exclusive with `generator` */
  seed?: number;
  generator?: Generator;
  /** parameter dtype, default 'float32' */
  dtype?: 'float32' | 'float64';
}

/** What a block's constructor needs (resolved options). */
interface BlockConfig {
  readonly prelu: boolean;
  readonly preluInit: number;
  readonly generator: Generator | undefined;
  readonly dtype: 'float32' | 'float64';
}

function conv(
  c: BlockConfig,
  inChannels: number,
  outChannels: number,
  kernelSize: number,
  stride = 1,
  padding = Math.floor(kernelSize / 2),
): Conv2d {
  return new Conv2d({
    inChannels,
    outChannels,
    kernelSize,
    stride,
    padding,
    bias: false,
    generator: c.generator,
    dtype: c.dtype,
  });
}

function bn(c: BlockConfig, channels: number): BatchNorm2d {
  return new BatchNorm2d({ numFeatures: channels, dtype: c.dtype });
}

function act(c: BlockConfig, channels: number): Module {
  return c.prelu ? new PReLU({ numParameters: channels, init: c.preluInit, dtype: c.dtype }) : new ReLU();
}

/** The 1x1 projection shortcut (conv + BN) where a block changes width or resolution. */
function downsample(c: BlockConfig, inChannels: number, outChannels: number, stride: number): Sequential {
  return new Sequential(conv(c, inChannels, outChannels, 1, stride, 0), bn(c, outChannels));
}

/** A residual block: its output channels and the BN to zero for `zeroInitResidual`. */
export interface ResidualBlock extends Module {
  readonly lastBn: BatchNorm2d;
}

/**
 * Two 3x3 convs with BN and a shortcut (ResNet-18/34): y = act(bn2(conv2(act(bn1(conv1(x))))) + s(x)),
 * s = identity or `downsample` (1x1 conv + BN).
 */
export class BasicBlock extends Module implements ResidualBlock {
  static readonly expansion = 1;
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu: Module | null;
  prelu1: Module | null;
  conv2: Conv2d;
  bn2: BatchNorm2d;
  prelu2: Module | null;
  downsample: Sequential | null;
  /** the residual sum as a module (no parameters), so summaries, audits and exports see the merge */
  add = new Add();

  constructor(c: BlockConfig, inplanes: number, planes: number, stride: number) {
    super();
    this.conv1 = conv(c, inplanes, planes, 3, stride);
    this.bn1 = bn(c, planes);
    // torchvision reuses one parameter-free ReLU; PReLUs need their own slopes per position
    this.relu = c.prelu ? null : act(c, planes);
    this.prelu1 = c.prelu ? act(c, planes) : null;
    this.conv2 = conv(c, planes, planes, 3);
    this.bn2 = bn(c, planes);
    this.prelu2 = c.prelu ? act(c, planes) : null;
    this.downsample = stride !== 1 || inplanes !== planes ? downsample(c, inplanes, planes, stride) : null;
  }

  override get typeName(): string {
    return 'BasicBlock';
  }

  get lastBn(): BatchNorm2d {
    return this.bn2;
  }

  /** The forward on shapes, for `summary` (see `ShapeForward`). */
  inferForward(
    x: readonly number[],
    child: (name: string, ...s: (readonly number[])[]) => number[],
  ): number[] {
    const [a1, a2] = this.prelu1 ? ['prelu1', 'prelu2'] : ['relu', 'relu'];
    const h = child(a1, child('bn1', child('conv1', x)));
    const y = child('bn2', child('conv2', h));
    return child(a2, child('add', y, this.downsample ? child('downsample', x) : x));
  }

  forward(x: Tensor): Tensor {
    const a1 = (this.prelu1 ?? this.relu) as Module;
    const a2 = (this.prelu2 ?? this.relu) as Module;
    const h = a1.call(this.bn1.call(this.conv1.call(x)));
    const y = this.bn2.call(this.conv2.call(h));
    const shortcut = this.downsample ? this.downsample.call(x) : x;
    return a2.call(this.add.call(y, shortcut));
  }
}

/**
 * 1x1 (reduce), 3x3 (with the stride), 1x1 (expand x4) convs with BN and a shortcut (ResNet-50 and
 * deeper; torchvision's v1.5 places the stride on the 3x3 conv, not the first 1x1).
 */
export class Bottleneck extends Module implements ResidualBlock {
  static readonly expansion = 4;
  conv1: Conv2d;
  bn1: BatchNorm2d;
  prelu1: Module | null;
  conv2: Conv2d;
  bn2: BatchNorm2d;
  prelu2: Module | null;
  conv3: Conv2d;
  bn3: BatchNorm2d;
  relu: Module | null;
  prelu3: Module | null;
  downsample: Sequential | null;
  /** the residual sum as a module (no parameters), so summaries, audits and exports see the merge */
  add = new Add();

  constructor(c: BlockConfig, inplanes: number, planes: number, stride: number) {
    super();
    const out = planes * Bottleneck.expansion;
    this.conv1 = conv(c, inplanes, planes, 1, 1, 0);
    this.bn1 = bn(c, planes);
    this.prelu1 = c.prelu ? act(c, planes) : null;
    this.conv2 = conv(c, planes, planes, 3, stride);
    this.bn2 = bn(c, planes);
    this.prelu2 = c.prelu ? act(c, planes) : null;
    this.conv3 = conv(c, planes, out, 1, 1, 0);
    this.bn3 = bn(c, out);
    this.relu = c.prelu ? null : act(c, out);
    this.prelu3 = c.prelu ? act(c, out) : null;
    this.downsample = stride !== 1 || inplanes !== out ? downsample(c, inplanes, out, stride) : null;
  }

  override get typeName(): string {
    return 'Bottleneck';
  }

  get lastBn(): BatchNorm2d {
    return this.bn3;
  }

  /** The forward on shapes, for `summary` (see `ShapeForward`). */
  inferForward(
    x: readonly number[],
    child: (name: string, ...s: (readonly number[])[]) => number[],
  ): number[] {
    const [a1, a2, a3] = this.prelu1 ? ['prelu1', 'prelu2', 'prelu3'] : ['relu', 'relu', 'relu'];
    const h1 = child(a1, child('bn1', child('conv1', x)));
    const h2 = child(a2, child('bn2', child('conv2', h1)));
    const y = child('bn3', child('conv3', h2));
    return child(a3, child('add', y, this.downsample ? child('downsample', x) : x));
  }

  forward(x: Tensor): Tensor {
    const [a1, a2, a3] = [this.prelu1, this.prelu2, this.prelu3].map((p) => (p ?? this.relu) as Module);
    const h1 = a1.call(this.bn1.call(this.conv1.call(x)));
    const h2 = a2.call(this.bn2.call(this.conv2.call(h1)));
    const y = this.bn3.call(this.conv3.call(h2));
    const shortcut = this.downsample ? this.downsample.call(x) : x;
    return a3.call(this.add.call(y, shortcut));
  }
}

type BlockClass = (typeof BasicBlock | typeof Bottleneck) & {
  new (c: BlockConfig, inplanes: number, planes: number, stride: number): ResidualBlock;
};

const resnetKeys = [
  'numClasses',
  'inChannels',
  'activation',
  'preluInit',
  'zeroInitResidual',
  'seed',
  'generator',
  'dtype',
];

/**
 * An ImageNet ResNet: 7x7/2 conv, BN, activation, 3x3/2 max pool, four stages of residual blocks
 * (64, 128, 256, 512 planes; stages 2-4 start with stride 2), global average pool, fc. Use the
 * factories {@link resnet18}, {@link resnet34}, {@link resnet50}.
 */
export class ResNet extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu: Module | null;
  prelu: Module | null;
  maxpool: MaxPool2d;
  layer1: Sequential;
  layer2: Sequential;
  layer3: Sequential;
  layer4: Sequential;
  avgpool: AdaptiveAvgPool2d;
  fc: Linear;
  readonly depth: number;

  constructor(fn: string, block: BlockClass, layers: readonly number[], opts: ResNetOptions = {}) {
    super();
    checkOptions(fn, opts, resnetKeys);
    const numClasses = checkInt(fn, 'numClasses', opts.numClasses ?? 1000);
    const inChannels = checkInt(fn, 'inChannels', opts.inChannels ?? 3);
    const activation = checkOneOf(fn, 'activation', opts.activation ?? 'relu', ['relu', 'prelu'] as const);
    const preluInit = checkNumber(fn, 'preluInit', opts.preluInit ?? 0.25);
    const zeroInitResidual = checkBool(fn, 'zeroInitResidual', opts.zeroInitResidual ?? false);
    const dtype = checkOneOf(fn, 'dtype', opts.dtype ?? 'float32', ['float32', 'float64'] as const);
    const generator = resolveGenerator(fn, opts);
    const c: BlockConfig = { prelu: activation === 'prelu', preluInit, generator, dtype };
    this.depth = layers.reduce((s, n) => s + n, 0) * (block.expansion === 1 ? 2 : 3) + 2;

    this.conv1 = conv(c, inChannels, 64, 7, 2, 3);
    this.bn1 = bn(c, 64);
    this.relu = c.prelu ? null : act(c, 64);
    this.prelu = c.prelu ? act(c, 64) : null;
    this.maxpool = new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 });
    let inplanes = 64;
    const stage = (planes: number, blocks: number, stride: number): Sequential => {
      const s = new Sequential();
      for (let i = 0; i < blocks; i++) {
        s.append(new block(c, inplanes, planes, i === 0 ? stride : 1));
        inplanes = planes * block.expansion;
      }
      return s;
    };
    this.layer1 = stage(64, layers[0], 1);
    this.layer2 = stage(128, layers[1], 2);
    this.layer3 = stage(256, layers[2], 2);
    this.layer4 = stage(512, layers[3], 2);
    this.avgpool = new AdaptiveAvgPool2d({ outputSize: 1 });
    this.fc = new Linear({ inFeatures: 512 * block.expansion, outFeatures: numClasses, generator, dtype });

    // torchvision's init: kaiming_normal_(mode='fan_out', nonlinearity='relu') on every conv (Eq. 14;
    // Eq. 15 with the initial slope for PReLU nets); BN weight 1, bias 0 (their constructor's values)
    const kaiming = c.prelu
      ? ({ mode: 'fan_out', nonlinearity: 'prelu', a: preluInit } as const)
      : ({ mode: 'fan_out', nonlinearity: 'relu' } as const);
    noGrad(() => {
      for (const m of this.modules()) {
        if (m instanceof Conv2d) kaimingNormal_(m.weight, { ...kaiming, generator });
      }
      if (zeroInitResidual) {
        for (const m of this.modules()) {
          if (m instanceof BasicBlock || m instanceof Bottleneck) {
            const w = m.lastBn.weight;
            if (w) {
              const zero = w.mul(0);
              w.assign(zero);
              zero.dispose();
            }
          }
        }
      }
    });
  }

  override get typeName(): string {
    return 'ResNet';
  }

  /** The forward on shapes, for `summary` (see `ShapeForward`). */
  inferForward(
    x: readonly number[],
    child: (name: string, ...s: (readonly number[])[]) => number[],
  ): number[] {
    let h = child(this.prelu ? 'prelu' : 'relu', child('bn1', child('conv1', x)));
    h = child('maxpool', h);
    for (const stage of ['layer1', 'layer2', 'layer3', 'layer4']) h = child(stage, h);
    const pooled = child('avgpool', h);
    return child('fc', [pooled[0], pooled.slice(1).reduce((a, d) => a * d, 1)]);
  }

  /** x: [N, inChannels, H, W] (H, W >= 1; 224 for ImageNet) -> logits [N, numClasses]. */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== this.conv1.inChannels) {
      throw new RangeError(
        `ResNet-${this.depth}: expected input [N, ${this.conv1.inChannels}, H, W], got [${x.shape.join(', ')}]`,
      );
    }
    const a = (this.prelu ?? this.relu) as Module;
    let h = this.maxpool.call(a.call(this.bn1.call(this.conv1.call(x))));
    h = this.layer4.call(this.layer3.call(this.layer2.call(this.layer1.call(h))));
    return this.fc.call(this.avgpool.call(h).flatten(1));
  }
}

/** The three depths of the zoo: block kind and blocks per stage (torchvision's table). */
const ARCHITECTURES = {
  resnet18: { bottleneck: false, layers: [2, 2, 2, 2] },
  resnet34: { bottleneck: false, layers: [3, 4, 6, 3] },
  resnet50: { bottleneck: true, layers: [3, 4, 6, 3] },
} as const;

/** A zoo ResNet's name. */
export type ResNetName = keyof typeof ARCHITECTURES;

/**
 * Sizes of a zoo ResNet from its options alone (nothing is allocated): learnable parameters and
 * buffer elements (BN running mean, variance and batch count), i.e. what `parameterCount()` and the
 * state dict of the built model hold. For checks that must run before a model is built (a CLI
 * checkpoint's claimed size).
 *
 * @example
 * resnetSize('resnet18').parameters; // 11689512
 */
export function resnetSize(
  name: ResNetName,
  opts: Pick<ResNetOptions, 'numClasses' | 'inChannels' | 'activation'> = {},
): { parameters: number; buffers: number } {
  const arch = ARCHITECTURES[name];
  if (arch === undefined)
    throw new TypeError(`resnetSize: unknown ResNet ${JSON.stringify(name)} (resnet18, resnet34, resnet50)`);
  const prelu = opts.activation === 'prelu';
  const numClasses = opts.numClasses ?? 1000;
  let parameters = 0;
  let buffers = 0;
  const conv = (i: number, o: number, k: number) => {
    parameters += o * i * k * k;
  };
  const bn = (c: number) => {
    parameters += 2 * c;
    buffers += 2 * c + 1;
  };
  const act = (c: number) => {
    if (prelu) parameters += c;
  };
  conv(opts.inChannels ?? 3, 64, 7);
  bn(64);
  act(64);
  const expansion = arch.bottleneck ? 4 : 1;
  let inplanes = 64;
  arch.layers.forEach((blocks, s) => {
    const planes = 64 * 2 ** s;
    const out = planes * expansion;
    for (let b = 0; b < blocks; b++) {
      const stride = b === 0 && s > 0 ? 2 : 1;
      if (arch.bottleneck) {
        conv(inplanes, planes, 1);
        conv(planes, planes, 3);
        conv(planes, out, 1);
        for (const c of [planes, planes, out]) {
          bn(c);
          act(c);
        }
      } else {
        conv(inplanes, planes, 3);
        conv(planes, planes, 3);
        for (const c of [planes, planes]) {
          bn(c);
          act(c);
        }
      }
      if (stride !== 1 || inplanes !== out) {
        conv(inplanes, out, 1);
        bn(out);
      }
      inplanes = out;
    }
  });
  parameters += inplanes * numClasses + numClasses;
  return { parameters, buffers };
}

/**
 * ResNet-18 (BasicBlock x [2, 2, 2, 2]; 11,689,512 parameters, 1.82 G multiply-adds at 224x224), in
 * torchvision's layout and init; see {@link ResNetOptions}.
 *
 * @example
 * const net = resnet18({ numClasses: 10, seed: 0 });
 * net.call(randn([2, 3, 64, 64])).shape; // [2, 10]
 */
export function resnet18(opts: ResNetOptions = {}): ResNet {
  return new ResNet('resnet18', BasicBlock as BlockClass, ARCHITECTURES.resnet18.layers, opts);
}

/** ResNet-34 (BasicBlock x [3, 4, 6, 3]; 21,797,672 parameters, 3.67 G multiply-adds); see {@link resnet18}. */
export function resnet34(opts: ResNetOptions = {}): ResNet {
  return new ResNet('resnet34', BasicBlock as BlockClass, ARCHITECTURES.resnet34.layers, opts);
}

/**
 * ResNet-50 (Bottleneck x [3, 4, 6, 3], stride on the 3x3 conv; 25,557,032 parameters, 4.1 G
 * multiply-adds); see {@link resnet18}.
 */
export function resnet50(opts: ResNetOptions = {}): ResNet {
  return new ResNet('resnet50', Bottleneck as BlockClass, ARCHITECTURES.resnet50.layers, opts);
}
