/**
 * The benchmark workloads, shared by every implementation measured (ours and the peers), with the
 * FLOP counts used to turn times into GFLOP/s (one multiply-add = 2 FLOP, as everyone counts).
 * They match the peer table in shared/reference/toolchain.md so numbers are comparable.
 */
import type { Conv2dGeometry } from '../src/backend.js';
import { seededUniform } from '../src/testing/seeded-uniform.js';

export const MATMUL_N = 1024;
/** 2 * 1024^3 = 2.147 GFLOP */
export const MATMUL_FLOP = 2 * MATMUL_N ** 3;

/** NCHW batch 32, 32x32x64 -> 64 channels, 3x3, stride 1, padding 1 ("same"). */
export const CONV: Conv2dGeometry = {
  N: 32,
  C: 64,
  H: 32,
  W: 32,
  O: 64,
  KH: 3,
  KW: 3,
  OH: 32,
  OW: 32,
  strideH: 1,
  strideW: 1,
  padH: 1,
  padW: 1,
  dilationH: 1,
  dilationW: 1,
  groups: 1,
};
/** 2 * N * O * OH * OW * C * KH * KW = 2.416 GFLOP; the same count for each backward pass. */
export const CONV_FLOP = 2 * CONV.N * CONV.O * CONV.OH * CONV.OW * CONV.C * CONV.KH * CONV.KW;

/** convnet8x32: 8 conv 3x3 "same" (3 -> 32, then 7 x 32 -> 32), ReLU, global average pool, dense 10. */
export const TRAIN = { batch: 64, channels: 32, convs: 8, size: 32, inChannels: 3, classes: 10, lr: 0.01 };

/**
 * The paper's 14-layer model (Table 1; model E of He & Sun 2014) as @rectifier/nn's model14 builds it:
 * conv1 7x7/2 64, pool1 3x3/3, conv2_1-4 2x2 128 (padding 1, 0, 1, 0), pool2 2x2/2, conv3_1-6 2x2 256,
 * SPP {6,3,2,1} (adaptive max pooling), fc1 4096, fc2 4096, fc3 1000, channel-wise PReLU after every
 * conv and the two hidden fc layers (init 0.25). No dropout (its masks would make the runs differ);
 * plain SGD. 1.004e9 multiply-adds per 224x224 image forward.
 */
export const MODEL14 = { batch: 16, size: 224, classes: 1000, lr: 0.01, sppLevels: [6, 3, 2, 1] };

export const DESCRIPTIONS = {
  matmul: `matmul ${MATMUL_N}x${MATMUL_N}x${MATMUL_N} float32 (${(MATMUL_FLOP / 1e9).toFixed(3)} GFLOP)`,
  conv2d: `conv2d NCHW batch ${CONV.N}, ${CONV.H}x${CONV.W}x${CONV.C} -> ${CONV.O}, 3x3 stride 1 pad 1 float32 (${(CONV_FLOP / 1e9).toFixed(3)} GFLOP per pass)`,
  model14: `the paper's 14-layer model (Table 1), channel-wise PReLU, SPP {6,3,2,1}, no dropout: training step, softmax cross-entropy, backward, SGD (lr ${MODEL14.lr}); batch ${MODEL14.batch}, 224x224x3 float32`,
  train: `convnet8x32 training step: 8 conv 3x3 (3->32, 7 x 32->32) + bias + ReLU, global average pool, dense 10, softmax cross-entropy, backward, SGD (lr ${TRAIN.lr}); batch ${TRAIN.batch}, 32x32x3 float32`,
};

/** Deterministic uniform(-1, 1) float32 data (mulberry32), so every implementation sees the same inputs. */
export function randomF32(size: number, seed: number): Float32Array {
  const r = seededUniform(seed);
  return Float32Array.from({ length: size }, () => r() * 2 - 1);
}
