import { attr } from '../graph-builder';
import type { BuiltinLowering } from '../lowering';

/** LeakyReLU -> LeakyRelu(alpha = negativeSlope). */
export const leakyReluLowering: BuiltinLowering<'leakyRelu'> = {
  type: 'leakyRelu',
  ops: ['LeakyRelu'],
  lower: (ctx, spec, [x]) => ({
    name: ctx.node('LeakyRelu', [x.name], { alpha: attr.float(spec.negativeSlope) })[0],
    shape: x.shape,
  }),
};
