import { interpolate, type Tensor } from '@rectifier/tensor';
import { checkInputs, type LayerDefinition, need4d } from '../layer-definition';
import { Module } from '../module';
import { checkBool, checkOneOf, checkOptions, describe } from '../options';

/** Options of {@link Upsample}: exactly one of `size` and `scaleFactor`. */
export interface UpsampleOptions {
  /** output [H, W] (one number: square) */
  size?: number | [number, number];
  /** multiplier of H and W (output floor(H * s)); one number or [sh, sw] */
  scaleFactor?: number | [number, number];
  /** 'nearest' (default) or 'bilinear' */
  mode?: 'nearest' | 'bilinear';
  /** bilinear only (default false); see `interpolate` of `@rectifier/tensor` */
  alignCorners?: boolean;
}

/** The spec of an {@link Upsample}. */
export interface UpsampleSpec {
  type: 'upsample';
  size: [number, number] | null;
  scaleFactor: [number, number] | null;
  mode: 'nearest' | 'bilinear';
  alignCorners: boolean;
}

function pairOf(fn: string, name: string, v: unknown, integer: boolean): [number, number] {
  const list = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? v : null;
  const ok = (x: unknown) =>
    typeof x === 'number' && Number.isFinite(x) && x > 0 && (!integer || Number.isInteger(x));
  if (list === null || !list.every(ok)) {
    throw new RangeError(
      `${fn}: ${name} must be ${integer ? 'an integer >= 1' : 'a number > 0'} or a pair of them, got ${describe(v)}`,
    );
  }
  return [list[0], list[1]];
}

/**
 * Resizes the map of an NCHW input (PyTorch's `nn.Upsample`): nearest or bilinear `interpolate` with
 * PyTorch's coordinates, to a fixed `size` or by `scaleFactor`.
 *
 * @example
 * new Upsample({ scaleFactor: 2 }).call(x);                                           // nearest, 2x
 * new Upsample({ size: [56, 56], mode: 'bilinear', alignCorners: false }).call(x);
 */
export class Upsample extends Module {
  readonly size: [number, number] | null;
  readonly scaleFactor: [number, number] | null;
  readonly mode: 'nearest' | 'bilinear';
  readonly alignCorners: boolean;

  constructor(opts: UpsampleOptions) {
    super();
    const fn = 'Upsample';
    if (opts === undefined) throw new TypeError(`${fn}: options { size } or { scaleFactor } are required`);
    checkOptions(fn, opts, ['size', 'scaleFactor', 'mode', 'alignCorners']);
    if ((opts.size === undefined) === (opts.scaleFactor === undefined))
      throw new TypeError(`${fn}: give exactly one of size and scaleFactor`);
    this.size = opts.size === undefined ? null : pairOf(fn, 'size', opts.size, true);
    this.scaleFactor =
      opts.scaleFactor === undefined ? null : pairOf(fn, 'scaleFactor', opts.scaleFactor, false);
    this.mode = checkOneOf(fn, 'mode', opts.mode ?? 'nearest', ['nearest', 'bilinear'] as const);
    if (this.mode === 'nearest' && opts.alignCorners !== undefined)
      throw new TypeError(`${fn}: alignCorners can only be set with mode 'bilinear'`);
    this.alignCorners = checkBool(fn, 'alignCorners', opts.alignCorners ?? false);
  }

  override get typeName(): string {
    return 'Upsample';
  }

  get spec(): UpsampleSpec {
    return {
      type: 'upsample',
      size: this.size ? [...this.size] : null,
      scaleFactor: this.scaleFactor ? [...this.scaleFactor] : null,
      mode: this.mode,
      alignCorners: this.alignCorners,
    };
  }

  forward(x: Tensor): Tensor {
    checkInputs(upsampleLayer, this.spec, [x.shape], 'Upsample');
    return interpolate(x, {
      ...(this.size ? { size: this.size } : { scaleFactor: this.scaleFactor as [number, number] }),
      mode: this.mode,
      ...(this.mode === 'bilinear' ? { alignCorners: this.alignCorners } : {}),
    });
  }

  override extraRepr(): string {
    const what = this.size
      ? `size=[${this.size.join(', ')}]`
      : `scaleFactor=[${this.scaleFactor?.join(', ')}]`;
    return `${what}, mode=${this.mode}${this.alignCorners ? ', alignCorners=true' : ''}`;
  }
}

/** The output [H, W] of an upsample spec on an input map of h x w. */
export function upsampleOutputSize(spec: UpsampleSpec, h: number, w: number): [number, number] {
  if (spec.size) return [spec.size[0], spec.size[1]];
  const [sh, sw] = spec.scaleFactor as [number, number];
  return [Math.floor(h * sh), Math.floor(w * sw)];
}

/** Upsample in the layer registry: no parameters, no multiply-adds (interpolation is not a weight layer). */
export const upsampleLayer: LayerDefinition<UpsampleSpec, Upsample> = {
  type: 'upsample',
  className: 'Upsample',
  fromSpec: ({ size, scaleFactor, mode, alignCorners }) =>
    new Upsample({
      ...(size ? { size } : { scaleFactor: scaleFactor as [number, number] }),
      mode,
      ...(mode === 'bilinear' ? { alignCorners } : {}),
    }),
  infer(spec, [s], fail) {
    need4d(s, fail);
    const [oh, ow] = upsampleOutputSize(spec, s[2], s[3]);
    if (oh < 1 || ow < 1) fail(`scaleFactor [${spec.scaleFactor?.join(', ')}] gives an empty map`);
    return { outputShape: [s[0], s[1], oh, ow] };
  },
};
