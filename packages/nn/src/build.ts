import type { BuildOptions, LayerSpecBase } from './layer-definition';
import type { builtinLayers } from './layers/index';
import type { Module } from './module';
import { requireLayerDefinition } from './registry';
import type { LayerSpec } from './spec';

export type { BuildOptions } from './layer-definition';

/** Every built-in layer class (each has a `spec` getter). */
export type BuiltinLayer = ReturnType<ReturnType<typeof builtinLayers>[number]['fromSpec']>;

/**
 * Makes the layer a {@link LayerSpec} describes (the inverse of `layer.spec`), with the layer's default
 * initialization, through the layer registry (built-in layers and those added with `registerLayer`).
 * `buildLayer(layer.spec)` has the same structure as `layer`, not the same weights.
 *
 * @example
 * const conv = buildLayer({ type: 'conv2d', inChannels: 3, outChannels: 8, kernelSize: [3, 3], stride: [1, 1],
 *   padding: [1, 1], dilation: [1, 1], groups: 1, bias: true });
 */
export function buildLayer(spec: LayerSpec, opts?: BuildOptions): BuiltinLayer;
export function buildLayer(spec: LayerSpecBase, opts?: BuildOptions): Module<any, any>;
export function buildLayer(spec: LayerSpecBase, opts: BuildOptions = {}): Module<any, any> {
  const def = requireLayerDefinition('buildLayer', spec);
  return def.fromSpec(spec, { dtype: opts.dtype, generator: opts.generator });
}
