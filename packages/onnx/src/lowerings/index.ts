/**
 * The ONNX lowerings of nn's built-in layers, one file per layer (pool2d.ts and adaptive-pool2d.ts
 * hold the max/avg pairs). Adding a layer with export support: its nn file, its lowering file here,
 * one line below, and a test (see CONTRIBUTING.md).
 */

import { adaptiveAvgPool2dLowering, adaptiveMaxPool2dLowering } from './adaptive-pool2d';
import { addLowering } from './add';
import { batchNorm1dLowering, batchNorm2dLowering } from './batch-norm';
import { concatLowering } from './concat';
import { conv2dLowering } from './conv2d';
import { dropoutLowering } from './dropout';
import { flattenLowering } from './flatten';
import { identityLowering } from './identity';
import { leakyReluLowering } from './leaky-relu';
import { linearLowering } from './linear';
import { pad2dLowering } from './pad2d';
import { avgPool2dLowering, maxPool2dLowering } from './pool2d';
import { preluLowering } from './prelu';
import { reluLowering } from './relu';
import { sppLowering } from './spp';
import { upsampleLowering } from './upsample';

/** A function, so the registry reads it on first use (the lowering files import lowering.ts's types and helpers). */
export function builtinLowerings() {
  return [
    conv2dLowering,
    linearLowering,
    preluLowering,
    reluLowering,
    leakyReluLowering,
    maxPool2dLowering,
    avgPool2dLowering,
    adaptiveMaxPool2dLowering,
    adaptiveAvgPool2dLowering,
    sppLowering,
    dropoutLowering,
    flattenLowering,
    batchNorm2dLowering,
    batchNorm1dLowering,
    pad2dLowering,
    upsampleLowering,
    identityLowering,
    addLowering,
    concatLowering,
  ];
}
