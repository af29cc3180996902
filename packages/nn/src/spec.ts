import { ShapeError } from '@rectifier/tensor';
import { convOutputSize, poolOutputSize, sppAxisGeometry } from './geometry';
import { fmtShape } from './options';

/**
 * Plain-data descriptions of the built-in layers, with every option resolved (pairs for 2-D sizes).
 * Every layer exposes its own as `layer.spec`; `buildLayer(spec)` makes a layer from one. They are
 * what `summary` computes shapes, parameter counts and multiply-adds from without allocating weights,
 * what model factories are written in, and what the ONNX exporter reads kernel sizes etc. from.
 * They are JSON-serialisable.
 */
export type LayerSpec =
  | {
      type: 'conv2d';
      inChannels: number;
      outChannels: number;
      kernelSize: [number, number];
      stride: [number, number];
      padding: [number, number];
      dilation: [number, number];
      groups: number;
      bias: boolean;
    }
  | { type: 'linear'; inFeatures: number; outFeatures: number; bias: boolean }
  | { type: 'prelu'; numParameters: number; init: number }
  | { type: 'relu' }
  | { type: 'leakyRelu'; negativeSlope: number }
  | {
      type: 'maxPool2d';
      kernelSize: [number, number];
      stride: [number, number];
      padding: [number, number];
      dilation: [number, number];
      ceilMode: boolean;
    }
  | {
      type: 'avgPool2d';
      kernelSize: [number, number];
      stride: [number, number];
      padding: [number, number];
      ceilMode: boolean;
      countIncludePad: boolean;
    }
  | { type: 'adaptiveMaxPool2d'; outputSize: [number, number] }
  | { type: 'adaptiveAvgPool2d'; outputSize: [number, number] }
  | { type: 'spp'; levels: number[]; mode: 'max' | 'avg' }
  | { type: 'dropout'; p: number }
  | { type: 'flatten'; startDim: number; endDim: number };

export type LayerType = LayerSpec['type'];

/** What one layer does to a shape. */
export interface LayerShapeInfo {
  readonly outputShape: number[];
  /** learnable scalars */
  readonly parameters: number;
  /**
   * Multiply-adds of the layer for this input (whole batch): conv N·O·OH·OW·(C/groups)·kH·kW, linear
   * N·out·in (rows of all leading dims). Activations, pooling, bias additions and dropout count 0: the
   * paper's complexities (Table 3) count the weight layers only.
   */
  readonly multiplyAdds: number;
}

/** Number of learnable scalars of a layer described by `spec`. */
export function specParameters(spec: LayerSpec): number {
  switch (spec.type) {
    case 'conv2d':
      return (
        spec.outChannels * (spec.inChannels / spec.groups) * spec.kernelSize[0] * spec.kernelSize[1] +
        (spec.bias ? spec.outChannels : 0)
      );
    case 'linear':
      return spec.outFeatures * spec.inFeatures + (spec.bias ? spec.outFeatures : 0);
    case 'prelu':
      return spec.numParameters;
    default:
      return 0;
  }
}

/**
 * Output shape, parameters and multiply-adds of `spec` applied to an input of `inputShape`. Throws a
 * clear error (naming `name`) when the input does not fit: wrong rank, wrong channel count, a map that
 * collapses below 1x1, an SPP level larger than the map.
 */
export function inferLayer(
  spec: LayerSpec,
  inputShape: readonly number[],
  name: string = spec.type,
): LayerShapeInfo {
  const s = inputShape;
  const fail = (why: string): never => {
    throw new ShapeError(`${name} (${spec.type}): ${why} (input ${fmtShape(s)})`);
  };
  const need4d = () => {
    if (s.length !== 4) fail('expects a 4-D NCHW input');
  };
  const parameters = specParameters(spec);
  switch (spec.type) {
    case 'conv2d': {
      need4d();
      if (s[1] !== spec.inChannels) fail(`expects ${spec.inChannels} input channels but got ${s[1]}`);
      const oh = convOutputSize(s[2], spec.kernelSize[0], spec.stride[0], spec.padding[0], spec.dilation[0]);
      const ow = convOutputSize(s[3], spec.kernelSize[1], spec.stride[1], spec.padding[1], spec.dilation[1]);
      if (oh < 1 || ow < 1)
        fail(`the ${s[2]}x${s[3]} map is smaller than the ${spec.kernelSize.join('x')} kernel`);
      const macs =
        s[0] *
        spec.outChannels *
        oh *
        ow *
        (spec.inChannels / spec.groups) *
        spec.kernelSize[0] *
        spec.kernelSize[1];
      return { outputShape: [s[0], spec.outChannels, oh, ow], parameters, multiplyAdds: macs };
    }
    case 'linear': {
      if (s.length < 1 || s[s.length - 1] !== spec.inFeatures)
        fail(`expects ${spec.inFeatures} input features in the last dimension`);
      const rows = s.slice(0, -1).reduce((a, b) => a * b, 1);
      return {
        outputShape: [...s.slice(0, -1), spec.outFeatures],
        parameters,
        multiplyAdds: rows * spec.inFeatures * spec.outFeatures,
      };
    }
    case 'prelu': {
      const c = s.length >= 2 ? s[1] : s[0];
      if (spec.numParameters !== 1 && spec.numParameters !== c) {
        fail(
          `has ${spec.numParameters} slopes but the input has ${c} channels (dim ${s.length >= 2 ? 1 : 0})`,
        );
      }
      return { outputShape: [...s], parameters, multiplyAdds: 0 };
    }
    case 'relu':
    case 'leakyRelu':
    case 'dropout':
      return { outputShape: [...s], parameters, multiplyAdds: 0 };
    case 'maxPool2d':
    case 'avgPool2d': {
      need4d();
      const dil = spec.type === 'maxPool2d' ? spec.dilation : [1, 1];
      for (const a of [0, 1]) {
        if (spec.padding[a] * 2 > spec.kernelSize[a])
          fail(`padding ${spec.padding[a]} exceeds half the kernel ${spec.kernelSize[a]}`);
      }
      const oh = poolOutputSize(
        s[2],
        spec.kernelSize[0],
        spec.stride[0],
        spec.padding[0],
        dil[0],
        spec.ceilMode,
      );
      const ow = poolOutputSize(
        s[3],
        spec.kernelSize[1],
        spec.stride[1],
        spec.padding[1],
        dil[1],
        spec.ceilMode,
      );
      if (oh < 1 || ow < 1)
        fail(`the ${s[2]}x${s[3]} map is smaller than the ${spec.kernelSize.join('x')} window`);
      return { outputShape: [s[0], s[1], oh, ow], parameters, multiplyAdds: 0 };
    }
    case 'adaptiveMaxPool2d':
    case 'adaptiveAvgPool2d':
      need4d();
      if (s[2] < 1 || s[3] < 1) fail('the map is empty');
      return { outputShape: [s[0], s[1], ...spec.outputSize], parameters, multiplyAdds: 0 };
    case 'spp': {
      need4d();
      for (const n of spec.levels) {
        if (s[2] < n || s[3] < n)
          fail(`pyramid level ${n} needs a feature map of at least ${n}x${n}, got ${s[2]}x${s[3]}`);
        sppAxisGeometry(s[2], n);
      }
      const bins = spec.levels.reduce((a, n) => a + n * n, 0);
      return { outputShape: [s[0], s[1] * bins], parameters, multiplyAdds: 0 };
    }
    case 'flatten': {
      const r = s.length;
      const start = spec.startDim < 0 ? spec.startDim + r : spec.startDim;
      const end = spec.endDim < 0 ? spec.endDim + r : spec.endDim;
      if (start < 0 || end >= r || start > end)
        fail(`cannot flatten dims ${spec.startDim}..${spec.endDim} of a rank-${r} input`);
      const mid = s.slice(start, end + 1).reduce((a, b) => a * b, 1);
      return { outputShape: [...s.slice(0, start), mid, ...s.slice(end + 1)], parameters, multiplyAdds: 0 };
    }
  }
}
