import { PReLU } from '../layers/prelu';
import type { Module } from '../module';

/** Learned PReLU coefficients of one layer, in the layout of the paper's Table 1. */
export interface LayerSlopes {
  /** the layer the PReLU follows: `conv2_1` for the activation `conv2_1_prelu` */
  readonly layer: string;
  /** the activation module's own name */
  readonly module: string;
  readonly numParameters: number;
  /** a for channel-shared, the mean of a_i over channels for channel-wise (Table 1's columns) */
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  readonly values: number[];
}

/**
 * The PReLU coefficients of every PReLU in `model`, in forward order, named after the layer they follow
 * (the paper's models name activations `<layer>_prelu`). Reads parameter values asynchronously, so it
 * works on every backend.
 *
 * @example
 * for (const s of await preluSlopes(net)) console.log(s.layer, s.mean.toFixed(3));
 */
export async function preluSlopes(model: Module<any, any>): Promise<LayerSlopes[]> {
  const out: LayerSlopes[] = [];
  for (const [name, m] of model.namedModules()) {
    if (!(m instanceof PReLU)) continue;
    const values = Array.from(await m.weight.data());
    const last = name.split('.').pop() ?? name;
    out.push({
      layer: last.endsWith('_prelu') ? last.slice(0, -'_prelu'.length) : name,
      module: name,
      numParameters: values.length,
      mean: values.reduce((a, b) => a + b, 0) / values.length,
      min: Math.min(...values),
      max: Math.max(...values),
      values,
    });
  }
  return out;
}

/** A two-column table (layer, a or mean a_i) like the paper's Table 1. */
export function formatSlopes(slopes: readonly LayerSlopes[]): string {
  const w = Math.max(5, ...slopes.map((s) => s.layer.length));
  const lines = [`${'layer'.padEnd(w)}  ${'a / mean a_i'.padStart(12)}  channels`];
  for (const s of slopes)
    lines.push(`${s.layer.padEnd(w)}  ${s.mean.toFixed(3).padStart(12)}  ${s.numParameters}`);
  return lines.join('\n');
}
