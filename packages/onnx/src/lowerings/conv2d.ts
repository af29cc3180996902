import { attr } from '../graph-builder';
import type { BuiltinLowering } from '../lowering';
import { convOutSize, fmt } from '../shapes';

/** Conv2d -> Conv (OIHW weight, symmetric pads written as [top, left, bottom, right]). */
export const conv2dLowering: BuiltinLowering<'conv2d'> = {
  type: 'conv2d',
  ops: ['Conv'],
  lower(ctx, spec, [x]) {
    if (x.shape.length !== 4) ctx.fail(`expects an NCHW input but gets shape ${fmt(x.shape)}`);
    const [out, inPerGroup, kh, kw] = ctx.paramShape('weight') ?? [];
    const { groups, stride, dilation } = spec;
    const padding = [spec.padding[0], spec.padding[1], spec.padding[0], spec.padding[1]];
    if (x.shape[1] !== inPerGroup * groups) {
      ctx.fail(
        `input ${fmt(x.shape)} has ${x.shape[1]} channels but weight ${fmt([out, inPerGroup, kh, kw])} with groups=${groups} expects ${inPerGroup * groups}`,
      );
    }
    const oh = convOutSize(x.shape[2], kh, stride[0], padding[0], padding[2], dilation[0]);
    const ow = convOutSize(x.shape[3], kw, stride[1], padding[1], padding[3], dilation[1]);
    if (oh < 1 || ow < 1) ctx.fail(`input ${fmt(x.shape)} is too small for kernel ${kh}x${kw}`);
    const inputs = [x.name, ctx.param('weight')];
    if (ctx.paramShape('bias')) inputs.push(ctx.param('bias'));
    const [y] = ctx.node('Conv', inputs, {
      kernel_shape: attr.ints([kh, kw]),
      strides: attr.ints(stride),
      pads: attr.ints(padding),
      dilations: attr.ints(dilation),
      group: attr.int(groups),
    });
    return { name: y, shape: [x.shape[0], out, oh, ow] };
  },
};
