import type { Generator } from '@rectifier/tensor';
import { DEFAULT_PRELU_INIT } from '../layers/prelu';
import { checkInt, checkNumber, checkOneOf, checkOptions, describe } from '../options';

/** Activation after every conv layer and after fc1, fc2 (never after fc3, P §2.1). */
export type ActivationChoice = 'relu' | 'prelu' | 'prelu-shared';

/**
 * Conv weight initialization (biases are 0 except for 'pytorch-default'):
 * - 'he-fan-out' (default): N(0, 2/n̂), n̂ = k²d (Eq. 14, what the paper trained its large models with);
 * - 'he-fan-in': N(0, 2/n), n = k²c (Eq. 10);
 * - 'prelu-aware-fan-out' / 'prelu-aware-fan-in' (alias 'prelu-aware' = fan-out): N(0, 2/((1+a²)·fan))
 *   with a = the PReLU's initial slope (Eq. 15; a = 0, i.e. He, for ReLU models);
 * - 'xavier-fan-out' (alias 'xavier') / 'xavier-fan-in': the paper's "Xavier" of Figs. 2-3, N(0, 1/fan)
 *   (legend: n̂ Var[w] = 1), i.e. 1/sqrt(2) of He per layer;
 * - 'pytorch-default': the layers' own U(±1/sqrt(fanIn)) for weights and biases.
 */
export type InitChoice =
  | 'he-fan-out'
  | 'he-fan-in'
  | 'prelu-aware-fan-out'
  | 'prelu-aware-fan-in'
  | 'prelu-aware'
  | 'xavier-fan-out'
  | 'xavier-fan-in'
  | 'xavier'
  | 'pytorch-default';

/** Options shared by the paper's model factories. */
export interface PaperModelOptions {
  /** default 'prelu' (channel-wise, the paper's PReLU-nets); 'prelu-shared' = one slope per layer */
  activation?: ActivationChoice;
  /** conv init, default 'he-fan-out' (Eq. 14) */
  init?: InitChoice;
  /**
   * fc init: 'paper' (default): N(0, 0.01²) for fc1 and fc2 and N(0, 0.001²) for fc3, biases 0 (§2.2,
   * "In practice, we use a std of 0.01 for the first two fc layers and 0.001 for the last"); 'same-as-conv':
   * the conv rule (`init`) for the fc layers too.
   */
  fcInit?: 'paper' | 'same-as-conv';
  /** default 1000 (ImageNet) */
  numClasses?: number;
  /** input channels, default 3 */
  inChannels?: number;
  /** multiplies every conv width and the fc hidden width 4096 (rounded, at least 1); default 1 */
  width?: number;
  /** side of the square input the model is checked against at construction (any size >= the minimum works at run time thanks to SPP); default 224 */
  inputSize?: number;
  /** SPP levels, default the paper's ({6,3,2,1} for the 14/30-layer models, {7,3,2,1} for A/B/C) */
  sppLevels?: number[];
  /** SPP pooling, default 'max' (SPP-net's; the paper does not say) */
  sppMode?: 'max' | 'avg';
  /** dropout rate after fc1 and fc2, default 0.5 (§3) */
  dropout?: number;
  /** initial PReLU slope, default 0.25 */
  preluInit?: number;
  /** seed of a fresh Generator for the weights and dropout; exclusive with `generator` */
  seed?: number;
  generator?: Generator;
  /** parameter dtype, default 'float32' */
  dtype?: 'float32' | 'float64';
}

export const paperOptionKeys = [
  'activation',
  'init',
  'fcInit',
  'numClasses',
  'inChannels',
  'width',
  'inputSize',
  'sppLevels',
  'sppMode',
  'dropout',
  'preluInit',
  'seed',
  'generator',
  'dtype',
];

/** Options with defaults applied and checked. */
export interface ResolvedOptions {
  activation: ActivationChoice;
  init: Exclude<InitChoice, 'prelu-aware' | 'xavier'>;
  fcInit: 'paper' | 'same-as-conv';
  numClasses: number;
  inChannels: number;
  width: number;
  inputSize: number;
  sppLevels: number[] | undefined;
  sppMode: 'max' | 'avg';
  dropout: number;
  preluInit: number;
}

export function resolveOptions(
  fn: string,
  opts: PaperModelOptions,
  extraKeys: string[] = [],
): ResolvedOptions {
  checkOptions(fn, opts, [...paperOptionKeys, ...extraKeys]);
  const o = opts ?? {};
  const init = checkOneOf(fn, 'init', o.init ?? 'he-fan-out', [
    'he-fan-out',
    'he-fan-in',
    'prelu-aware-fan-out',
    'prelu-aware-fan-in',
    'prelu-aware',
    'xavier-fan-out',
    'xavier-fan-in',
    'xavier',
    'pytorch-default',
  ] as const);
  const width = checkNumber(fn, 'width', o.width ?? 1);
  if (width <= 0) throw new RangeError(`${fn}: width must be > 0, got ${width}`);
  const dropout = checkNumber(fn, 'dropout', o.dropout ?? 0.5);
  if (dropout < 0 || dropout > 1) throw new RangeError(`${fn}: dropout must be in [0, 1], got ${dropout}`);
  if (o.sppLevels !== undefined && (!Array.isArray(o.sppLevels) || o.sppLevels.length === 0)) {
    throw new TypeError(`${fn}: sppLevels must be a non-empty array, got ${describe(o.sppLevels)}`);
  }
  return {
    activation: checkOneOf(fn, 'activation', o.activation ?? 'prelu', [
      'relu',
      'prelu',
      'prelu-shared',
    ] as const),
    init: init === 'prelu-aware' ? 'prelu-aware-fan-out' : init === 'xavier' ? 'xavier-fan-out' : init,
    fcInit: checkOneOf(fn, 'fcInit', o.fcInit ?? 'paper', ['paper', 'same-as-conv'] as const),
    numClasses: checkInt(fn, 'numClasses', o.numClasses ?? 1000),
    inChannels: checkInt(fn, 'inChannels', o.inChannels ?? 3),
    width,
    inputSize: checkInt(fn, 'inputSize', o.inputSize ?? 224),
    sppLevels: o.sppLevels?.map((n, i) => checkInt(fn, `sppLevels[${i}]`, n)),
    sppMode: checkOneOf(fn, 'sppMode', o.sppMode ?? 'max', ['max', 'avg'] as const),
    dropout,
    preluInit: checkNumber(fn, 'preluInit', o.preluInit ?? DEFAULT_PRELU_INIT),
  };
}
