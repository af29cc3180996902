import { attr } from '../graph-builder';
import type { BuiltinLowering, LoweringContext, Value } from '../lowering';
import { fmt } from '../shapes';

type BatchNormSpec = { numFeatures: number; eps: number; affine: boolean; trackRunningStats: boolean };

/**
 * BatchNorm1d/2d (eval mode) -> BatchNormalization with the running statistics as initializers
 * (`bn1.running_mean`, `bn1.running_var`), gamma and beta as `weight` and `bias` (ones and zeros when
 * the layer is not affine). `exportOnnx(..., { foldBatchNorm: true })` removes it where it follows a
 * conv instead.
 */
function lowerBatchNorm(ctx: LoweringContext, spec: BatchNormSpec, x: Value): Value {
  if (!spec.trackRunningStats) {
    throw new Error(
      `exportOnnx: module ${ctx.where} has no running statistics (trackRunningStats: false), so it normalises with each batch's statistics even in eval mode; only BatchNorm with running statistics exports`,
    );
  }
  const C = spec.numFeatures;
  if (x.shape.length < 2 || x.shape[1] !== C)
    ctx.fail(`expects ${C} channels at dim 1 but gets shape ${fmt(x.shape)}`);
  const scale = spec.affine
    ? ctx.param('weight')
    : ctx.float32(`${ctx.scope}/scale`, [C], new Float32Array(C).fill(1));
  const bias = spec.affine ? ctx.param('bias') : ctx.float32(`${ctx.scope}/bias`, [C], new Float32Array(C));
  const [y] = ctx.node(
    'BatchNormalization',
    [x.name, scale, bias, ctx.param('running_mean'), ctx.param('running_var')],
    { epsilon: attr.float(spec.eps) },
  );
  return { name: y, shape: x.shape };
}

export const batchNorm2dLowering: BuiltinLowering<'batchNorm2d'> = {
  type: 'batchNorm2d',
  ops: ['BatchNormalization'],
  lower: (ctx, spec, [x]) => lowerBatchNorm(ctx, spec, x),
};

export const batchNorm1dLowering: BuiltinLowering<'batchNorm1d'> = {
  type: 'batchNorm1d',
  ops: ['BatchNormalization'],
  lower: (ctx, spec, [x]) => lowerBatchNorm(ctx, spec, x),
};
