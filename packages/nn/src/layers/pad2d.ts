import { type PadMode, pad, type Tensor } from '@rectifier/tensor';
import { checkInputs, type LayerDefinition } from '../layer-definition';
import { Module } from '../module';
import { checkInt, checkNumber, checkOptions, describe } from '../options';

/** Options of the 2-D padding layers: one amount for all four sides, or [left, right, top, bottom]. */
export interface Pad2dOptions {
  padding: number | [number, number, number, number];
  /** ConstantPad2d only: the fill value (default 0) */
  value?: number;
}

/** The spec of every 2-D padding layer (the mode tells which). */
export interface Pad2dSpec {
  type: 'pad2d';
  /** [left, right, top, bottom], torch.nn.functional.pad's order for the last two dims */
  padding: [number, number, number, number];
  mode: PadMode;
  value: number;
}

/**
 * Shared implementation of PyTorch's `ZeroPad2d`, `ConstantPad2d`, `ReflectionPad2d` and
 * `ReplicationPad2d`: `pad` of `@rectifier/tensor` on the last two dims of a [N, C, H, W] or [C, H, W]
 * input. Negative amounts crop (constant modes only).
 */
export abstract class Pad2dBase extends Module {
  readonly padding: [number, number, number, number];
  readonly mode: PadMode;
  readonly value: number;

  protected constructor(fn: string, mode: PadMode, opts: Pad2dOptions, allowValue: boolean) {
    super();
    if (opts === undefined) throw new TypeError(`${fn}: options { padding } are required`);
    checkOptions(fn, opts, allowValue ? ['padding', 'value'] : ['padding']);
    const p = opts.padding;
    const list = typeof p === 'number' ? [p, p, p, p] : Array.isArray(p) && p.length === 4 ? p : null;
    if (list === null)
      throw new TypeError(
        `${fn}: padding must be an integer or [left, right, top, bottom], got ${describe(p)}`,
      );
    const min = mode === 'constant' ? Number.MIN_SAFE_INTEGER : 0;
    this.padding = list.map((v, i) => checkInt(fn, `padding[${i}]`, v, min)) as Pad2dSpec['padding'];
    this.mode = mode;
    this.value = checkNumber(fn, 'value', opts.value ?? 0);
  }

  get spec(): Pad2dSpec {
    return { type: 'pad2d', padding: [...this.padding], mode: this.mode, value: this.value };
  }

  forward(x: Tensor): Tensor {
    checkInputs(pad2dLayer, this.spec, [x.shape], this.typeName);
    return pad(x, this.padding, this.mode, this.value);
  }

  override extraRepr(): string {
    return `padding=[${this.padding.join(', ')}]${this.mode === 'constant' && this.value !== 0 ? `, value=${this.value}` : ''}`;
  }
}

/**
 * Pads with a constant (PyTorch's `nn.ConstantPad2d`).
 * @example
 * new ConstantPad2d({ padding: [1, 1, 2, 0], value: -1 }).call(x); // W +1 both sides, H +2 on top
 */
export class ConstantPad2d extends Pad2dBase {
  constructor(opts: Pad2dOptions) {
    super('ConstantPad2d', 'constant', opts, true);
  }
  override get typeName(): string {
    return 'ConstantPad2d';
  }
}

/**
 * Pads with zeros (PyTorch's `nn.ZeroPad2d`).
 * @example
 * new ZeroPad2d({ padding: 1 }).call(x); // [N, C, H, W] -> [N, C, H + 2, W + 2]
 */
export class ZeroPad2d extends Pad2dBase {
  constructor(opts: Omit<Pad2dOptions, 'value'>) {
    super('ZeroPad2d', 'constant', opts, false);
  }
  override get typeName(): string {
    return 'ZeroPad2d';
  }
}

/**
 * Pads by reflection without repeating the edge (PyTorch's `nn.ReflectionPad2d`); each amount must be
 * smaller than the dim it pads.
 * @example
 * new ReflectionPad2d({ padding: 3 }).call(x);
 */
export class ReflectionPad2d extends Pad2dBase {
  constructor(opts: Omit<Pad2dOptions, 'value'>) {
    super('ReflectionPad2d', 'reflect', opts, false);
  }
  override get typeName(): string {
    return 'ReflectionPad2d';
  }
}

/**
 * Pads by repeating the edge (PyTorch's `nn.ReplicationPad2d`).
 * @example
 * new ReplicationPad2d({ padding: [2, 2, 1, 1] }).call(x);
 */
export class ReplicationPad2d extends Pad2dBase {
  constructor(opts: Omit<Pad2dOptions, 'value'>) {
    super('ReplicationPad2d', 'replicate', opts, false);
  }
  override get typeName(): string {
    return 'ReplicationPad2d';
  }
}

/** The padding layers in the layer registry: no parameters, no multiply-adds. */
export const pad2dLayer: LayerDefinition<Pad2dSpec, Pad2dBase> = {
  type: 'pad2d',
  className: 'ConstantPad2d',
  fromSpec: ({ padding, mode, value }) =>
    mode === 'reflect'
      ? new ReflectionPad2d({ padding })
      : mode === 'replicate'
        ? new ReplicationPad2d({ padding })
        : value === 0
          ? new ZeroPad2d({ padding })
          : new ConstantPad2d({ padding, value }),
  infer(spec, [s], fail) {
    if (s.length !== 3 && s.length !== 4) fail('expects a [N, C, H, W] or [C, H, W] input');
    const [l, r, t, b] = spec.padding;
    const h = s[s.length - 2];
    const w = s[s.length - 1];
    if (spec.mode === 'reflect' && (l >= w || r >= w || t >= h || b >= h))
      fail(`reflect padding [${spec.padding.join(', ')}] must be smaller than the ${h}x${w} map`);
    if (spec.mode === 'replicate' && (h === 0 || w === 0)) fail('cannot replicate-pad an empty map');
    if (h + t + b < 1 || w + l + r < 1) fail(`padding [${spec.padding.join(', ')}] crops the whole map`);
    return { outputShape: [...s.slice(0, -2), h + t + b, w + l + r] };
  },
};
