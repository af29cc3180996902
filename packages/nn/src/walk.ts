import type { Module } from './module';
import { layerDefinition } from './registry';
import type { LayerSpec } from './spec';

/** The spec of a module if it is a registered layer (built-in or `registerLayer`ed), else undefined. */
export function specOf(module: Module<any, any>): LayerSpec | undefined {
  const s = (module as unknown as { spec?: unknown }).spec;
  return s !== null &&
    typeof s === 'object' &&
    typeof (s as { type?: unknown }).type === 'string' &&
    layerDefinition((s as { type: string }).type) !== undefined
    ? (s as LayerSpec)
    : undefined;
}

/** Leaf modules of a (nested) container with dotted names, in forward order for Sequentials. */
export function leafModules(module: Module<any, any>, prefix = ''): [string, Module<any, any>][] {
  const kids = module.namedChildren();
  if (kids.length === 0) return [[prefix, module]];
  return kids.flatMap(([n, c]) => leafModules(c, prefix === '' ? n : `${prefix}.${n}`));
}
