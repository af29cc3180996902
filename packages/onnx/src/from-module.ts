/**
 * Reads a `@rectifier/nn` module tree into the exporter's {@link LayerSpec} tree. Everything that
 * can make an export fail is checked here, before a single node is written: unsupported module
 * types (named by path and type), disposed parameters, parameters shared between two paths.
 *
 * The tree is walked: `Sequential` containers apply their children in order, which is exactly how
 * the paper's networks (flat named Sequentials) and nested `features`/`classifier` blocks compute.
 * A custom `Module` subclass with children and its own `forward` cannot be read that way, so the
 * model is then traced once instead (trace.ts): exportable when its forward is a chain of built-in
 * layers. Leaf modules of unknown types are rejected, by path and type.
 */
import {
  AdaptiveAvgPool2d,
  AdaptiveMaxPool2d,
  AvgPool2d,
  Conv2d,
  Dropout,
  Flatten,
  LeakyReLU,
  Linear,
  MaxPool2d,
  Module,
  PReLU,
  ReLU,
  Sequential,
  SpatialPyramidPooling,
  sppAxisGeometry,
} from '@rectifier/nn';
import { DisposedError, type Parameter } from '@rectifier/tensor';
import { describePath, type LayerSpec, type ParamData, type Windows } from './layers';
import { traceChain } from './trace';

/** A parameter whose values still have to be read into `target.data`. */
export interface PendingParam {
  param: Parameter;
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

/** SPP bins along one axis from nn's own rule ({@link sppAxisGeometry}): [i·stride, i·stride + kernel). */
export const sppWindows = (size: number, bins: number): Windows => {
  const { kernel, stride } = sppAxisGeometry(size, bins);
  return Array.from({ length: bins }, (_, i) => [i * stride, i * stride + kernel] as const);
};

/** Adaptive pooling bins (PyTorch's and @rectifier/tensor's rule): [floor(i·L/n), ceil((i+1)·L/n)). */
export const adaptiveWindows = (size: number, bins: number): Windows =>
  Array.from(
    { length: bins },
    (_, i) => [Math.floor((i * size) / bins), Math.ceil(((i + 1) * size) / bins)] as const,
  );

/** The module types the exporter understands, for error messages. */
export const SUPPORTED_MODULES = [
  'Sequential',
  'Conv2d',
  'Linear',
  'PReLU',
  'ReLU',
  'LeakyReLU',
  'MaxPool2d',
  'AvgPool2d',
  'AdaptiveMaxPool2d',
  'AdaptiveAvgPool2d',
  'SpatialPyramidPooling',
  'Dropout',
  'Flatten',
] as const;

/**
 * Walks `root` and returns its layer tree, with parameter values still to be read (`pending`).
 * Sequentials are walked; a custom container (a Module subclass with children and its own forward)
 * is traced once on `inputShape` (see trace.ts) and exported as the chain of layers it called.
 * Throws (naming the module path and type) on unsupported modules, disposed parameters and shared
 * parameters.
 */
export function describeModule(
  root: Module<any, any>,
  inputShape?: readonly number[],
): { tree: LayerSpec; pending: PendingParam[] } {
  if (!(root instanceof Module)) {
    throw new TypeError(
      `exportOnnx: expected a @rectifier/nn Module, got ${root === null ? 'null' : typeof root}`,
    );
  }
  const owners = new Map<Parameter, string>();
  const pending: PendingParam[] = [];
  const unsupported: string[] = [];
  const containers: string[] = [];

  const param = (p: Parameter, path: string, field: string): ParamData => {
    const name = path === '' ? field : `${path}.${field}`;
    const other = owners.get(p);
    if (other !== undefined) {
      throw new Error(
        `exportOnnx: parameters '${other}' and '${name}' are the same Parameter object; shared parameters cannot be exported (ONNX initializers are named by parameter path) — give each layer its own Parameter`,
      );
    }
    owners.set(p, name);
    if (p.isDisposed)
      throw new DisposedError(`exportOnnx: parameter '${name}' is disposed; the model cannot be exported`);
    const target: ParamData = { name, shape: [...p.shape], data: new Float32Array(0) };
    pending.push({ param: p, target });
    return target;
  };

  const walk = (m: Module<any, any>, path: string): LayerSpec => {
    const type = m.typeName;
    if (m instanceof Sequential) {
      return {
        kind: 'sequential',
        path,
        type,
        children: m.namedChildren().map(([n, c]) => walk(c, path === '' ? n : `${path}.${n}`)),
      };
    }
    if (m instanceof Conv2d) {
      const s = m.spec;
      const [ph, pw] = s.padding;
      return {
        kind: 'conv2d',
        path,
        type,
        weight: param(m.weight, path, 'weight'),
        bias: m.bias ? param(m.bias, path, 'bias') : null,
        stride: s.stride,
        padding: [ph, pw, ph, pw],
        dilation: s.dilation,
        groups: s.groups,
      };
    }
    if (m instanceof Linear) {
      return {
        kind: 'linear',
        path,
        type,
        weight: param(m.weight, path, 'weight'),
        bias: m.bias ? param(m.bias, path, 'bias') : null,
      };
    }
    if (m instanceof PReLU) return { kind: 'prelu', path, type, weight: param(m.weight, path, 'weight') };
    if (m instanceof ReLU) return { kind: 'relu', path, type };
    if (m instanceof LeakyReLU) return { kind: 'leakyRelu', path, type, negativeSlope: m.spec.negativeSlope };
    if (m instanceof MaxPool2d) {
      const s = m.spec;
      return {
        kind: 'maxPool2d',
        path,
        type,
        ...pick(s, ['kernelSize', 'stride', 'padding', 'dilation', 'ceilMode']),
      };
    }
    if (m instanceof AvgPool2d) {
      const s = m.spec;
      return {
        kind: 'avgPool2d',
        path,
        type,
        ...pick(s, ['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad']),
      };
    }
    if (m instanceof AdaptiveMaxPool2d || m instanceof AdaptiveAvgPool2d) {
      const mode = m instanceof AdaptiveMaxPool2d ? 'max' : 'avg';
      return {
        kind: 'adaptivePool2d',
        path,
        type,
        mode,
        outputSize: m.spec.outputSize,
        windows: adaptiveWindows,
      };
    }
    if (m instanceof SpatialPyramidPooling) {
      const s = m.spec;
      return { kind: 'spp', path, type, levels: s.levels, mode: s.mode, windows: sppWindows };
    }
    if (m instanceof Flatten) return { kind: 'flatten', path, type, startDim: m.startDim, endDim: m.endDim };
    // inverted dropout is the identity at inference
    if (m instanceof Dropout) return { kind: 'identity', path, type };
    if (m.namedChildren().length > 0) containers.push(describePath(path, type));
    else unsupported.push(describePath(path, type));
    return { kind: 'identity', path, type };
  };

  let tree = walk(root, '');
  if (unsupported.length === 0 && containers.length > 0) {
    // custom forward code: trace it, then describe the layers in the order they were called
    if (!inputShape)
      throw new Error(`exportOnnx: ${containers.join(', ')} must be traced, which needs inputShape`);
    for (const [name, p] of root.namedParameters()) {
      if (p.isDisposed)
        throw new DisposedError(`exportOnnx: parameter '${name}' is disposed; the model cannot be exported`);
    }
    owners.clear();
    pending.length = 0;
    const seen = new Set<Module<any, any>>();
    const children = traceChain(root, inputShape).map(({ path, module }) => {
      if (seen.has(module) && module.parameters().length > 0) {
        throw new Error(
          `exportOnnx: module ${describePath(path, module.typeName)} is called twice in the forward pass; its parameters would be shared, which cannot be exported`,
        );
      }
      seen.add(module);
      return walk(module, path);
    });
    tree = { kind: 'sequential', path: '', type: root.typeName, children };
  }
  if (unsupported.length > 0) {
    throw new Error(
      `exportOnnx: unsupported module${unsupported.length > 1 ? 's' : ''} ${unsupported.join(', ')}. ` +
        `Supported: ${SUPPORTED_MODULES.join(', ')}, and custom containers whose forward chains these; write other operations as a Sequential of these layers.`,
    );
  }
  return { tree, pending };
}

function pick<T, K extends keyof T>(o: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) out[k] = o[k];
  return out;
}
