/**
 * AdaptiveMaxPool2d / AdaptiveAvgPool2d -> one MaxPool/AveragePool when the bins are regular for the
 * export's input size, else the exact Slice + Reduce decomposition (spp.ts). The bins follow
 * PyTorch's (and @rectifier/tensor's) rule [floor(i·L/n), ceil((i+1)·L/n)).
 */
import type { AdaptiveAvgPool2dSpec, AdaptiveMaxPool2dSpec } from '@rectifier/nn';
import type { Windows } from '../export-graph';
import type { BuiltinLowering, LoweringContext, Value } from '../lowering';
import { fmt } from '../shapes';
import { checkWindows, lowerSppLevel } from '../spp';

/** Adaptive pooling bins along one axis of length `size`. */
export const adaptiveWindows = (size: number, bins: number): Windows =>
  Array.from(
    { length: bins },
    (_, i) => [Math.floor((i * size) / bins), Math.ceil(((i + 1) * size) / bins)] as const,
  );

function lowerAdaptive(
  ctx: LoweringContext,
  spec: AdaptiveMaxPool2dSpec | AdaptiveAvgPool2dSpec,
  x: Value,
): Value {
  if (x.shape.length !== 4) ctx.fail(`expects an NCHW input but gets shape ${fmt(x.shape)}`);
  const [N, C, H, W] = x.shape;
  const [oh, ow] = spec.outputSize;
  const where = `exportOnnx: module ${ctx.where} at input size ${H}x${W}`;
  const rows = adaptiveWindows(H, oh);
  const cols = adaptiveWindows(W, ow);
  checkWindows(rows, H, oh, where, `output size ${oh}x${ow}`);
  checkWindows(cols, W, ow, where, `output size ${oh}x${ow}`);
  const mode = spec.type === 'adaptiveMaxPool2d' ? 'max' : 'avg';
  return { name: lowerSppLevel(ctx.graph, x.name, H, W, rows, cols, ctx.scope, mode), shape: [N, C, oh, ow] };
}

export const adaptiveMaxPool2dLowering: BuiltinLowering<'adaptiveMaxPool2d'> = {
  type: 'adaptiveMaxPool2d',
  ops: ['MaxPool', 'Slice', 'ReduceMax', 'Concat'],
  lower: (ctx, spec, [x]) => lowerAdaptive(ctx, spec, x),
};

export const adaptiveAvgPool2dLowering: BuiltinLowering<'adaptiveAvgPool2d'> = {
  type: 'adaptiveAvgPool2d',
  ops: ['AveragePool', 'Slice', 'ReduceMean', 'Concat'],
  lower: (ctx, spec, [x]) => lowerAdaptive(ctx, spec, x),
};
