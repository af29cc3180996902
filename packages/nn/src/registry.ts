import type { LayerDefinition, LayerSpecBase } from './layer-definition';
import { builtinLayers } from './layers/index';
import { describe } from './options';

/**
 * The layer registry: layer type -> {@link LayerDefinition}. It starts with the built-in layers
 * (`layers/index.ts`) and is filled on first use; `registerLayer` adds a user's own layer, which then
 * builds from its spec, shows in `summary`, enters the variance audit and (with a lowering registered
 * in `@rectifier/onnx`) exports.
 */
let table: Map<string, LayerDefinition> | null = null;

function registry(): Map<string, LayerDefinition> {
  if (table === null) table = new Map(builtinLayers().map((d) => [d.type, d as LayerDefinition]));
  return table;
}

/**
 * Adds a layer type. Throws if `def.type` is taken by another definition (registering the same
 * definition twice is a no-op) or if `def` lacks `type`, `className`, `fromSpec` or `infer`.
 *
 * @example
 * registerLayer({ type: 'scale', className: 'Scale', fromSpec: (s) => new Scale(s.factor),
 *   infer: (_s, [x]) => ({ outputShape: [...x] }) });
 */
export function registerLayer<S extends LayerSpecBase>(def: LayerDefinition<S>): void {
  if (def === null || typeof def !== 'object')
    throw new TypeError(`registerLayer: expected a layer definition, got ${describe(def)}`);
  if (typeof def.type !== 'string' || def.type === '')
    throw new TypeError(`registerLayer: type must be a non-empty string, got ${describe(def.type)}`);
  for (const k of ['fromSpec', 'infer'] as const) {
    if (typeof def[k] !== 'function')
      throw new TypeError(`registerLayer: '${def.type}' needs a ${k} function`);
  }
  if (typeof def.className !== 'string' || def.className === '')
    throw new TypeError(`registerLayer: '${def.type}' needs a className`);
  const existing = registry().get(def.type);
  if (existing === def) return;
  if (existing !== undefined) {
    throw new Error(
      `registerLayer: layer type '${def.type}' is already registered (by ${existing.className})`,
    );
  }
  registry().set(def.type, def);
}

/** The definition of layer type `type`, or undefined. */
export function layerDefinition(type: string): LayerDefinition | undefined {
  return typeof type === 'string' ? registry().get(type) : undefined;
}

/** The definition of `spec.type`; throws naming the caller and the registered types when there is none. */
export function requireLayerDefinition(fn: string, spec: unknown): LayerDefinition {
  const type = (spec as { type?: unknown } | null | undefined)?.type;
  const def = typeof type === 'string' ? registry().get(type) : undefined;
  if (def === undefined) {
    throw new TypeError(
      `${fn}: unknown layer spec ${describe(type)} (registered types: ${layerTypes().join(', ')})`,
    );
  }
  return def;
}

/** Every registered layer type, built-in ones first. */
export function layerTypes(): string[] {
  return [...registry().keys()];
}
