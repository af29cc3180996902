/**
 * Ops that combine several tensors without promotion reject mixed dtypes with a DTypeError that names
 * the op, the argument and both dtypes (CPU only: float64 lives there).
 */
import { describe, expect, it } from 'vitest';
import { DTypeError } from '../errors.js';
import { prelu } from './activation.js';
import { conv2d } from './conv.js';
import { zeros } from './creation.js';
import { concat, stack } from './join.js';
import { linear, matmul } from './matmul.js';

const f64 = { dtype: 'float64' } as const;

describe('dtype mismatches', () => {
  it('conv2d: input vs weight, and the bias', () => {
    expect(() => conv2d(zeros([1, 2, 4, 4]), zeros([3, 2, 3, 3], f64))).toThrow(
      'conv2d: input and weight must share a float dtype, got float32 and float64',
    );
    expect(() => conv2d(zeros([1, 2, 4, 4]), zeros([3, 2, 3, 3]), zeros([3], f64))).toThrow(
      'conv2d: bias has dtype float64 but input and weight have float32',
    );
  });
  it('matmul and linear (weight and bias)', () => {
    expect(() => matmul(zeros([2, 3], f64), zeros([3, 2]))).toThrow(
      'matmul: operands must share a float dtype, got float64 and float32',
    );
    expect(() => linear(zeros([2, 3]), zeros([4, 3]), zeros([4], f64))).toThrow(
      'linear: bias has dtype float64 but weight has float32',
    );
  });
  it('prelu, concat and stack', () => {
    expect(() => prelu(zeros([2, 3]), zeros([3], f64))).toThrow(
      'prelu: x and weight must share a float dtype, got float32 and float64',
    );
    expect(() => concat([zeros([2]), zeros([2], f64)])).toThrow(
      'concat: tensors[1] has dtype float64 but tensors[0] has float32',
    );
    expect(() => stack([zeros([2]), zeros([2], f64)])).toThrow(DTypeError);
    expect(() => stack([zeros([2]), zeros([2], f64)])).toThrow(
      'stack: tensors[1] has dtype float64 but tensors[0] has float32',
    );
  });
});
