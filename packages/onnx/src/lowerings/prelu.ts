import type { BuiltinLowering } from '../lowering';
import { fmt } from '../shapes';

/**
 * PReLU -> PRelu. ONNX broadcasts the slope from the right: [C] would line up with W on NCHW input
 * (pytorch/pytorch#21271), so channel-wise slopes get trailing 1s: [C,1,1] for NCHW, [C] for [N,C].
 */
export const preluLowering: BuiltinLowering<'prelu'> = {
  type: 'prelu',
  ops: ['PRelu'],
  lower(ctx, _spec, [x]) {
    const rank = x.shape.length;
    const [n] = ctx.paramShape('weight') ?? [1];
    if (n !== 1 && (rank < 2 || n !== x.shape[1])) {
      ctx.fail(`has ${n} slopes but its input ${fmt(x.shape)} has ${x.shape[1]} channels (dim 1)`);
    }
    const dims = n === 1 ? [1] : [n, ...Array(rank - 2).fill(1)];
    return { name: ctx.node('PRelu', [x.name, ctx.param('weight', dims)])[0], shape: x.shape };
  },
};
