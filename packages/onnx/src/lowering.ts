/**
 * The lowering registry: nn layer type (`spec.type`, e.g. 'conv2d') -> the function that writes the
 * layer's ONNX nodes. nn cannot know about ONNX (onnx depends on nn, not the reverse), so each
 * layer's lowering lives here in `lowerings/<layer>.ts`, keyed by the type name its nn definition
 * declares; `lowerings/index.ts` lists the built-in ones and `registerLowering` adds a user's own.
 */
import type { LayerSpec, LayerSpecBase } from '@rectifier/nn';
import type { AttrValue, GraphBuilder } from './graph-builder';
import { builtinLowerings } from './lowerings/index';

/** A value in the graph and its static shape (dim 0 is the batch: 1 or the example batch). */
export interface Value {
  name: string;
  shape: readonly number[];
}

/** What a lowering writes with: graph operations scoped to the layer being lowered. */
export interface LoweringContext {
  /** the default-domain opset the model is written for */
  readonly opset: number;
  /** PyTorch-style node scope of the layer (`/features/0`) */
  readonly scope: string;
  /** `'features.0' (Conv2d)`, for messages */
  readonly where: string;
  /**
   * Appends a node (named `${scope}/${opType}`, unique) and returns its output names. `scope`
   * defaults to the layer's (sub-scopes such as `${ctx.scope}/level2` are fine).
   */
  node(
    opType: string,
    inputs: readonly string[],
    attributes?: Record<string, AttrValue>,
    scope?: string,
    outputCount?: number,
  ): string[];
  /** Adds a 1-D int64 constant (shape, axes, pads) and returns its name. */
  int64(hint: string, values: readonly number[]): string;
  /** Adds a float32 constant that is not a parameter (a scale, a folded bias) and returns its name. */
  float32(hint: string, dims: readonly number[], values: ArrayLike<number>): string;
  /**
   * The initializer of parameter `field` (`weight`, `bias`), named by its path; `dims` re-shapes it
   * (same element count), e.g. a PReLU slope [C] as [C, 1, 1]. A parameter used twice is written once.
   */
  param(field: string, dims?: readonly number[]): string;
  /** Shape of parameter `field`, or undefined when the layer has none of that name (`bias: false`). */
  paramShape(field: string): readonly number[] | undefined;
  /** Throws a ShapeError naming the layer: its input does not fit. */
  fail(message: string): never;
  /** The GraphBuilder itself, for helpers shared between lowerings (SPP levels, pools). */
  readonly graph: GraphBuilder;
}

/**
 * How one nn layer type becomes ONNX nodes: `lower` receives the layer's spec and its input values
 * (one per forward argument) and returns the output value with its static shape.
 *
 * @example
 * export const reluLowering: LayerLowering<ReLUSpec> = {
 *   type: 'relu',
 *   lower: (ctx, _spec, [x]) => ({ name: ctx.node('Relu', [x.name])[0], shape: x.shape }),
 * };
 */
export interface LayerLowering<S extends LayerSpecBase = any> {
  readonly type: S['type'];
  /** ONNX ops this lowering may emit, for docs and the supported-modules list */
  readonly ops?: readonly string[];
  lower(ctx: LoweringContext, spec: S, inputs: readonly Value[]): Value;
}

/** A lowering for one of nn's built-in layer types (spec typed by its `type`). */
export type BuiltinLowering<T extends LayerSpec['type']> = LayerLowering<Extract<LayerSpec, { type: T }>>;

let table: Map<string, LayerLowering> | null = null;

function registry(): Map<string, LayerLowering> {
  if (table === null) table = new Map(builtinLowerings().map((l) => [l.type, l as LayerLowering]));
  return table;
}

/**
 * Registers the ONNX lowering of a layer type (one registered in nn with `registerLayer`, or a
 * built-in type to replace its lowering). Throws when another lowering holds the type.
 * @example
 * registerLowering({ type: 'scale', lower: (ctx, s, [x]) => ... });
 */
export function registerLowering<S extends LayerSpecBase>(lowering: LayerLowering<S>): void {
  if (
    lowering === null ||
    typeof lowering !== 'object' ||
    typeof lowering.type !== 'string' ||
    typeof lowering.lower !== 'function'
  ) {
    throw new TypeError('registerLowering: expected { type: string, lower(ctx, spec, inputs) }');
  }
  const existing = registry().get(lowering.type);
  if (existing !== undefined && existing !== lowering) {
    throw new Error(`registerLowering: layer type '${lowering.type}' already has a lowering`);
  }
  registry().set(lowering.type, lowering);
}

/** The lowering of layer type `type`, or undefined. */
export function loweringFor(type: string): LayerLowering | undefined {
  return registry().get(type);
}

/** Every layer type with a lowering. */
export function loweredTypes(): string[] {
  return [...registry().keys()];
}
