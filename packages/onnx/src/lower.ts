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
import { attr, type GraphBuilder } from './graph-builder';
import { type LoweringContext, loweringFor, type Value } from './lowering';
import { reshapeTo } from './lowerings/flatten';
import { fmt } from './shapes';

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

/** Output shape of a broadcasting binary op (NumPy rules), or null when the shapes do not broadcast. */
function broadcast(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(Math.max(x, y));
  }
  return out;
}

function lowerOp(ctx: LoweringContext, op: OpCall, inputs: readonly Value[]): Value {
  const where = `exportOnnx: in the forward of ${ctx.where}, ${op.op}`;
  switch (op.op) {
    case 'add': {
      const [a, b] = inputs;
      const shape = broadcast(a.shape, b.shape);
      if (shape === null)
        throw new ShapeError(`${where} of ${fmt(a.shape)} and ${fmt(b.shape)} does not broadcast`);
      return { name: ctx.node('Add', [a.name, b.name])[0], shape };
    }
    case 'concat': {
      const rank = inputs[0].shape.length;
      const shape = [...inputs[0].shape];
      shape[op.dim] = inputs.reduce((s, v) => s + v.shape[op.dim], 0);
      for (const v of inputs) {
        if (v.shape.length !== rank || v.shape.some((d, i) => i !== op.dim && d !== inputs[0].shape[i]))
          throw new ShapeError(
            `${where} along dim ${op.dim}: shapes ${inputs.map((i) => fmt(i.shape)).join(', ')} differ`,
          );
      }
      return {
        name: ctx.node(
          'Concat',
          inputs.map((v) => v.name),
          { axis: attr.int(op.dim) },
        )[0],
        shape,
      };
    }
    case 'reshape': {
      const [x] = inputs;
      return reshapeTo(ctx, x, op.shape, op.shape[0] === x.shape[0]);
    }
    case 'relu': {
      const [x] = inputs;
      return { name: ctx.node('Relu', [x.name])[0], shape: x.shape };
    }
  }
}
