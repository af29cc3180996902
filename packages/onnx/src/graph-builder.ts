/**
 * Incremental construction of an ONNX graph: unique value and node names, typed attributes,
 * initializers (the model's parameters) and int64 constants (shapes, axes, slice bounds).
 */
import type { OnnxAttribute, OnnxGraph, OnnxNode, OnnxTensor, OnnxValueInfo } from './onnx-model';
import { DataType } from './onnx-model';

/** A typed attribute value; build with {@link attr}. */
export type AttrValue = Omit<OnnxAttribute, 'name'>;

/** Attribute constructors that keep ONNX's INT/FLOAT distinction explicit. */
export const attr = {
  int: (value: number): AttrValue => ({ type: 'int', value }),
  ints: (value: readonly number[]): AttrValue => ({ type: 'ints', value }),
  float: (value: number): AttrValue => ({ type: 'float', value }),
  floats: (value: readonly number[]): AttrValue => ({ type: 'floats', value }),
  string: (value: string): AttrValue => ({ type: 'string', value }),
};

/** Collects nodes and initializers; see {@link GraphBuilder.node}. */
export class GraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private readonly names = new Set<string>();
  /** initializers already written per parameter, by requested dims (see sharedParameter) */
  private readonly shared = new Map<object, Map<string, string>>();

  /** @param opset the default-domain opset version the nodes are written for. */
  constructor(readonly opset: number) {}

  /** Reserves `base`, or `base_1`, `base_2`, ... when taken. */
  unique(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  /** Reserves an exact name (graph input, parameter name); throws if it is already used. */
  reserve(name: string, what: string): string {
    if (this.names.has(name))
      throw new Error(`exportOnnx: ${what} name '${name}' is used twice in the graph`);
    this.names.add(name);
    return name;
  }

  /** Adds a float32 initializer under its exact name (a parameter path such as `features.0.weight`). */
  parameter(name: string, dims: readonly number[], data: Float32Array): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length) {
      throw new Error(`exportOnnx: initializer '${name}' has ${data.length} values but shape [${dims}]`);
    }
    this.initializers.push({ name: this.reserve(name, 'initializer'), dims, dataType: DataType.FLOAT, data });
    return name;
  }

  /**
   * The initializer of `p` viewed with `dims` (same element count): written under `p.name` on first
   * use; a parameter used again (a module called twice, weights tied between modules) reuses it, and
   * a use with other dims gets a Reshape of the one initializer.
   */
  sharedParameter(
    p: { readonly name: string; readonly data: Float32Array },
    dims: readonly number[],
    scope: string,
  ): string {
    let byDims = this.shared.get(p);
    const key = dims.join(',');
    const known = byDims?.get(key);
    if (known !== undefined) return known;
    let name: string;
    if (byDims === undefined) {
      byDims = new Map();
      this.shared.set(p, byDims);
      name = this.parameter(p.name, dims, p.data);
    } else {
      const base = byDims.values().next().value as string;
      const shape = this.int64(`${scope}/${p.name}_shape`, dims);
      name = this.node('Reshape', [base, shape], {}, scope)[0];
    }
    byDims.set(key, name);
    return name;
  }

  /** Adds a float32 constant (not a parameter: e.g. a scale, a folded bias) and returns its unique name. */
  float32(hint: string, dims: readonly number[], values: ArrayLike<number>): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== values.length)
      throw new Error(`exportOnnx: constant '${hint}' has ${values.length} values but shape [${dims}]`);
    const name = this.unique(hint);
    this.initializers.push({ name, dims, dataType: DataType.FLOAT, data: Float32Array.from(values) });
    return name;
  }

  /** Adds a 1-D int64 constant (shape, axes, starts, ends) and returns its unique name. */
  int64(hint: string, values: readonly number[]): string {
    const name = this.unique(hint);
    this.initializers.push({ name, dims: [values.length], dataType: DataType.INT64, data: values });
    return name;
  }

  /**
   * Appends a node. `scope` is the module path as PyTorch's exporter writes it (`/features/0`);
   * the node is named `${scope}/${opType}` and its outputs `${scope}/${opType}_output_${k}`,
   * made unique. Returns the output value names.
   */
  node(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, AttrValue>,
    scope: string,
    outputCount = 1,
  ): string[] {
    const name = this.unique(`${scope}/${opType}`);
    const outputs = Array.from({ length: outputCount }, (_, k) => this.unique(`${name}_output_${k}`));
    const attrs = Object.entries(attributes).map(([n, a]) => ({ name: n, ...a }) as OnnxAttribute);
    this.nodes.push({ name, opType, inputs, outputs, attributes: attrs });
    return outputs;
  }

  /** Renames the value produced last (used to give the graph output its requested name). */
  renameLastOutput(from: string, to: string): void {
    const last = this.nodes[this.nodes.length - 1];
    if (!last || last.outputs[0] !== from)
      throw new Error(`exportOnnx: '${from}' is not the last node's output`);
    this.reserve(to, 'output');
    this.nodes[this.nodes.length - 1] = { ...last, outputs: [to, ...last.outputs.slice(1)] };
  }

  /** Number of nodes so far. */
  get nodeCount(): number {
    return this.nodes.length;
  }

  /** The finished graph. */
  build(name: string, inputs: OnnxValueInfo[], outputs: OnnxValueInfo[], docString?: string): OnnxGraph {
    return { name, nodes: this.nodes, initializers: this.initializers, inputs, outputs, docString };
  }
}
