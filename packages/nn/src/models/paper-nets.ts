import type { PReLUSpec } from '../layers/prelu';
import { DEFAULT_PRELU_INIT } from '../layers/prelu';
import type { ReLUSpec } from '../layers/relu';
import { inferLayer, type LayerSpec } from '../spec';
import type { ModelLayerSpec, ModelSpec, WeightInit } from './model-spec';
import {
  type ActivationChoice,
  type InitChoice,
  type PaperModelOptions,
  type ResolvedOptions,
  resolveOptions,
} from './options';

/*
 * The networks of He et al. 2015 as model specs. Choices where the paper is silent (each also in the
 * README):
 * - Paddings. 3x3 convs: 1 ('same'). The 7x7/2 conv1: 3, so 224 -> 112, the map sizes Table 3 lists (and
 *   with it the multiply-adds of A/B/C agree with Table 3 within 1%). 2x2 convs (14- and 30-layer
 *   models): padding alternates 1, 0, 1, 0, … within a stage (size +1 then −1), so every pair keeps the
 *   map size. At 224 the 14-layer model then pools 37x37 maps in stage 2 and 18x18 in stage 3, and the
 *   SPP levels {6,3,2,1} all divide 18; and the 30-layer model can add 16 more 2x2 layers without the
 *   map collapsing (unpadded, stage 3 would shrink 16 -> 10 with 6 layers and below 0 with 22).
 * - Pooling: max pooling everywhere, SPP included (as in SPP-net [11]); pool1 of the 14-layer model is
 *   3x3 /3, pool2 2x2 /2 (Table 1); A/B/C use 2x2 /2 (Table 3).
 * - Activation after every conv and after fc1, fc2; none after fc3 (P §2.1: 13 PReLUs in 14 layers).
 * - Dropout 0.5 after the fc1 and fc2 activations (§3; the 14-layer model's placement is not stated and
 *   follows the same rule).
 * - The 30-layer model (Fig. 3) inserts its 16 extra 2x2/256 layers at the end of stage 3 (conv3_7 …
 *   conv3_22), where the 256-filter layers are: the paper says only "we add up to sixteen conv layers
 *   with 256 2×2 filters in the model in Table 1".
 * - Layer names follow the paper: conv1, pool1, conv2_1, …, spp, fc1, fc2, fc3; an activation is named
 *   after its layer (`conv2_1_prelu`, `fc1_relu`), dropout `fc1_drop`.
 */

function scaled(c: number, width: number): number {
  return Math.max(1, Math.round(c * width));
}

/**
 * The weight init of an `InitChoice` for layers followed by `activation` whose PReLU slopes start at
 * `preluInit` (the prelu-aware rule, Eq. 15, uses that slope): what the paper's models use for their
 * conv layers, exported so that other model builders (the CLI's) apply the same rule.
 * @example convWeightInit('prelu-aware', 'prelu', 0.25) // { kind: 'kaiming', mode: 'fan_out', nonlinearity: 'prelu', a: 0.25 }
 */
export function convWeightInit(
  init: InitChoice,
  activation: ActivationChoice,
  preluInit = DEFAULT_PRELU_INIT,
): WeightInit {
  const mode = init.endsWith('fan-in') ? 'fan_in' : 'fan_out';
  if (init === 'pytorch-default') return { kind: 'default' };
  if (init.startsWith('xavier')) return { kind: 'kaiming', mode, nonlinearity: 'linear' };
  if (init.startsWith('prelu-aware') && activation !== 'relu') {
    return { kind: 'kaiming', mode, nonlinearity: 'prelu', a: preluInit };
  }
  return { kind: 'kaiming', mode, nonlinearity: 'relu' };
}

/**
 * The rectifier after a weight layer with `channels` outputs: ReLU, a channel-wise ('prelu') or a
 * channel-shared ('prelu-shared') PReLU starting at `preluInit` (default: PReLU's own, 0.25).
 * @example activationSpec('prelu', 64) // { type: 'prelu', numParameters: 64, init: 0.25 }
 */
export function activationSpec(
  activation: ActivationChoice,
  channels: number,
  preluInit = DEFAULT_PRELU_INIT,
): ReLUSpec | PReLUSpec {
  if (activation === 'relu') return { type: 'relu' };
  return { type: 'prelu', numParameters: activation === 'prelu' ? channels : 1, init: preluInit };
}

/**
 * The init of a weight layer followed by the rectifier `act` (its layer spec): the prelu-aware rule
 * (Eq. 15) reads the slope from that layer itself (a PReLU's `init`, a LeakyReLU's `negativeSlope`),
 * so a model builder cannot initialise for one slope and build its PReLUs with another.
 * @example initBeforeActivation('prelu-aware', activationSpec('prelu', 64, 0.1)) // { ..., nonlinearity: 'prelu', a: 0.1 }
 */
export function initBeforeActivation(init: InitChoice, act: LayerSpec): WeightInit {
  if (act.type === 'prelu') return convWeightInit(init, 'prelu', act.init);
  if (act.type === 'leakyRelu') return convWeightInit(init, 'prelu', act.negativeSlope);
  return convWeightInit(init, 'relu');
}

function convInit(o: ResolvedOptions): WeightInit {
  return initBeforeActivation(o.init, activationSpec(o.activation, 1, o.preluInit));
}

/** Accumulates named layers and tracks the channel count. */
class Builder {
  readonly layers: ModelLayerSpec[] = [];
  channels: number;
  constructor(
    readonly o: ResolvedOptions,
    inChannels: number,
  ) {
    this.channels = inChannels;
  }

  conv(name: string, out: number, k: number, stride: number, padding: number): void {
    this.layers.push({
      name,
      spec: {
        type: 'conv2d',
        inChannels: this.channels,
        outChannels: out,
        kernelSize: [k, k],
        stride: [stride, stride],
        padding: [padding, padding],
        dilation: [1, 1],
        groups: 1,
        bias: true,
      },
      init: convInit(this.o),
    });
    this.channels = out;
    this.act(name);
  }

  act(name: string): void {
    const spec = activationSpec(this.o.activation, this.channels, this.o.preluInit);
    this.layers.push({ name: `${name}_${spec.type}`, spec });
  }

  maxPool(name: string, k: number, stride: number): void {
    this.layers.push({
      name,
      spec: {
        type: 'maxPool2d',
        kernelSize: [k, k],
        stride: [stride, stride],
        padding: [0, 0],
        dilation: [1, 1],
        ceilMode: false,
      },
    });
  }

  /** spp + fc1 (act, dropout) + fc2 (act, dropout) + fc3 */
  head(defaultLevels: number[]): void {
    const levels = this.o.sppLevels ?? defaultLevels;
    this.layers.push({ name: 'spp', spec: { type: 'spp', levels, mode: this.o.sppMode } });
    this.fcs(this.channels * levels.reduce((s, n) => s + n * n, 0));
  }

  /** fc1 (act, dropout) + fc2 (act, dropout) + fc3 on `features` inputs */
  fcs(inFeatures: number): void {
    const o = this.o;
    const hidden = scaled(4096, o.width);
    let features = inFeatures;
    const stds = [0.01, 0.01, 0.001];
    const outs = [hidden, hidden, o.numClasses];
    outs.forEach((out, i) => {
      const name = `fc${i + 1}`;
      const init: WeightInit = o.fcInit === 'paper' ? { kind: 'normal', std: stds[i] } : convInit(o);
      this.layers.push({
        name,
        spec: { type: 'linear', inFeatures: features, outFeatures: out, bias: true },
        init,
      });
      features = out;
      this.channels = out;
      if (i < 2) {
        this.act(name);
        if (o.dropout > 0)
          this.layers.push({ name: `${name}_drop`, spec: { type: 'dropout', p: o.dropout } });
      }
    });
  }

  /** 2x2 convs with alternating padding 1, 0, 1, … */
  convs2x2(stage: number, count: number, out: number, first = 1): void {
    for (let i = 0; i < count; i++) {
      const index = first + i;
      this.conv(`conv${stage}_${index}`, out, 2, 1, (index - 1) % 2 === 0 ? 1 : 0);
    }
  }

  finish(name: string): ModelSpec {
    const inputShape: [number, number, number] = [this.o.inChannels, this.o.inputSize, this.o.inputSize];
    let shape = [1, ...inputShape];
    for (const l of this.layers) shape = inferLayer(l.spec, shape, `${name}: ${l.name}`).outputShape;
    return { name, inputShape, layers: this.layers };
  }
}

function build14(fn: string, opts: PaperModelOptions, extra: number): ModelSpec {
  const o = resolveOptions(fn, opts, fn === 'model30Spec' ? ['extraLayers'] : []);
  const w = (c: number) => scaled(c, o.width);
  const b = new Builder(o, o.inChannels);
  b.conv('conv1', w(64), 7, 2, 3);
  b.maxPool('pool1', 3, 3);
  b.convs2x2(2, 4, w(128));
  b.maxPool('pool2', 2, 2);
  b.convs2x2(3, 6 + extra, w(256));
  b.head([6, 3, 2, 1]);
  return b.finish(extra === 0 ? 'model-14' : `model-${14 + extra}`);
}

/**
 * Spec of the 14-layer model of Table 1 (model E of He & Sun 2014): conv1 7x7/2 64, pool1 3x3/3,
 * conv2_1-4 2x2 128, pool2 2x2/2, conv3_1-6 2x2 256, spp {6,3,2,1}, fc1 4096, fc2 4096, fc3 1000.
 * At 224x224: 1.004e9 multiply-adds (with this file's paddings) and 75.0M parameters (PReLU channel-wise).
 */
export function model14Spec(opts: PaperModelOptions = {}): ModelSpec {
  return build14('model14Spec', opts, 0);
}

/** Options of {@link model30Spec}. */
export interface Model30Options extends PaperModelOptions {
  /** number of 2x2 256-filter conv layers added to the 14-layer model, 0..16, default 16 (30 layers) */
  extraLayers?: number;
}

/**
 * Spec of the deep plain net of Fig. 3: the 14-layer model with `extraLayers` (default 16) more 2x2
 * 256-filter conv layers appended to stage 3 (conv3_7 … conv3_22): 27 conv + 3 fc = 30 weight layers.
 * The paper used it with ReLU to compare He and "Xavier" init (pass `activation: 'relu'`).
 */
export function model30Spec(opts: Model30Options = {}): ModelSpec {
  const extra = opts?.extraLayers ?? 16;
  if (!Number.isInteger(extra) || extra < 0 || extra > 16) {
    throw new RangeError(
      `model30Spec: extraLayers must be an integer in [0, 16] ("up to sixteen"), got ${extra}`,
    );
  }
  return build14('model30Spec', opts, extra);
}

function buildABC(fn: string, variant: 'A' | 'B' | 'C', opts: PaperModelOptions): ModelSpec {
  const o = resolveOptions(fn, opts);
  const w = (c: number) => scaled(c, o.width);
  const perStage = variant === 'A' ? 5 : 6;
  const widths = variant === 'C' ? [384, 768, 896] : [256, 512, 512];
  const b = new Builder(o, o.inChannels);
  b.conv('conv1', w(96), 7, 2, 3);
  b.maxPool('pool1', 2, 2);
  widths.forEach((c, s) => {
    for (let i = 1; i <= perStage; i++) b.conv(`conv${s + 2}_${i}`, w(c), 3, 1, 1);
    if (s < 2) b.maxPool(`pool${s + 2}`, 2, 2);
  });
  b.head([7, 3, 2, 1]);
  return b.finish(`model-${variant.toLowerCase()}`);
}

/**
 * Spec of model A of Table 3 (19 layers): conv1 7x7/2 96, 2x2 maxpool /2, 5 x 3x3 256 at 56x56,
 * maxpool, 5 x 3x3 512 at 28x28, maxpool, 5 x 3x3 512 at 14x14, spp {7,3,2,1} (63 bins), fc 4096,
 * 4096, 1000. 1.906 x 10^10 multiply-adds at 224x224 (Table 3: 1.90).
 */
export function modelASpec(opts: PaperModelOptions = {}): ModelSpec {
  return buildABC('modelASpec', 'A', opts);
}

/** Spec of model B of Table 3 (22 layers: A with 6 convs per stage). 2.322 x 10^10 multiply-adds (Table 3: 2.32). */
export function modelBSpec(opts: PaperModelOptions = {}): ModelSpec {
  return buildABC('modelBSpec', 'B', opts);
}

/** Spec of model C of Table 3 (B with 384/768/896 filters). 5.346 x 10^10 multiply-adds (Table 3: 5.30). */
export function modelCSpec(opts: PaperModelOptions = {}): ModelSpec {
  return buildABC('modelCSpec', 'C', opts);
}

/** Options of {@link vgg19Spec}: those of the paper's models except the SPP ones (VGG-19 has none). */
export type Vgg19Options = Omit<PaperModelOptions, 'sppLevels' | 'sppMode'>;

/**
 * Spec of VGG-19 [25], Table 3's comparison model: 3x3 convs 64 x2, 128 x2, 256 x4, 512 x4, 512 x4
 * ('same' padding) with a 2x2 max pool /2 after each stage, then an adaptive average pool to 7x7 (as
 * torchvision's `vgg19`, so any input of at least 32x32 works; an identity at 224x224), fc 4096, 4096,
 * classes. The activations, inits and dropout follow the paper's A/B/C (PReLU channel-wise and He
 * fan-out by default; `activation: 'relu'` gives the original). 1.963 x 10^10 multiply-adds at
 * 224x224 (Table 3: 1.96).
 */
export function vgg19Spec(opts: Vgg19Options = {}): ModelSpec {
  const o = resolveOptions('vgg19Spec', opts as PaperModelOptions);
  if (
    (opts as PaperModelOptions)?.sppLevels !== undefined ||
    (opts as PaperModelOptions)?.sppMode !== undefined
  )
    throw new TypeError('vgg19Spec: VGG-19 has no SPP layer; sppLevels and sppMode are not options of it');
  const w = (c: number) => scaled(c, o.width);
  const b = new Builder(o, o.inChannels);
  const stages: Array<[number, number]> = [
    [2, 64],
    [2, 128],
    [4, 256],
    [4, 512],
    [4, 512],
  ];
  stages.forEach(([count, c], s) => {
    for (let i = 1; i <= count; i++) b.conv(`conv${s + 1}_${i}`, w(c), 3, 1, 1);
    b.maxPool(`pool${s + 1}`, 2, 2);
  });
  b.layers.push({ name: 'avgpool', spec: { type: 'adaptiveAvgPool2d', outputSize: [7, 7] } });
  b.layers.push({ name: 'flatten', spec: { type: 'flatten', startDim: 1, endDim: -1 } });
  b.fcs(b.channels * 49);
  return b.finish('vgg19');
}
