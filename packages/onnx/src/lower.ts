/**
 * Lowering of layer descriptions to ONNX nodes, tracking the value's shape so that each layer is
 * checked against its input (channels, spatial size) with an error naming the module.
 *
 * Mapping (opset >= 13): Conv2d -> Conv; Linear -> Gemm(transB=1) (MatMul + Add above rank 2);
 * PReLU -> PRelu with the slope reshaped to [C,1,1] for NCHW ([C] after Linear, [1] if shared);
 * ReLU -> Relu; LeakyReLU -> LeakyRelu; MaxPool2d -> MaxPool; AvgPool2d -> AveragePool;
 * SpatialPyramidPooling -> per-level MaxPool (or exact Slice/ReduceMax) + Flatten + Concat;
 * Flatten -> Flatten(axis=1) or Reshape; Dropout/Identity -> nothing.
 */
import { ShapeError } from '@rectifier/tensor';
import { attr, type GraphBuilder } from './graph-builder';
import { describePath, type LayerSpec, type ParamData, scopeOf } from './layers';
import { convOutSize, fmt, poolOutSize } from './shapes';
import { checkWindows, lowerSppLevel } from './spp';

/** A value in the graph and its static shape (dim 0 is the batch: 1 or the example batch). */
export interface Value {
  name: string;
  shape: readonly number[];
}

function fail(layer: LayerSpec, message: string): never {
  // every lowering failure is a shape that does not fit the layer
  throw new ShapeError(`exportOnnx: module ${describePath(layer.path, layer.type)}: ${message}`);
}

function param(g: GraphBuilder, p: ParamData, dims: readonly number[] = p.shape): string {
  return g.parameter(p.name, dims, p.data);
}

/** Appends the nodes of `layer` applied to `x`; returns the output value. */
export function lowerLayer(g: GraphBuilder, layer: LayerSpec, x: Value): Value {
  const scope = scopeOf(layer.path);
  const rank = x.shape.length;
  const need4d = () => {
    if (rank !== 4) fail(layer, `expects an NCHW input but gets shape ${fmt(x.shape)}`);
  };
  switch (layer.kind) {
    case 'sequential':
      return layer.children.reduce((v, child) => lowerLayer(g, child, v), x);

    case 'identity':
      return x;

    case 'relu':
      return { name: g.node('Relu', [x.name], {}, scope)[0], shape: x.shape };

    case 'leakyRelu':
      return {
        name: g.node('LeakyRelu', [x.name], { alpha: attr.float(layer.negativeSlope) }, scope)[0],
        shape: x.shape,
      };

    case 'prelu': {
      const n = layer.weight.data.length;
      if (n !== 1 && (rank < 2 || n !== x.shape[1])) {
        fail(layer, `has ${n} slopes but its input ${fmt(x.shape)} has ${x.shape[1]} channels (dim 1)`);
      }
      // ONNX broadcasts the slope from the right: [C] would line up with W on NCHW input
      // (pytorch/pytorch#21271), so channel-wise slopes get trailing 1s: [C,1,1] for NCHW, [C] for [N,C].
      const dims = n === 1 ? [1] : [n, ...Array(rank - 2).fill(1)];
      const slope = param(g, layer.weight, dims);
      return { name: g.node('PRelu', [x.name, slope], {}, scope)[0], shape: x.shape };
    }

    case 'conv2d': {
      need4d();
      const [out, inPerGroup, kh, kw] = layer.weight.shape;
      const { groups, stride, dilation, padding } = layer;
      if (x.shape[1] !== inPerGroup * groups) {
        fail(
          layer,
          `input ${fmt(x.shape)} has ${x.shape[1]} channels but weight ${fmt(layer.weight.shape)} with groups=${groups} expects ${inPerGroup * groups}`,
        );
      }
      const oh = convOutSize(x.shape[2], kh, stride[0], padding[0], padding[2], dilation[0]);
      const ow = convOutSize(x.shape[3], kw, stride[1], padding[1], padding[3], dilation[1]);
      if (oh < 1 || ow < 1) fail(layer, `input ${fmt(x.shape)} is too small for kernel ${kh}x${kw}`);
      const inputs = [x.name, param(g, layer.weight)];
      if (layer.bias) inputs.push(param(g, layer.bias));
      const [y] = g.node(
        'Conv',
        inputs,
        {
          kernel_shape: attr.ints([kh, kw]),
          strides: attr.ints(stride),
          pads: attr.ints(padding),
          dilations: attr.ints(dilation),
          group: attr.int(groups),
        },
        scope,
      );
      return { name: y, shape: [x.shape[0], out, oh, ow] };
    }

    case 'linear': {
      const [out, inFeatures] = layer.weight.shape;
      if (rank < 2 || x.shape[rank - 1] !== inFeatures) {
        fail(layer, `expects ${inFeatures} input features but gets shape ${fmt(x.shape)}`);
      }
      const shape = [...x.shape.slice(0, -1), out];
      const w = param(g, layer.weight);
      const b = layer.bias ? param(g, layer.bias) : null;
      if (rank === 2) {
        const inputs = b ? [x.name, w, b] : [x.name, w];
        return { name: g.node('Gemm', inputs, { transB: attr.int(1) }, scope)[0], shape };
      }
      const [wt] = g.node('Transpose', [w], { perm: attr.ints([1, 0]) }, scope);
      let [y] = g.node('MatMul', [x.name, wt], {}, scope);
      if (b) [y] = g.node('Add', [y, b], {}, scope);
      return { name: y, shape };
    }

    case 'maxPool2d':
    case 'avgPool2d': {
      need4d();
      const { kernelSize: k, stride: s, padding: p, ceilMode } = layer;
      const d = layer.kind === 'maxPool2d' ? layer.dilation : ([1, 1] as const);
      const oh = poolOutSize(x.shape[2], k[0], s[0], p[0], d[0], ceilMode);
      const ow = poolOutSize(x.shape[3], k[1], s[1], p[1], d[1], ceilMode);
      if (oh < 1 || ow < 1) fail(layer, `input ${fmt(x.shape)} is too small for a ${k[0]}x${k[1]} window`);
      const shape = [x.shape[0], x.shape[1], oh, ow];
      const explicit = ceilMode ? explicitCeilPads(layer, x.shape[2], x.shape[3], oh, ow) : null;
      if (explicit) return { name: explicit(g, x.name, scope), shape };
      const attrs = {
        kernel_shape: attr.ints(k),
        strides: attr.ints(s),
        pads: attr.ints([p[0], p[1], p[0], p[1]]),
        ceil_mode: attr.int(ceilMode ? 1 : 0),
        ...(layer.kind === 'maxPool2d'
          ? { dilations: attr.ints(d) }
          : { count_include_pad: attr.int(layer.countIncludePad ? 1 : 0) }),
      };
      const op = layer.kind === 'maxPool2d' ? 'MaxPool' : 'AveragePool';
      return { name: g.node(op, [x.name], attrs, scope)[0], shape };
    }

    case 'spp': {
      need4d();
      const [N, C, H, W] = x.shape;
      const where = `exportOnnx: module ${describePath(layer.path, layer.type)} at input size ${H}x${W}`;
      const flat = layer.levels.map((n) => {
        let rows: ReturnType<typeof layer.windows>;
        let cols: ReturnType<typeof layer.windows>;
        try {
          rows = layer.windows(H, n);
          cols = layer.windows(W, n);
        } catch (e) {
          throw new Error(`${where}: level ${n}: ${(e as Error).message}`);
        }
        checkWindows(rows, H, n, where);
        checkWindows(cols, W, n, where);
        const pooled = lowerSppLevel(g, x.name, H, W, rows, cols, `${scope}/level${n}`, layer.mode);
        // channel-major within a level: [N, C, n, n] -> [N, C*n*n]
        return g.node('Flatten', [pooled], { axis: attr.int(1) }, `${scope}/level${n}`)[0];
      });
      const bins = layer.levels.reduce((a, n) => a + n * n, 0);
      const y = flat.length === 1 ? flat[0] : g.node('Concat', flat, { axis: attr.int(1) }, scope)[0];
      return { name: y, shape: [N, C * bins] };
    }

    case 'adaptivePool2d': {
      need4d();
      const [N, C, H, W] = x.shape;
      const [oh, ow] = layer.outputSize;
      const where = `exportOnnx: module ${describePath(layer.path, layer.type)} at input size ${H}x${W}`;
      const rows = layer.windows(H, oh);
      const cols = layer.windows(W, ow);
      checkWindows(rows, H, oh, where, `output size ${oh}x${ow}`);
      checkWindows(cols, W, ow, where, `output size ${oh}x${ow}`);
      return { name: lowerSppLevel(g, x.name, H, W, rows, cols, scope, layer.mode), shape: [N, C, oh, ow] };
    }

    case 'flatten': {
      const start = layer.startDim < 0 ? layer.startDim + rank : layer.startDim;
      const end = layer.endDim < 0 ? layer.endDim + rank : layer.endDim;
      if (!(start >= 0 && end < rank && start <= end)) {
        fail(layer, `dims (${layer.startDim}, ${layer.endDim}) are out of range for shape ${fmt(x.shape)}`);
      }
      if (start === end) return x;
      const merged = x.shape.slice(start, end + 1).reduce((a, b) => a * b, 1);
      const shape = [...x.shape.slice(0, start), merged, ...x.shape.slice(end + 1)];
      if (start === 1 && end === rank - 1) {
        return { name: g.node('Flatten', [x.name], { axis: attr.int(1) }, scope)[0], shape };
      }
      // 0 copies the (possibly dynamic) batch dim; -1 infers it when the batch itself is merged
      const target = shape.map((v, i) => (i === 0 ? (start === 0 ? -1 : 0) : v));
      const shapeConst = g.int64(`${scope}/shape`, target);
      return { name: g.node('Reshape', [x.name, shapeConst], {}, scope)[0], shape };
    }

    case 'softmax':
      return { name: g.node('Softmax', [x.name], { axis: attr.int(layer.dim) }, scope)[0], shape: x.shape };
  }
}

type PoolLayer = Extract<LayerSpec, { kind: 'maxPool2d' | 'avgPool2d' }>;

/**
 * A ceil-mode pool whose last window would start in the right padding: PyTorch drops that window
 * (and so does nn), but ONNX's older `ceil_mode` shape rule, which onnxruntime-web 1.30 still applies
 * at load time, keeps it, so a `ceil_mode = 1` node is rejected there ("Can't merge shape info") or
 * yields one extra row/column. Such pools are written without ceil_mode, with the end padding that
 * gives PyTorch's output size under the floor rule; the extra padding only covers window parts that
 * ceil mode clips anyway (MaxPool ignores padding; AveragePool excludes it from the divisor with
 * count_include_pad = 0, and an explicit zero `Pad` first restores the counted `padding` of
 * count_include_pad = true). Returns null when `ceil_mode = 1` is unambiguous (no window dropped),
 * or when the needed end pad reaches the kernel size (ONNX Runtime requires pad < kernel; only
 * possible with dilation), keeping `ceil_mode = 1` there.
 */
function explicitCeilPads(
  layer: PoolLayer,
  H: number,
  W: number,
  oh: number,
  ow: number,
): ((g: GraphBuilder, x: string, scope: string) => string) | null {
  const { kernelSize: k, stride: s, padding: p } = layer;
  const d = layer.kind === 'maxPool2d' ? layer.dilation : ([1, 1] as const);
  const keptByOnnx = (L: number, i: 0 | 1) => Math.ceil((L + 2 * p[i] - d[i] * (k[i] - 1) - 1) / s[i]) + 1;
  if (keptByOnnx(H, 0) === oh && keptByOnnx(W, 1) === ow) return null;
  const padZeros = layer.kind === 'avgPool2d' && layer.countIncludePad && (p[0] > 0 || p[1] > 0);
  // begin padding kept in the pool (0 when a Pad node materialises it), and the end padding that makes
  // floor((L + begin + end - d(k-1) - 1) / s) + 1 equal PyTorch's ceil-mode size
  const begin = padZeros ? [0, 0] : [p[0], p[1]];
  const len = padZeros ? [H + 2 * p[0], W + 2 * p[1]] : [H, W];
  const out = [oh, ow];
  const end = [0, 1].map((i) =>
    Math.max(padZeros ? 0 : p[i], (out[i] - 1) * s[i] + d[i] * (k[i] - 1) + 1 - len[i] - begin[i]),
  );
  if (end[0] >= k[0] || end[1] >= k[1] || begin[0] >= k[0] || begin[1] >= k[1]) return null;
  return (g, x, scope) => {
    let v = x;
    if (padZeros) {
      const pads = g.int64(`${scope}/pads`, [0, 0, p[0], p[1], 0, 0, p[0], p[1]]);
      v = g.node('Pad', [v, pads], { mode: attr.string('constant') }, scope)[0];
    }
    const attrs = {
      kernel_shape: attr.ints(k),
      strides: attr.ints(s),
      pads: attr.ints([begin[0], begin[1], end[0], end[1]]),
      ceil_mode: attr.int(0),
      ...(layer.kind === 'maxPool2d' ? { dilations: attr.ints(d) } : { count_include_pad: attr.int(0) }),
    };
    return g.node(layer.kind === 'maxPool2d' ? 'MaxPool' : 'AveragePool', [v], attrs, scope)[0];
  };
}
