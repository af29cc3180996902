import type { LayerSpec } from '../spec';

/**
 * How a weight layer of a model spec is initialised when built:
 * - 'kaiming': N(0, gain²/fan) with gain = sqrt(2/(1+a²)) ('relu': a = 0, 'prelu': a given) or 1
 *   ('linear', the paper's "Xavier"), fan by `mode`; bias 0;
 * - 'normal': N(0, std²), bias 0 (the paper's fc layers);
 * - 'default': the layer's own initialization (PyTorch's U(±1/sqrt(fanIn))).
 */
export type WeightInit =
  | { kind: 'kaiming'; mode: 'fan_in' | 'fan_out'; nonlinearity: 'relu' | 'prelu' | 'linear'; a?: number }
  | { kind: 'normal'; std: number }
  | { kind: 'default' };

/** One named layer of a model spec. */
export interface ModelLayerSpec {
  readonly name: string;
  readonly spec: LayerSpec;
  /** conv and linear layers only */
  readonly init?: WeightInit;
}

/**
 * A sequential network as plain data: what the paper's model factories build from and what `summary`
 * reads without allocating weights. JSON-serialisable (e.g. into safetensors metadata).
 */
export interface ModelSpec {
  /** e.g. 'model-a' */
  readonly name: string;
  /** [C, H, W] the spec was checked against */
  readonly inputShape: [number, number, number];
  readonly layers: readonly ModelLayerSpec[];
}
