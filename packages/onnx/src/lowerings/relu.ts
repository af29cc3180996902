import type { BuiltinLowering } from '../lowering';

/** ReLU -> Relu. */
export const reluLowering: BuiltinLowering<'relu'> = {
  type: 'relu',
  ops: ['Relu'],
  lower: (ctx, _spec, [x]) => ({ name: ctx.node('Relu', [x.name])[0], shape: x.shape }),
};
