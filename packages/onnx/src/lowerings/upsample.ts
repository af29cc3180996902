import { upsampleOutputSize } from '@rectifier/nn';
import { type AttrValue, attr } from '../graph-builder';
import type { BuiltinLowering } from '../lowering';
import { fmt } from '../shapes';

/**
 * Upsample -> Resize (opset >= 13) with PyTorch's coordinates: nearest is 'asymmetric' with floor
 * rounding (src = floor(dst / scale)); bilinear is 'linear' with 'align_corners' or
 * 'pytorch_half_pixel' (half-pixel centres, as torch's exporter writes it). A scale factor goes in as
 * `scales` [1, 1, sh, sw] (the coordinates then use 1 / scaleFactor, as PyTorch does); a fixed size as
 * `sizes` [N, C, oh, ow], with N and C read from the input's shape so a dynamic batch flows through.
 */
export const upsampleLowering: BuiltinLowering<'upsample'> = {
  type: 'upsample',
  ops: ['Resize', 'Shape', 'Slice', 'Concat'],
  lower(ctx, spec, [x]) {
    if (x.shape.length !== 4) ctx.fail(`expects an NCHW input but gets shape ${fmt(x.shape)}`);
    if (ctx.opset < 13) ctx.fail(`Resize with PyTorch's coordinates needs opset >= 13, got ${ctx.opset}`);
    const [oh, ow] = upsampleOutputSize(spec, x.shape[2], x.shape[3]);
    const attrs: Record<string, AttrValue> =
      spec.mode === 'nearest'
        ? {
            mode: attr.string('nearest'),
            coordinate_transformation_mode: attr.string('asymmetric'),
            nearest_mode: attr.string('floor'),
          }
        : {
            mode: attr.string('linear'),
            coordinate_transformation_mode: attr.string(
              spec.alignCorners ? 'align_corners' : 'pytorch_half_pixel',
            ),
          };
    let inputs: string[];
    if (spec.scaleFactor) {
      const scales = ctx.float32(`${ctx.scope}/scales`, [4], [1, 1, ...spec.scaleFactor]);
      inputs = [x.name, '', scales];
    } else {
      const [shape] = ctx.node('Shape', [x.name]);
      const [nc] = ctx.node('Slice', [
        shape,
        ctx.int64(`${ctx.scope}/starts`, [0]),
        ctx.int64(`${ctx.scope}/ends`, [2]),
      ]);
      const [sizes] = ctx.node('Concat', [nc, ctx.int64(`${ctx.scope}/hw`, [oh, ow])], { axis: attr.int(0) });
      inputs = [x.name, '', '', sizes];
    }
    const [y] = ctx.node('Resize', inputs, attrs);
    return { name: y, shape: [x.shape[0], x.shape[1], oh, ow] };
  },
};
