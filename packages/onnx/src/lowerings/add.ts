import { broadcastShape } from '@rectifier/nn';
import type { BuiltinLowering } from '../lowering';
import { fmt } from '../shapes';

/** Add -> Add for two inputs, Sum for more (both broadcast NumPy-style, as nn's Add does). */
export const addLowering: BuiltinLowering<'add'> = {
  type: 'add',
  ops: ['Add', 'Sum'],
  lower(ctx, _spec, inputs) {
    if (inputs.length === 0) ctx.fail('has no inputs');
    if (inputs.length === 1) return inputs[0];
    let shape: number[] = [...inputs[0].shape];
    for (const v of inputs.slice(1)) {
      shape =
        broadcastShape(shape, v.shape) ??
        ctx.fail(`input shapes ${inputs.map((i) => fmt(i.shape)).join(', ')} do not broadcast`);
    }
    const names = inputs.map((v) => v.name);
    return { name: ctx.node(inputs.length === 2 ? 'Add' : 'Sum', names)[0], shape };
  },
};
