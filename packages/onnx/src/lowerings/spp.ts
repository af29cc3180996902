/**
 * SpatialPyramidPooling -> per level one MaxPool (or the exact Slice/ReduceMax decomposition) +
 * Flatten, then Concat. The bins come from nn's own window rule (`sppAxisGeometry`) for the export's
 * input size, so the spatial size is fixed in the exported model.
 */
import { sppAxisGeometry } from '@rectifier/nn';
import type { Windows } from '../export-graph';
import { attr } from '../graph-builder';
import type { BuiltinLowering } from '../lowering';
import { fmt } from '../shapes';
import { checkWindows, lowerSppLevel } from '../spp';

/** SPP bins along one axis from nn's rule: [i·stride, i·stride + kernel). */
export const sppWindows = (size: number, bins: number): Windows => {
  const { kernel, stride } = sppAxisGeometry(size, bins);
  return Array.from({ length: bins }, (_, i) => [i * stride, i * stride + kernel] as const);
};

export const sppLowering: BuiltinLowering<'spp'> = {
  type: 'spp',
  ops: ['MaxPool', 'AveragePool', 'Slice', 'ReduceMax', 'ReduceMean', 'Flatten', 'Concat'],
  lower(ctx, spec, [x]) {
    if (x.shape.length !== 4) ctx.fail(`expects an NCHW input but gets shape ${fmt(x.shape)}`);
    const [N, C, H, W] = x.shape;
    const where = `exportOnnx: module ${ctx.where} at input size ${H}x${W}`;
    const flat = spec.levels.map((n) => {
      let rows: Windows;
      let cols: Windows;
      try {
        rows = sppWindows(H, n);
        cols = sppWindows(W, n);
      } catch (e) {
        throw new Error(`${where}: level ${n}: ${(e as Error).message}`);
      }
      checkWindows(rows, H, n, where);
      checkWindows(cols, W, n, where);
      const scope = `${ctx.scope}/level${n}`;
      const pooled = lowerSppLevel(ctx.graph, x.name, H, W, rows, cols, scope, spec.mode);
      // channel-major within a level: [N, C, n, n] -> [N, C*n*n]
      return ctx.node('Flatten', [pooled], { axis: attr.int(1) }, scope)[0];
    });
    const bins = spec.levels.reduce((a, n) => a + n * n, 0);
    const y = flat.length === 1 ? flat[0] : ctx.node('Concat', flat, { axis: attr.int(1) })[0];
    return { name: y, shape: [N, C * bins] };
  },
};
