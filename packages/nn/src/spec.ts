import type { LayerDefinition, LayerSpecBase } from './layer-definition';
import { shapeFail } from './layer-definition';
import type { builtinLayers } from './layers/index';
import { requireLayerDefinition } from './registry';

/** The spec type a layer definition describes. */
export type SpecOfDefinition<D> = D extends LayerDefinition<infer S, any> ? S : never;

/**
 * Plain-data descriptions of the built-in layers, with every option resolved (pairs for 2-D sizes).
 * Every layer exposes its own as `layer.spec`; `buildLayer(spec)` makes a layer from one. They are
 * what `summary` computes shapes, parameter counts and multiply-adds from without allocating weights,
 * what model factories are written in, and what the ONNX exporter reads kernel sizes etc. from.
 * They are JSON-serialisable. Each layer file declares its own (`Conv2dSpec`, …); this union is
 * derived from the built-in definitions in `layers/index.ts`.
 */
export type LayerSpec = SpecOfDefinition<ReturnType<typeof builtinLayers>[number]>;

export type LayerType = LayerSpec['type'];

/** What one layer does to a shape. */
export interface LayerShapeInfo {
  readonly outputShape: number[];
  /** learnable scalars */
  readonly parameters: number;
  /**
   * Multiply-adds of the layer for this input (whole batch): conv N·O·OH·OW·(C/groups)·kH·kW, linear
   * N·out·in (rows of all leading dims). Activations, pooling, merges, bias additions and dropout count
   * 0: the paper's complexities (Table 3) count the weight layers only.
   */
  readonly multiplyAdds: number;
}

/** Number of learnable scalars of a layer described by `spec` (built-in or registered). */
export function specParameters(spec: LayerSpec | LayerSpecBase): number {
  return requireLayerDefinition('specParameters', spec).parameters?.(spec) ?? 0;
}

/**
 * Output shape, parameters and multiply-adds of `spec` applied to an input of `inputShape` (for a
 * merge layer such as `add` or `concat`: the list of its input shapes). Throws a clear error (naming
 * `name`) when the input does not fit: wrong rank, wrong channel count, a map that collapses below
 * 1x1, an SPP level larger than the map, merge inputs that do not line up.
 */
export function inferLayer(
  spec: LayerSpec | LayerSpecBase,
  inputShape: readonly number[] | readonly (readonly number[])[],
  name: string = spec?.type,
): LayerShapeInfo {
  const def = requireLayerDefinition('inferLayer', spec);
  const many = inputShape.length > 0 && Array.isArray(inputShape[0]);
  const inputs = (many ? inputShape : [inputShape]) as readonly (readonly number[])[];
  const fail = shapeFail(name, spec.type, inputs);
  if ((def.inputs ?? 1) === 1 && inputs.length !== 1) fail(`takes one input, got ${inputs.length}`);
  const info = def.infer(spec, inputs, fail);
  return {
    outputShape: info.outputShape,
    parameters: def.parameters?.(spec) ?? 0,
    multiplyAdds: info.multiplyAdds ?? 0,
  };
}
