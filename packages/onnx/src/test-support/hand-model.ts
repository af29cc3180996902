/** Wraps a GraphBuilder into serialized model bytes, for tests that build graphs by hand. */
import type { GraphBuilder } from '../graph-builder';
import { DataType, encodeModel, type OnnxDim } from '../onnx-model';
import { irVersionFor } from '../opset';

export function handModel(
  g: GraphBuilder,
  inputs: { name: string; dims: OnnxDim[] }[],
  outputs: { name: string; dims: OnnxDim[] }[],
): Uint8Array {
  const vi = (v: { name: string; dims: OnnxDim[] }) => ({
    name: v.name,
    elemType: DataType.FLOAT,
    dims: v.dims,
  });
  return encodeModel({
    irVersion: irVersionFor(g.opset),
    opsetImports: [{ domain: '', version: g.opset }],
    producerName: 'rectifier-test',
    producerVersion: '0',
    graph: g.build('hand', inputs.map(vi), outputs.map(vi)),
    metadata: [],
  });
}
