import {
  type ActivationChoice,
  activationSpec,
  type InitChoice,
  initBeforeActivation,
  type ModelLayerSpec,
  type ModelSpec,
  model14Spec,
  model30Spec,
  modelASpec,
  modelBSpec,
  modelCSpec,
  vgg19Spec,
  type WeightInit,
} from '@rectifier/nn';
import { UserError } from './errors';

/** Models the CLI can build (all sequential `ModelSpec`s of @rectifier/nn). */
export const MODEL_NAMES = [
  'quicknet',
  'model14',
  'model22',
  'model30',
  'plain22',
  'plain30',
  'A',
  'B',
  'C',
  'vgg19',
  'resnet18',
  'resnet34',
  'resnet50',
] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** The residual networks of nn's zoo (torchvision's layout); built by their factories, not from a spec. */
export const RESNETS = ['resnet18', 'resnet34', 'resnet50'] as const;
export type ResNetModelName = (typeof RESNETS)[number];
export const isResNet = (m: ModelName): m is ResNetModelName => (RESNETS as readonly string[]).includes(m);

/**
 * What a ResNet config may set: torchvision's architecture at full width with its init (He fan-out,
 * Eq. 14), ReLU or channel-wise PReLU. Throws a UserError naming the flag otherwise.
 */
export function checkResNetConfig(c: ModelConfig): void {
  if (!isResNet(c.model)) return;
  if (c.width !== 1)
    throw new UserError(`${c.model} has torchvision's widths: --width must be 1, got ${c.width}`);
  if (c.activation === 'prelu-shared')
    throw new UserError(`${c.model} supports --activation relu or prelu (channel-wise), not prelu-shared`);
  if (c.init !== 'he-fan-out')
    throw new UserError(
      `${c.model} uses torchvision's init (he-fan-out, Eq. 14, BN weight 1 and bias 0): --init ${c.init} is not available for it`,
    );
}

/**
 * Table 3's models at the paper's scale: full width, 224x224 input, the paper's fc init (std 0.01,
 * 0.01, 0.001) and its unnormalised inputs (mean subtraction only), and the paper's recipe by default
 * (batch 128 where it fits, s in [256, 512] jitter, 80 epochs).
 */
export const PAPER_SCALE_MODELS: readonly ModelName[] = ['A', 'B', 'C', 'vgg19'];
export const isPaperScale = (m: ModelName): boolean => PAPER_SCALE_MODELS.includes(m);

/** Everything needed to rebuild a model: stored in checkpoints, checked on resume and eval. */
export interface ModelConfig {
  model: ModelName;
  activation: ActivationChoice;
  init: InitChoice;
  /** Width multiplier (quicknet: base channels / 16; paper models: fraction of the paper's widths). */
  width: number;
  /** Side of the square input. */
  inputSize: number;
  inChannels: number;
  numClasses: number;
  /** Dropout after fc1/fc2 of the paper models (§3: 0.5). */
  dropout: number;
  /**
   * plain22/plain30 only: fixed gains of fc1, fc2, fc3 for every init: Gaussian weights with
   * std = gain / sqrt(fan-in). The paper's fixed stds 0.01, 0.01, 0.001 (§4 "fc layers and input
   * scale") on model B's fan-ins (32,256, 4,096, 4,096) are the gains 1.80, 0.64, 0.064
   * (`PAPER_FC_GAIN` of the init-depth experiment). Absent: the fc layers use the conv layers' init.
   */
  fcGain?: [number, number, number];
}

/** Default width of each model at Fashion-MNIST scale. */
export const DEFAULT_WIDTH: Record<ModelName, number> = {
  quicknet: 1,
  model14: 0.25,
  model22: 0.125,
  model30: 0.125,
  plain22: 0.5,
  plain30: 0.5,
  A: 1,
  B: 1,
  C: 1,
  vgg19: 1,
  resnet18: 1,
  resnet34: 1,
  resnet50: 1,
};
/** Default input side of each model at Fashion-MNIST scale (28x28 images are upsampled 2x for the paper models). */
export const DEFAULT_INPUT: Record<ModelName, number> = {
  quicknet: 28,
  model14: 56,
  model22: 56,
  model30: 56,
  plain22: 28,
  plain30: 28,
  A: 224,
  B: 224,
  C: 224,
  vgg19: 224,
  // global average pooling takes any size: 28x28 images as they are (a 1x1 map after the last stage)
  resnet18: 28,
  resnet34: 28,
  resnet50: 28,
};

function convSpec(inC: number, outC: number, k: number, pad: number): ModelLayerSpec['spec'] {
  return {
    type: 'conv2d',
    inChannels: inC,
    outChannels: outC,
    kernelSize: [k, k],
    stride: [1, 1],
    padding: [pad, pad],
    dilation: [1, 1],
    groups: 1,
    bias: true,
  };
}

/**
 * nn's init rule for a weight layer followed by the CLI's rectifier: the prelu-aware form reads the
 * slope from the activation layer nn builds (PReLU's own initial slope), so the two cannot drift.
 */
function initFor(init: InitChoice, activation: ActivationChoice): WeightInit {
  return initBeforeActivation(init, activationSpec(activation, 1));
}

/**
 * A 10-conv-layer rectifier net for 28x28 inputs (the quickstart's model): three stages of 3x3
 * convs (2 x 16w at 28x28, 4 x 32w at 14x14, 4 x 64w at 7x7) with max pooling between them, global
 * average pooling and one fc layer: 11 weight layers, an activation after each conv.
 */
export function quicknetSpec(c: ModelConfig): ModelSpec {
  const layers: ModelLayerSpec[] = [];
  const init = initFor(c.init, c.activation);
  let ch = c.inChannels;
  const act = (name: string) => {
    const spec = activationSpec(c.activation, ch);
    layers.push({ name: `${name}_${spec.type}`, spec });
  };
  const stages: Array<[number, number]> = [
    [2, 16],
    [4, 32],
    [4, 64],
  ];
  stages.forEach(([count, base], s) => {
    for (let i = 1; i <= count; i++) {
      const out = Math.max(1, Math.round(base * c.width));
      const name = `conv${s + 1}_${i}`;
      layers.push({ name, spec: convSpec(ch, out, 3, 1), init });
      ch = out;
      act(name);
    }
    if (s < stages.length - 1) {
      layers.push({
        name: `pool${s + 1}`,
        spec: {
          type: 'maxPool2d',
          kernelSize: [2, 2],
          stride: [2, 2],
          padding: [0, 0],
          dilation: [1, 1],
          ceilMode: false,
        },
      });
    }
  });
  layers.push({ name: 'gap', spec: { type: 'adaptiveAvgPool2d', outputSize: [1, 1] } });
  layers.push({ name: 'flatten', spec: { type: 'flatten', startDim: 1, endDim: -1 } });
  layers.push({
    name: 'fc',
    spec: { type: 'linear', inFeatures: ch, outFeatures: c.numClasses, bias: true },
    init,
  });
  return { name: 'quicknet', inputShape: [c.inChannels, c.inputSize, c.inputSize], layers };
}

/**
 * A deep plain ReLU/PReLU net for the init experiments at 28x28 (`plain22`, `plain30`): conv1 3x3
 * (16w) at 28x28, 2x2 max pool, (depth-4)/2 3x3 convs of 16w channels at 14x14, 2x2 max pool,
 * (depth-4)/2 3x3 convs of 32w channels at 7x7, SPP {3,2,1} (max), fc1 and fc2 of 64w units, fc3.
 * Every conv is 'same'-padded and no map is smaller than 7x7, so the border of the maps changes the
 * variance of the signals little, as at ImageNet scale (the paper's 30-layer model has 2x2 convs
 * that would run on 2x2-5x5 maps at this input size).
 */
export function plainSpec(c: ModelConfig, depth: number): ModelSpec {
  const layers: ModelLayerSpec[] = [];
  const init = initFor(c.init, c.activation);
  let ch = c.inChannels;
  const w = (n: number) => Math.max(1, Math.round(n * c.width));
  const act = (name: string) => {
    const spec = activationSpec(c.activation, ch);
    layers.push({ name: `${name}_${spec.type}`, spec });
  };
  const conv = (name: string, out: number) => {
    layers.push({ name, spec: convSpec(ch, out, 3, 1), init });
    ch = out;
    act(name);
  };
  const pool = (name: string) =>
    layers.push({
      name,
      spec: {
        type: 'maxPool2d',
        kernelSize: [2, 2],
        stride: [2, 2],
        padding: [0, 0],
        dilation: [1, 1],
        ceilMode: false,
      },
    });
  const convs = depth - 4;
  const a = Math.ceil(convs / 2);
  conv('conv1', w(16));
  pool('pool1');
  for (let i = 1; i <= a; i++) conv(`conv2_${i}`, w(16));
  pool('pool2');
  for (let i = 1; i <= convs - a; i++) conv(`conv3_${i}`, w(32));
  layers.push({ name: 'spp', spec: { type: 'spp', levels: [3, 2, 1], mode: 'max' } });
  let features = ch * 14;
  for (const [i, out] of [w(64), w(64), c.numClasses].entries()) {
    const name = `fc${i + 1}`;
    const fcInit: WeightInit = c.fcGain ? { kind: 'normal', std: c.fcGain[i] / Math.sqrt(features) } : init;
    layers.push({
      name,
      spec: { type: 'linear', inFeatures: features, outFeatures: out, bias: true },
      init: fcInit,
    });
    features = out;
    ch = out;
    if (i < 2) {
      act(name);
      if (c.dropout > 0) layers.push({ name: `${name}_drop`, spec: { type: 'dropout', p: c.dropout } });
    }
  }
  return { name: `plain${depth}`, inputShape: [c.inChannels, c.inputSize, c.inputSize], layers };
}

/** SPP levels that fit the final feature map of the paper models at small input sizes. */
function sppFor(model: ModelName, inputSize: number): number[] {
  // model14/30: conv1 /2, pool1 /3, pool2 /2 -> side ~ input / 12; model22 (= B), A, B, C: /2, then three /2 pools -> input / 16.
  const table3 = model === 'model22' || model === 'A' || model === 'B' || model === 'C';
  const side = table3
    ? Math.floor(Math.floor(Math.floor(Math.floor(inputSize / 2) / 2) / 2) / 2)
    : Math.floor(Math.floor(Math.floor(inputSize / 2) / 3) / 2);
  const paper = table3 ? [7, 3, 2, 1] : [6, 3, 2, 1];
  const levels = paper.filter((l) => l <= side);
  return levels.length > 0 ? levels : [1];
}

/** The model spec of a config (paper models at reduced width and input size; fc layers use the conv init). */
export function modelSpecFor(c: ModelConfig): ModelSpec {
  if (isResNet(c.model))
    throw new UserError(`${c.model} is a residual network: it has no sequential layer spec`);
  if (c.model === 'quicknet') return quicknetSpec(c);
  if (c.model === 'plain22' || c.model === 'plain30') {
    if (c.inputSize !== 28) throw new UserError(`${c.model} is built for 28x28 inputs, got ${c.inputSize}`);
    return plainSpec(c, c.model === 'plain22' ? 22 : 30);
  }
  if (isPaperScale(c.model)) return paperScaleSpec(c);
  const common = {
    activation: c.activation,
    init: c.init,
    fcInit: 'same-as-conv' as const,
    numClasses: c.numClasses,
    inChannels: c.inChannels,
    width: c.width,
    inputSize: c.inputSize,
    sppLevels: sppFor(c.model, c.inputSize),
    dropout: c.dropout,
  };
  try {
    const spec =
      c.model === 'model14'
        ? model14Spec(common)
        : c.model === 'model22'
          ? modelBSpec(common)
          : model30Spec(common);
    // fc layers: the forward (fan-in) form, so that the logits start at unit scale. The fan-out form on
    // fc3 (n̂ = 10 classes) would multiply the logits' std by sqrt(n / n̂) ~ 10 (an initial loss of ~15),
    // and the paper's fixed 0.01/0.001 stds are sized for inputs in [-128, 128], not unit-variance ones.
    const fcInit = initFor(
      c.init
        .replace('fan-out', 'fan-in')
        .replace(/^xavier$/, 'xavier-fan-in')
        .replace(/^prelu-aware$/, 'prelu-aware-fan-in') as InitChoice,
      c.activation,
    );
    return {
      ...spec,
      layers: spec.layers.map((l) => (l.spec.type === 'linear' ? { ...l, init: fcInit } : l)),
    };
  } catch (e) {
    throw new UserError(
      `cannot build ${c.model} at input ${c.inputSize}x${c.inputSize}: ${(e as Error).message}`,
    );
  }
}

/**
 * A, B, C or VGG-19 as @rectifier/nn builds them: He fan-out (or the chosen) conv init, the paper's fc
 * stds, nn's PReLU init, dropout after fc1/fc2; only the SPP levels adapt to inputs below 224.
 */
function paperScaleSpec(c: ModelConfig): ModelSpec {
  const common = {
    activation: c.activation,
    init: c.init,
    fcInit: 'paper' as const,
    numClasses: c.numClasses,
    inChannels: c.inChannels,
    width: c.width,
    inputSize: c.inputSize,
    dropout: c.dropout,
  };
  try {
    if (c.model === 'vgg19') return vgg19Spec(common);
    const build = c.model === 'A' ? modelASpec : c.model === 'B' ? modelBSpec : modelCSpec;
    return build({ ...common, sppLevels: sppFor(c.model, c.inputSize) });
  } catch (e) {
    throw new UserError(
      `cannot build ${c.model} at input ${c.inputSize}x${c.inputSize}: ${(e as Error).message}`,
    );
  }
}

/** Compares two model configs; returns a description of the first difference, or null. */
export function configMismatch(a: ModelConfig, b: ModelConfig): string | null {
  for (const k of Object.keys(a) as Array<keyof ModelConfig>) {
    if (a[k] !== b[k])
      return `${k} is ${JSON.stringify(a[k])} in the checkpoint but ${JSON.stringify(b[k])} here`;
  }
  return null;
}
