/**
 * Reads a `@rectifier/nn` module into the exporter's {@link ExportGraph}. Everything that can make
 * an export fail is checked here, before a single node is written: unsupported module types (named by
 * path and type), disposed parameters.
 *
 * `Sequential` trees of registered layers are walked without running the model: their children apply
 * in order, which is how the paper's networks (flat named Sequentials) and nested
 * `features`/`classifier` blocks compute. A model with a custom container (a `Module` subclass with
 * children and its own `forward`) is traced once instead (trace.ts): branches, merges (`Add`,
 * `Concat` modules or `add`/`concat` on tensors) and reused modules become graph edges. A layer is
 * exportable when nn knows its spec (`specOf`) and a lowering is registered for its type
 * (lowering.ts); reused modules and tied weights share one initializer, named by the first path.
 */
import { layerDefinition, Module, Sequential, specOf } from '@rectifier/nn';
import { DisposedError, type Parameter, type Tensor } from '@rectifier/tensor';
import {
  describePath,
  type ExportGraph,
  type ExportNode,
  type LayerCall,
  type ParamData,
} from './export-graph';
import { loweredTypes, loweringFor } from './lowering';
import { CAPTURED_OPS, traceGraph } from './trace';

/** A parameter (or buffer) whose values still have to be read into `target.data`. */
export interface PendingParam {
  param: Tensor;
  target: ParamData;
}

const asFloat32 = (data: ArrayLike<number>): Float32Array =>
  data instanceof Float32Array ? data : Float32Array.from(data);

/** Reads parameter values synchronously (CPU and WASM backends); float64 is exported as float32. */
export function readParamsSync(pending: readonly PendingParam[]): void {
  for (const { param, target } of pending) {
    let data: ArrayLike<number>;
    try {
      data = param.dataSync();
    } catch (e) {
      throw new Error(
        `exportOnnx: cannot read parameter '${target.name}' synchronously (${(e as Error).message}); use exportOnnxAsync for GPU-resident models`,
      );
    }
    target.data = asFloat32(data);
  }
}

/** Reads parameter values from any backend (WebGPU included). */
export async function readParamsAsync(pending: readonly PendingParam[]): Promise<void> {
  for (const { param, target } of pending) target.data = asFloat32(await param.data());
}

/** Class names of the nn layers with a registered lowering (the type name where nn has no class name). */
function supportedNames(): string[] {
  return loweredTypes().map((t) => layerDefinition(t)?.className ?? t);
}

/**
 * The module types the exporter understands out of the box, for error messages and docs: `Sequential`
 * and the built-in layers with a lowering (custom containers are traced; see `exportOnnx`). Layers
 * added with nn's `registerLayer` and `registerLowering` export too.
 */
export const SUPPORTED_MODULES: readonly string[] = Object.freeze(['Sequential', ...supportedNames()]);

/** True when `m` is a leaf module nn describes and the exporter can lower. */
function isExportableLayer(m: Module<any, any>): boolean {
  const spec = specOf(m);
  return spec !== undefined && m.namedChildren().length === 0 && loweringFor(spec.type) !== undefined;
}

/**
 * Reads `root` into an export graph, with parameter values still to be read (`pending`). Throws
 * (naming the module path and type) on unsupported modules and disposed parameters.
 */
export function describeModule(
  root: Module<any, any>,
  inputShape?: readonly number[],
): { graph: ExportGraph; pending: PendingParam[] } {
  if (!(root instanceof Module)) {
    throw new TypeError(
      `exportOnnx: expected a @rectifier/nn Module, got ${root === null ? 'null' : typeof root}`,
    );
  }
  // every parameter and buffer gets one ParamData, named by its first path (namedParameters order)
  const byTensor = new Map<Tensor, ParamData>();
  const pending: PendingParam[] = [];
  const dataOf = (t: Tensor, name: string): ParamData => {
    const known = byTensor.get(t);
    if (known !== undefined) return known;
    if (t.isDisposed)
      throw new DisposedError(`exportOnnx: parameter '${name}' is disposed; the model cannot be exported`);
    const target: ParamData = { name, shape: [...t.shape], data: new Float32Array(0) };
    byTensor.set(t, target);
    pending.push({ param: t, target });
    return target;
  };
  const join = (path: string, field: string) => (path === '' ? field : `${path}.${field}`);
  const layerCall = (m: Module<any, any>, path: string, inputs: number[], output: number): LayerCall => {
    const params: Record<string, ParamData> = {};
    for (const [field, p] of m.namedParameters() as [string, Parameter][])
      params[field] = dataOf(p, join(path, field));
    for (const [field, b] of m.namedBuffers()) params[field] = dataOf(b, join(path, field));
    return { kind: 'layer', path, type: m.typeName, spec: specOf(m)!, params, inputs, output };
  };

  const unsupported: string[] = [];
  let containers = 0;
  const scan = (m: Module<any, any>, path: string, leaves: [string, Module<any, any>][]) => {
    if (m instanceof Sequential) {
      for (const [n, c] of m.namedChildren()) scan(c, join(path, n), leaves);
    } else if (isExportableLayer(m)) leaves.push([path, m]);
    else if (m.namedChildren().length > 0) containers++;
    else unsupported.push(describePath(path, m.typeName));
  };
  const chain: [string, Module<any, any>][] = [];
  scan(root, '', chain);
  if (unsupported.length > 0) throw unsupportedError(unsupported);

  if (containers === 0) {
    // a Sequential tree of layers: the chain in order, parameters named as namedParameters names them
    for (const [n, p] of root.namedParameters()) dataOf(p, n);
    const nodes = chain.map(([path, m], i) => layerCall(m, path, [i], i + 1));
    return { graph: { nodes, output: nodes.length }, pending };
  }

  // custom forward code: trace it, then describe each layer call and captured op
  if (!inputShape)
    throw new Error(`exportOnnx: ${describePath('', root.typeName)} must be traced, which needs inputShape`);
  for (const [name, m] of root.namedModules()) {
    if (m !== root && m.namedChildren().length === 0 && !isExportableLayer(m))
      unsupported.push(describePath(name, m.typeName));
  }
  if (unsupported.length > 0) throw unsupportedError(unsupported);
  for (const [name, p] of root.namedParameters()) {
    if (p.isDisposed)
      throw new DisposedError(`exportOnnx: parameter '${name}' is disposed; the model cannot be exported`);
    dataOf(p, name);
  }
  const traced = traceGraph(root, inputShape);
  const nodes = traced.nodes.map(
    (n): ExportNode => (n.kind === 'layer' ? layerCall(n.module, n.path, n.inputs, n.output) : n),
  );
  return { graph: { nodes, output: traced.output }, pending };
}

function unsupportedError(unsupported: readonly string[]): Error {
  return new Error(
    `exportOnnx: unsupported module${unsupported.length > 1 ? 's' : ''} ${unsupported.join(', ')}. ` +
      `Supported: Sequential, ${supportedNames().join(', ')}, and custom containers whose forward combines them (with ${CAPTURED_OPS.join(', ')} between them); other layers need nn's registerLayer and a registerLowering.`,
  );
}
