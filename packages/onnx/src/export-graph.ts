/**
 * The exporter's view of a model: a graph of layer calls (and a few tensor ops applied outside
 * modules) with their parameters read back to host memory. `from-module.ts` builds it from a
 * `@rectifier/nn` module (walking Sequentials, tracing custom forwards), `lower.ts` turns it into ONNX
 * nodes through the lowering registry. Keeping the two apart means nothing is written until the
 * whole model is known to be exportable.
 */
import type { LayerSpec, LayerSpecBase } from '@rectifier/nn';

/** A parameter as it will be stored: its dotted module path (`features.0.weight`) and values. */
export interface ParamData {
  readonly name: string;
  readonly shape: readonly number[];
  /** filled in after the whole graph has been validated (see from-module.ts) */
  data: Float32Array;
}

export type Pair = readonly [number, number];

/** Pooling windows along one axis for one SPP level: `[start, end)` per output bin, in input indices. */
export type Windows = readonly (readonly [number, number])[];

/** A value of the graph: 0 is the graph input, every node defines a new one. */
export type ValueId = number;

/**
 * One call of a registered nn layer: its spec (nn's `LayerSpec`, looked up in the lowering registry by
 * `spec.type`) and its parameters by field name (`weight`, `bias`). A module called twice gives two
 * calls sharing the same `ParamData`, written once as an initializer.
 */
export interface LayerCall {
  readonly kind: 'layer';
  /** module path (`features.0`); '' for the root */
  readonly path: string;
  /** class name (`Conv2d`), for messages */
  readonly type: string;
  readonly spec: LayerSpec | LayerSpecBase;
  readonly params: Readonly<Record<string, ParamData>>;
  readonly inputs: readonly ValueId[];
  readonly output: ValueId;
}

/** The tensor ops captured when a forward applies them outside a module (`a.add(b)`, `x.flatten(1)`). */
export type TracedOp =
  | { readonly op: 'add' }
  | { readonly op: 'concat'; readonly dim: number }
  | { readonly op: 'reshape'; readonly shape: readonly number[] }
  | { readonly op: 'relu' };

/** One captured tensor op, named after the module whose forward applied it. */
export type OpCall = TracedOp & {
  readonly kind: 'op';
  /** path of the module whose forward applied the op ('' for the root) */
  readonly path: string;
  readonly type: string;
  readonly inputs: readonly ValueId[];
  readonly output: ValueId;
};

export type ExportNode = LayerCall | OpCall;

/** Nodes in an order where every input is defined before use; `output` is the graph output. */
export interface ExportGraph {
  readonly nodes: readonly ExportNode[];
  readonly output: ValueId;
}

/** A chain of layer calls (a Sequential): call i reads the output of call i - 1. */
export function chainGraph(layers: readonly Omit<LayerCall, 'kind' | 'inputs' | 'output'>[]): ExportGraph {
  const nodes = layers.map((l, i): LayerCall => ({ ...l, kind: 'layer', inputs: [i], output: i + 1 }));
  return { nodes, output: layers.length };
}

/** `path` as PyTorch's exporter writes node scopes: `features.0` -> `/features/0`. */
export function scopeOf(path: string): string {
  return path === '' ? '' : `/${path.split('.').join('/')}`;
}

/** A module path for messages: the root is called `<root>`. */
export function describePath(path: string, type: string): string {
  return `'${path === '' ? '<root>' : path}' (${type})`;
}
