import { attr } from '../graph-builder';
import type { BuiltinLowering } from '../lowering';
import { fmt } from '../shapes';

/** Concat -> Concat(axis = dim, made non-negative). */
export const concatLowering: BuiltinLowering<'concat'> = {
  type: 'concat',
  ops: ['Concat'],
  lower(ctx, spec, inputs) {
    if (inputs.length === 0) ctx.fail('has no inputs');
    if (inputs.length === 1) return inputs[0];
    const first = inputs[0].shape;
    const d = spec.dim < 0 ? spec.dim + first.length : spec.dim;
    const all = inputs.map((i) => fmt(i.shape)).join(', ');
    if (d < 0 || d >= first.length) ctx.fail(`dim ${spec.dim} is out of range for inputs ${all}`);
    if (
      inputs.some((v) => v.shape.length !== first.length || v.shape.some((n, i) => i !== d && n !== first[i]))
    )
      ctx.fail(`inputs ${all} must match in every dim but ${d}`);
    const shape = [...first];
    shape[d] = inputs.reduce((a, v) => a + v.shape[d], 0);
    return {
      name: ctx.node(
        'Concat',
        inputs.map((v) => v.name),
        { axis: attr.int(d) },
      )[0],
      shape,
    };
  },
};
