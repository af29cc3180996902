import { checkFinite, checkOptions, describe } from './validate';

/** Fan-in and fan-out of a weight: the paper's n = k^2 c (Eq. 10) and n-hat = k^2 d (Eq. 14). */
export interface Fans {
  readonly fanIn: number;
  readonly fanOut: number;
}

/** Which fan the variance is normalised by: `'fan_in'` keeps forward variances (Eq. 10), `'fan_out'` backward ones (Eq. 14). */
export type FanMode = 'fan_in' | 'fan_out';

/**
 * Fans of a weight stored in PyTorch/ONNX layout: `[out, in]` for Linear and `[out, in/groups, kH, kW]`
 * (OIHW) for Conv2d. With `receptive = prod(shape[2:])`:
 * `fanIn = shape[1] * receptive` (the paper's n = k²c) and `fanOut = shape[0] * receptive` (n̂ = k²d).
 *
 * Throws for rank < 2 (a bias or a PReLU slope has no fans; pass an explicit `fans` override to the
 * initializers instead) and for negative or non-integer dimensions.
 *
 * @example
 * calculateFans([64, 3, 7, 7]); // { fanIn: 147, fanOut: 3136 }
 * calculateFans([4096, 12800]); // { fanIn: 12800, fanOut: 4096 }
 */
export function calculateFans(shape: readonly number[]): Fans {
  if (!Array.isArray(shape))
    throw new TypeError(`calculateFans: shape must be an array, got ${describe(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(
        `calculateFans: shape [${shape.join(', ')}] has an invalid dimension ${describe(d)}`,
      );
    }
  }
  if (shape.length < 2) {
    throw new RangeError(
      `calculateFans: fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions (shape [${shape.join(', ')}]); pass explicit { fanIn, fanOut }`,
    );
  }
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i];
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/**
 * The fan selected by `mode`, taken from `fans` when given (explicit override, e.g. for a layout that is
 * not OIHW) and otherwise computed from `shape`. Throws when the chosen fan is not a positive number.
 */
export function calculateCorrectFan(
  fn: string,
  shape: readonly number[],
  mode: FanMode,
  fans?: Partial<Fans>,
): number {
  if (mode !== 'fan_in' && mode !== 'fan_out') {
    throw new TypeError(`${fn}: mode must be 'fan_in' or 'fan_out', got ${describe(mode)}`);
  }
  let fan: number | undefined;
  if (fans !== undefined) {
    checkOptions(`${fn} fans`, fans, ['fanIn', 'fanOut']);
    fan = mode === 'fan_in' ? fans.fanIn : fans.fanOut;
    if (fan !== undefined) checkFinite(fn, mode === 'fan_in' ? 'fans.fanIn' : 'fans.fanOut', fan);
  }
  if (fan === undefined) {
    const computed = calculateFans(shape);
    fan = mode === 'fan_in' ? computed.fanIn : computed.fanOut;
  }
  if (!(fan > 0)) {
    throw new RangeError(`${fn}: ${mode} is ${fan} for shape [${shape.join(', ')}]; it must be positive`);
  }
  return fan;
}
