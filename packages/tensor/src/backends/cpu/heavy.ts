/** Glue from the Backend contract to the heavy kernels in ./kernels (gemm, conv2d, pool2d). */
import type { Conv2dGeometry, FloatArray, PoolWindows, View } from '../../backend.js';
import { conv2dBackwardInput, conv2dBackwardWeight, conv2dForward } from './kernels/conv2d.js';
import { gemm } from './kernels/gemm.js';
import {
  avgPool2dBackward,
  avgPool2dForward,
  maxPool2dBackward,
  maxPool2dForward,
} from './kernels/pool2d.js';
import { alloc, arr, type CpuStorage } from './storage.js';

function floats(op: string, v: View): FloatArray {
  if (v.dtype === 'int32') throw new Error(`cpu ${op}: int32 is not supported`);
  return arr(v) as FloatArray;
}

/** Contiguous view with offset 0 (heavy kernels index from 0): a subarray otherwise. */
function plane(op: string, v: View): FloatArray {
  const a = floats(op, v);
  let n = 1;
  for (const d of v.shape) n *= d;
  return v.offset === 0 && a.length === n ? a : (a.subarray(v.offset, v.offset + n) as FloatArray);
}

/** Batched matmul of [B,M,K] x [B,K,N] views with any strides (0 on broadcast batches). */
export function matmul(a: View, b: View): CpuStorage {
  const [B, M, K] = a.shape;
  const N = b.shape[2];
  const out = alloc(a.dtype, B * M * N);
  const A = floats('matmul', a);
  const Bd = floats('matmul', b);
  const C = out.data as FloatArray;
  for (let i = 0; i < B; i++) {
    gemm(
      M,
      N,
      K,
      A,
      a.offset + i * a.strides[0],
      a.strides[1],
      a.strides[2],
      Bd,
      b.offset + i * b.strides[0],
      b.strides[1],
      b.strides[2],
      C,
      i * M * N,
      N,
      0,
    );
  }
  return out;
}

export function conv2d(x: View, w: View, g: Conv2dGeometry): CpuStorage {
  const out = alloc(x.dtype, g.N * g.O * g.OH * g.OW);
  conv2dForward(plane('conv2d', x), plane('conv2d', w), out.data as FloatArray, g);
  return out;
}

export function conv2dBackInput(dy: View, w: View, g: Conv2dGeometry): CpuStorage {
  const out = alloc(dy.dtype, g.N * g.C * g.H * g.W);
  conv2dBackwardInput(plane('conv2d', dy), plane('conv2d', w), out.data as FloatArray, g);
  return out;
}

export function conv2dBackWeight(x: View, dy: View, g: Conv2dGeometry): CpuStorage {
  const out = alloc(x.dtype, g.O * (g.C / g.groups) * g.KH * g.KW);
  conv2dBackwardWeight(plane('conv2d', x), plane('conv2d', dy), out.data as FloatArray, g);
  return out;
}

export function maxPool(x: View, p: PoolWindows): { values: CpuStorage; argmax: CpuStorage } {
  const values = alloc(x.dtype, p.N * p.C * p.OH * p.OW);
  const argmax = alloc('int32', p.N * p.C * p.OH * p.OW);
  maxPool2dForward(plane('maxPool2d', x), values.data as FloatArray, argmax.data as Int32Array, p);
  return { values, argmax };
}

export function maxPoolBackward(dy: View, argmax: View, p: PoolWindows): CpuStorage {
  const out = alloc(dy.dtype, p.N * p.C * p.H * p.W);
  const am = arr(argmax) as Int32Array;
  const n = p.N * p.C * p.OH * p.OW;
  const idx = argmax.offset === 0 && am.length === n ? am : am.subarray(argmax.offset, argmax.offset + n);
  maxPool2dBackward(plane('maxPool2d', dy), idx, out.data as FloatArray, p);
  return out;
}

export function avgPool(x: View, p: PoolWindows): CpuStorage {
  const out = alloc(x.dtype, p.N * p.C * p.OH * p.OW);
  avgPool2dForward(plane('avgPool2d', x), out.data as FloatArray, p);
  return out;
}

export function avgPoolBackward(dy: View, p: PoolWindows): CpuStorage {
  const out = alloc(dy.dtype, p.N * p.C * p.H * p.W);
  avgPool2dBackward(plane('avgPool2d', dy), out.data as FloatArray, p);
  return out;
}
