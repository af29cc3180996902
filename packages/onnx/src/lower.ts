/**
 * Lowering of an {@link ExportGraph} to ONNX nodes. Layer calls go through the lowering registry
 * (lowering.ts, one file per layer in lowerings/), keyed by the nn spec's `type`; tensor ops captured
 * outside modules (add, concat, reshape/flatten, relu) are lowered here. Every value's static shape is
 * tracked, so each layer is checked against its input with an error naming the module.
 */
import { ShapeError } from '@rectifier/tensor';
import {
  describePath,
  type ExportGraph,
  type LayerCall,
  type OpCall,
  scopeOf,
  type ValueId,
} from './export-graph';
import type { GraphBuilder } from './graph-builder';
import { type LoweringContext, loweringFor, type Value } from './lowering';
import { addLowering } from './lowerings/add';
import { concatLowering } from './lowerings/concat';
import { reshapeTo } from './lowerings/flatten';
import { reluLowering } from './lowerings/relu';

export type { Value } from './lowering';

/** Appends the nodes of `graph` applied to `input`; returns the graph's output value. */
export function lowerGraph(g: GraphBuilder, graph: ExportGraph, input: Value): Value {
  const values = new Map<ValueId, Value>([[0, input]]);
  for (const node of graph.nodes) {
    const inputs = node.inputs.map((id) => {
      const v = values.get(id);
      if (v === undefined)
        throw new Error(
          `exportOnnx: ${describePath(node.path, node.type)} reads value ${id} before it is defined`,
        );
      return v;
    });
    const ctx = context(g, node);
    values.set(
      node.output,
      node.kind === 'layer' ? lowerCall(ctx, node, inputs) : lowerOp(ctx, node, inputs),
    );
  }
  const out = values.get(graph.output);
  if (out === undefined)
    throw new Error(`exportOnnx: the graph output (value ${graph.output}) is never defined`);
  return out;
}

function context(g: GraphBuilder, node: LayerCall | OpCall): LoweringContext {
  const scope = scopeOf(node.path);
  const where = describePath(node.path, node.type);
  const params = node.kind === 'layer' ? node.params : {};
  return {
    opset: g.opset,
    scope,
    where,
    graph: g,
    node: (opType, inputs, attributes = {}, s = scope, outputCount = 1) =>
      g.node(opType, inputs, attributes, s, outputCount),
    int64: (hint, values) => g.int64(hint, values),
    float32: (hint, dims, values) => g.float32(hint, dims, values),
    param(field, dims) {
      const p = params[field];
      if (p === undefined) throw new Error(`exportOnnx: module ${where} has no parameter '${field}'`);
      return g.sharedParameter(p, dims ?? p.shape, scope);
    },
    paramShape: (field) => params[field]?.shape,
    fail(message): never {
      // every lowering failure is a shape that does not fit the layer
      throw new ShapeError(`exportOnnx: module ${where}: ${message}`);
    },
  };
}

function lowerCall(ctx: LoweringContext, call: LayerCall, inputs: readonly Value[]): Value {
  const lowering = loweringFor(call.spec.type);
  if (lowering === undefined) {
    throw new Error(
      `exportOnnx: module ${ctx.where}: no ONNX lowering is registered for layer type '${call.spec.type}'`,
    );
  }
  return lowering.lower(ctx, call.spec, inputs);
}

/** Ops captured outside modules are lowered like the layer that does the same (Add, Concat, ReLU, Flatten). */
function lowerOp(ctx: LoweringContext, op: OpCall, inputs: readonly Value[]): Value {
  switch (op.op) {
    case 'add':
      return addLowering.lower(ctx, { type: 'add' }, inputs);
    case 'concat':
      return concatLowering.lower(ctx, { type: 'concat', dim: op.dim }, inputs);
    case 'relu':
      return reluLowering.lower(ctx, { type: 'relu' }, inputs);
    case 'reshape':
      return reshapeTo(ctx, inputs[0], op.shape, op.shape[0] === inputs[0].shape[0]);
  }
}
