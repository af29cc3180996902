import type { BuiltinLowering } from '../lowering';

/** Identity -> nothing (its output is its input). */
export const identityLowering: BuiltinLowering<'identity'> = {
  type: 'identity',
  lower: (_ctx, _spec, [x]) => x,
};
