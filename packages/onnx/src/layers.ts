/**
 * The exporter's view of a model: a tree of layer descriptions with their parameters already read
 * back to host memory. `from-module.ts` builds it from a `@rectifier/nn` module tree (validating
 * everything first), `lower.ts` turns it into ONNX nodes. Keeping the two apart means nothing is
 * written until the whole model is known to be exportable.
 */

/** A parameter as it will be stored: its dotted module path (`features.0.weight`) and values. */
export interface ParamData {
  readonly name: string;
  readonly shape: readonly number[];
  /** filled in after the whole tree has been validated (see from-module.ts) */
  data: Float32Array;
}

export type Pair = readonly [number, number];

/** Pooling windows along one axis for one SPP level: `[start, end)` per output bin, in input indices. */
export type Windows = readonly (readonly [number, number])[];

export type LayerSpec =
  | { kind: 'sequential'; path: string; type: string; children: readonly LayerSpec[] }
  | {
      kind: 'conv2d';
      path: string;
      type: string;
      weight: ParamData; // [out, in/groups, kH, kW]
      bias: ParamData | null;
      stride: Pair;
      padding: readonly [number, number, number, number]; // top, left, bottom, right
      dilation: Pair;
      groups: number;
    }
  | { kind: 'linear'; path: string; type: string; weight: ParamData /* [out, in] */; bias: ParamData | null }
  | { kind: 'prelu'; path: string; type: string; weight: ParamData /* [1] or [C] */ }
  | { kind: 'relu'; path: string; type: string }
  | { kind: 'leakyRelu'; path: string; type: string; negativeSlope: number }
  | {
      kind: 'maxPool2d';
      path: string;
      type: string;
      kernelSize: Pair;
      stride: Pair;
      padding: Pair;
      dilation: Pair;
      ceilMode: boolean;
    }
  | {
      kind: 'avgPool2d';
      path: string;
      type: string;
      kernelSize: Pair;
      stride: Pair;
      padding: Pair;
      ceilMode: boolean;
      countIncludePad: boolean;
    }
  | {
      kind: 'spp';
      path: string;
      type: string;
      levels: readonly number[];
      mode: 'max' | 'avg';
      /** nn's own window computation: the bins of `level` along an axis of length `size`. */
      windows: (size: number, level: number) => Windows;
    }
  | {
      kind: 'adaptivePool2d';
      path: string;
      type: string;
      mode: 'max' | 'avg';
      outputSize: Pair;
      /** the bins of an output of length `bins` along an axis of length `size` */
      windows: (size: number, bins: number) => Windows;
    }
  | { kind: 'flatten'; path: string; type: string; startDim: number; endDim: number }
  | { kind: 'softmax'; path: string; type: string; dim: number }
  /** Layers that are the identity at inference (Dropout in eval mode, Identity). */
  | { kind: 'identity'; path: string; type: string };

/** `path` as PyTorch's exporter writes node scopes: `features.0` -> `/features/0`. */
export function scopeOf(path: string): string {
  return path === '' ? '' : `/${path.split('.').join('/')}`;
}

/** A module path for messages: the root is called `<root>`. */
export function describePath(path: string, type: string): string {
  return `'${path === '' ? '<root>' : path}' (${type})`;
}
