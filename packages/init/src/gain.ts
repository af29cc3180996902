import { describe } from './validate';

/**
 * Nonlinearities known to {@link calculateGain}: PyTorch's table plus `'prelu'`, the paper's
 * PReLU-aware gain (Eq. 15), whose parameter is the initial slope a of the PReLU that follows the layer.
 */
export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'prelu'
  | 'selu';

const unitGain = new Set([
  'linear',
  'conv1d',
  'conv2d',
  'conv3d',
  'conv_transpose1d',
  'conv_transpose2d',
  'conv_transpose3d',
  'sigmoid',
]);

/** Default slope of PReLU in the paper ("We use a_i = 0.25 as the initialization throughout this paper"). */
export const PRELU_INIT = 0.25;
/** Default negative slope of leaky ReLU when `param` is undefined (PyTorch). */
export const LEAKY_RELU_DEFAULT_SLOPE = 0.01;

/**
 * The recommended gain for a nonlinearity: the factor g in std = g / sqrt(fan).
 *
 * | nonlinearity | gain |
 * |---|---|
 * | linear, conv*, sigmoid | 1 |
 * | tanh | 5/3 |
 * | relu | sqrt(2) |
 * | leaky_relu | sqrt(2 / (1 + slope²)), slope = `param` ?? 0.01 |
 * | prelu | sqrt(2 / (1 + a²)), a = `param` ?? 0.25 (He et al. 2015, Eq. 15) |
 * | selu | 3/4 |
 *
 * `param` must be a finite number or undefined: booleans are rejected (PyTorch does the same, since
 * `True` is an int in Python). An explicit 0 is honoured (`??`, never `||`). Unknown names throw.
 *
 * @example
 * calculateGain('relu');             // 1.4142…
 * calculateGain('leaky_relu', 0.2);  // sqrt(2 / 1.04)
 * calculateGain('prelu');            // sqrt(2 / 1.0625) = 1.3720…
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  if (typeof nonlinearity !== 'string') {
    throw new TypeError(`calculateGain: nonlinearity must be a string, got ${describe(nonlinearity)}`);
  }
  if (param !== undefined && (typeof param !== 'number' || !Number.isFinite(param))) {
    throw new TypeError(
      `calculateGain: param for '${nonlinearity}' must be a finite number or undefined, got ${describe(param)}`,
    );
  }
  if (unitGain.has(nonlinearity)) return 1;
  switch (nonlinearity) {
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? LEAKY_RELU_DEFAULT_SLOPE;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'prelu': {
      const a = param ?? PRELU_INIT;
      return Math.sqrt(2 / (1 + a * a));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new RangeError(`calculateGain: unsupported nonlinearity ${describe(nonlinearity)}`);
  }
}
