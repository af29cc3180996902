import type { AuditLayer } from '@rectifier/init';
import { type DType, type Generator, ShapeError } from '@rectifier/tensor';
import type { Module } from './module';
import { fmtShape } from './options';

/**
 * What a layer file declares about its layer, so that nothing else in the repository needs a switch
 * over layer types: `buildLayer`, `inferLayer`/`summary`, `specParameters` and `toAuditModel` look the
 * definition up by the spec's `type` (see registry.ts), and `@rectifier/onnx` looks its lowering up by
 * the same `type`. A layer file exports one `LayerDefinition` next to its class; `layers/index.ts`
 * lists the built-in ones; `registerLayer` adds a user's own.
 */

/** The common shape of every layer spec: plain JSON data tagged with the layer type. */
export interface LayerSpecBase {
  readonly type: string;
}

/** Options for {@link buildLayer}: the dtype of new parameters and the RNG of default inits and dropout masks. */
export interface BuildOptions {
  dtype?: DType;
  generator?: Generator;
}

/** What a layer contributes to a `summary` row beyond its parameter count. */
export interface LayerInference {
  readonly outputShape: number[];
  /**
   * Multiply-adds for this input (whole batch); 0 when omitted. Only weight layers count (the paper's
   * Table 3 convention): activations, pooling, merges, bias additions and dropout are free.
   */
  readonly multiplyAdds?: number;
}

/** How a layer enters `@rectifier/init`'s variance audit (its `AuditLayer` without name and forward). */
export type AuditRole = AuditLayer extends infer L
  ? L extends AuditLayer
    ? Omit<L, 'name' | 'forward'>
    : never
  : never;

/** Throws a ShapeError naming the layer, the reason and the offending input; see {@link LayerDefinition.infer}. */
export type ShapeFail = (why: string) => never;

/**
 * The registry entry of one layer type.
 *
 * @example
 * export const reluLayer: LayerDefinition<ReLUSpec, ReLU> = {
 *   type: 'relu',
 *   className: 'ReLU',
 *   fromSpec: () => new ReLU(),
 *   infer: (_spec, [x]) => ({ outputShape: [...x] }),
 *   audit: () => ({ kind: 'activation', negativeSlope: 0 }),
 * };
 */
export interface LayerDefinition<S extends LayerSpecBase = any, M extends Module<any, any> = any> {
  /** the spec's `type` tag (camelCase: 'conv2d', 'maxPool2d') */
  readonly type: S['type'];
  /** the module's class name (`typeName`), for messages and docs */
  readonly className: string;
  /**
   * How many tensors `forward` takes: 1 (default) or 'many' for merge layers (`Add`, `Concat`), whose
   * `infer` then receives every input shape.
   */
  readonly inputs?: 1 | 'many';
  /** Makes the layer the spec describes, with the layer's default initialisation. */
  fromSpec(spec: S, opts: BuildOptions): M;
  /**
   * Output shape (and multiply-adds) for input shapes `inputs` (one per forward argument); calls
   * `fail(why)` when an input does not fit (wrong rank, channel count, too small a map).
   */
  infer(spec: S, inputs: readonly (readonly number[])[], fail: ShapeFail): LayerInference;
  /** Learnable scalars of the layer (default 0). */
  parameters?(spec: S): number;
  /**
   * The layer's role in the variance audit. Default: `{ kind: 'other' }` (passes through, as flatten
   * and eval-mode dropout do). May be async (PReLU reads its slopes).
   */
  audit?(module: M): AuditRole | Promise<AuditRole>;
}

/** The {@link ShapeFail} of layer `name` of type `type` on `inputs`. */
export function shapeFail(name: string, type: string, inputs: readonly (readonly number[])[]): ShapeFail {
  const shown = inputs.length === 1 ? fmtShape(inputs[0]) : inputs.map((s) => fmtShape(s)).join(', ');
  return (why) => {
    throw new ShapeError(`${name} (${type}): ${why} (input ${shown})`);
  };
}

/**
 * Checks `inputs` against `def` (throwing a ShapeError naming `name`) and returns the inference:
 * what a layer's `forward` calls before computing, with its own definition (layers do not go through
 * the registry, so layer files never import it).
 */
export function checkInputs<S extends LayerSpecBase>(
  def: LayerDefinition<S>,
  spec: S,
  inputs: readonly (readonly number[])[],
  name: string = spec.type,
): LayerInference {
  return def.infer(spec, inputs, shapeFail(name, spec.type, inputs));
}

/** Fails unless `x` is 4-D (NCHW). */
export function need4d(x: readonly number[], fail: ShapeFail): void {
  if (x.length !== 4) fail('expects a 4-D NCHW input');
}
