/**
 * MaxPool2d -> MaxPool, AvgPool2d -> AveragePool (one file: they share the ceil-mode workaround).
 */
import type { AvgPool2dSpec, MaxPool2dSpec } from '@rectifier/nn';
import { attr, type GraphBuilder } from '../graph-builder';
import type { BuiltinLowering, LoweringContext, Value } from '../lowering';
import { fmt, poolOutSize } from '../shapes';

type PoolSpec = MaxPool2dSpec | AvgPool2dSpec;

function lowerPool(ctx: LoweringContext, spec: PoolSpec, x: Value): Value {
  if (x.shape.length !== 4) ctx.fail(`expects an NCHW input but gets shape ${fmt(x.shape)}`);
  const { kernelSize: k, stride: s, padding: p, ceilMode } = spec;
  const d = spec.type === 'maxPool2d' ? spec.dilation : ([1, 1] as const);
  const oh = poolOutSize(x.shape[2], k[0], s[0], p[0], d[0], ceilMode);
  const ow = poolOutSize(x.shape[3], k[1], s[1], p[1], d[1], ceilMode);
  if (oh < 1 || ow < 1) ctx.fail(`input ${fmt(x.shape)} is too small for a ${k[0]}x${k[1]} window`);
  const shape = [x.shape[0], x.shape[1], oh, ow];
  const explicit = ceilMode ? explicitCeilPads(spec, x.shape[2], x.shape[3], oh, ow) : null;
  if (explicit) return { name: explicit(ctx.graph, x.name, ctx.scope), shape };
  const attrs = {
    kernel_shape: attr.ints(k),
    strides: attr.ints(s),
    pads: attr.ints([p[0], p[1], p[0], p[1]]),
    ceil_mode: attr.int(ceilMode ? 1 : 0),
    ...(spec.type === 'maxPool2d'
      ? { dilations: attr.ints(d) }
      : { count_include_pad: attr.int(spec.countIncludePad ? 1 : 0) }),
  };
  const op = spec.type === 'maxPool2d' ? 'MaxPool' : 'AveragePool';
  return { name: ctx.node(op, [x.name], attrs)[0], shape };
}

export const maxPool2dLowering: BuiltinLowering<'maxPool2d'> = {
  type: 'maxPool2d',
  ops: ['MaxPool'],
  lower: (ctx, spec, [x]) => lowerPool(ctx, spec, x),
};

export const avgPool2dLowering: BuiltinLowering<'avgPool2d'> = {
  type: 'avgPool2d',
  ops: ['AveragePool', 'Pad'],
  lower: (ctx, spec, [x]) => lowerPool(ctx, spec, x),
};

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
  spec: PoolSpec,
  H: number,
  W: number,
  oh: number,
  ow: number,
): ((g: GraphBuilder, x: string, scope: string) => string) | null {
  const { kernelSize: k, stride: s, padding: p } = spec;
  const d = spec.type === 'maxPool2d' ? spec.dilation : ([1, 1] as const);
  const keptByOnnx = (L: number, i: 0 | 1) => Math.ceil((L + 2 * p[i] - d[i] * (k[i] - 1) - 1) / s[i]) + 1;
  if (keptByOnnx(H, 0) === oh && keptByOnnx(W, 1) === ow) return null;
  const padZeros = spec.type === 'avgPool2d' && spec.countIncludePad && (p[0] > 0 || p[1] > 0);
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
      ...(spec.type === 'maxPool2d' ? { dilations: attr.ints(d) } : { count_include_pad: attr.int(0) }),
    };
    return g.node(spec.type === 'maxPool2d' ? 'MaxPool' : 'AveragePool', [v], attrs, scope)[0];
  };
}
