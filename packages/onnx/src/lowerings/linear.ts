import { attr } from '../graph-builder';
import type { BuiltinLowering } from '../lowering';
import { fmt } from '../shapes';

/** Linear -> Gemm(transB = 1) on 2-D input; Transpose + MatMul (+ Add) above rank 2. */
export const linearLowering: BuiltinLowering<'linear'> = {
  type: 'linear',
  ops: ['Gemm', 'MatMul', 'Transpose', 'Add'],
  lower(ctx, _spec, [x]) {
    const [out, inFeatures] = ctx.paramShape('weight') ?? [];
    const rank = x.shape.length;
    if (rank < 2 || x.shape[rank - 1] !== inFeatures) {
      ctx.fail(`expects ${inFeatures} input features but gets shape ${fmt(x.shape)}`);
    }
    const shape = [...x.shape.slice(0, -1), out];
    const w = ctx.param('weight');
    const b = ctx.paramShape('bias') ? ctx.param('bias') : null;
    if (rank === 2) {
      const inputs = b ? [x.name, w, b] : [x.name, w];
      return { name: ctx.node('Gemm', inputs, { transB: attr.int(1) })[0], shape };
    }
    const [wt] = ctx.node('Transpose', [w], { perm: attr.ints([1, 0]) });
    let [y] = ctx.node('MatMul', [x.name, wt]);
    if (b) [y] = ctx.node('Add', [y, b]);
    return { name: y, shape };
  },
};
