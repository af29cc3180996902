import { attr } from '../graph-builder';
import type { BuiltinLowering } from '../lowering';
import { fmt } from '../shapes';

const ONNX_MODE = { constant: 'constant', reflect: 'reflect', replicate: 'edge' } as const;

/**
 * ZeroPad2d / ConstantPad2d / ReflectionPad2d / ReplicationPad2d -> Pad (pads as an int64 input,
 * [dim begins..., dim ends...]; negative amounts crop, as in PyTorch; replicate is ONNX's 'edge').
 */
export const pad2dLowering: BuiltinLowering<'pad2d'> = {
  type: 'pad2d',
  ops: ['Pad'],
  lower(ctx, spec, [x]) {
    const rank = x.shape.length;
    if (rank !== 3 && rank !== 4)
      ctx.fail(`expects a [N, C, H, W] or [C, H, W] input but gets ${fmt(x.shape)}`);
    const [l, r, t, b] = spec.padding;
    const zeros = new Array<number>(rank - 2).fill(0);
    const pads = ctx.int64(`${ctx.scope}/pads`, [...zeros, t, l, ...zeros, b, r]);
    const inputs = [x.name, pads];
    if (spec.mode === 'constant' && spec.value !== 0)
      inputs.push(ctx.float32(`${ctx.scope}/value`, [], [spec.value]));
    const [y] = ctx.node('Pad', inputs, { mode: attr.string(ONNX_MODE[spec.mode]) });
    const h = x.shape[rank - 2] + t + b;
    const w = x.shape[rank - 1] + l + r;
    return { name: y, shape: [...x.shape.slice(0, -2), h, w] };
  },
};
