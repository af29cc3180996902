import type { BuiltinLowering } from '../lowering';

/** Dropout -> nothing: inverted dropout is the identity at inference (the export is in eval mode). */
export const dropoutLowering: BuiltinLowering<'dropout'> = {
  type: 'dropout',
  lower: (_ctx, _spec, [x]) => x,
};
