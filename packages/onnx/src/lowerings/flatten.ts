import { attr } from '../graph-builder';
import type { BuiltinLowering, LoweringContext, Value } from '../lowering';
import { fmt } from '../shapes';

/** Flatten -> Flatten(axis = 1) when it merges every non-batch dim, else Reshape (batch kept symbolic). */
export const flattenLowering: BuiltinLowering<'flatten'> = {
  type: 'flatten',
  ops: ['Flatten', 'Reshape'],
  lower(ctx, spec, [x]) {
    const rank = x.shape.length;
    const start = spec.startDim < 0 ? spec.startDim + rank : spec.startDim;
    const end = spec.endDim < 0 ? spec.endDim + rank : spec.endDim;
    if (!(start >= 0 && end < rank && start <= end)) {
      ctx.fail(`dims (${spec.startDim}, ${spec.endDim}) are out of range for shape ${fmt(x.shape)}`);
    }
    if (start === end) return x;
    const merged = x.shape.slice(start, end + 1).reduce((a, b) => a * b, 1);
    return reshapeTo(ctx, x, [...x.shape.slice(0, start), merged, ...x.shape.slice(end + 1)], start > 0);
  },
};

/**
 * `x` reshaped to `shape` (same element count): Flatten(axis = 1) for [N, ...] -> [N, rest], else
 * Reshape with 0 for a kept batch dim (`batchKept`: dim 0 is untouched, so a dynamic batch flows
 * through) or -1 when the batch is merged.
 */
export function reshapeTo(
  ctx: LoweringContext,
  x: Value,
  shape: readonly number[],
  batchKept: boolean,
): Value {
  const rank = x.shape.length;
  if (shape.length === rank && shape.every((d, i) => d === x.shape[i])) return x;
  if (batchKept && shape.length === 2 && rank >= 2) {
    return { name: ctx.node('Flatten', [x.name], { axis: attr.int(1) })[0], shape };
  }
  const target = shape.map((v, i) => (i === 0 ? (batchKept ? 0 : -1) : v));
  const shapeConst = ctx.int64(`${ctx.scope}/shape`, target);
  return { name: ctx.node('Reshape', [x.name, shapeConst])[0], shape };
}
