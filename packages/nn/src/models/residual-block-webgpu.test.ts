// A residual block (BatchNorm, PReLU, projection shortcut, Add) behind a reflection pad and followed by
// a bilinear upsampling, trained one step on WebGPU (Dawn on SwiftShader when no GPU is present)
// against the CPU reference: same seed, same weights (the Philox stream does not depend on the
// backend), then the train-mode forward (BatchNorm on batch statistics), the gradients through it,
// the running statistics and batch count it updates, and the eval-mode forward must agree to float32
// tolerance. (A whole ResNet-18 takes minutes on SwiftShader; the block has every layer kind.)
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Backend,
  cpuBackend,
  Generator,
  randn,
  type Tensor,
  tensor,
  withBackend,
} from '@rectifier/tensor';
import { assertClose } from '@rectifier/tensor/testing';
import { createWebGPUBackend } from '@rectifier/tensor/webgpu';
import { describe, expect, it } from 'vitest';
import type { Conv2d } from '../layers/conv2d';
import { ReflectionPad2d } from '../layers/pad2d';
import type { PReLU } from '../layers/prelu';
import { Upsample } from '../layers/upsample';
import { Module } from '../module';
import { BasicBlock } from './resnet';

async function gpuBackend(): Promise<{ backend: Backend | null; reason: string }> {
  const icd = '/usr/lib/chromium/vk_swiftshader_icd.json'; // Debian's chromium ships SwiftShader
  if (!process.env.VK_ICD_FILENAMES && existsSync(icd)) process.env.VK_ICD_FILENAMES = icd;
  process.env.XDG_RUNTIME_DIR ??= mkdtempSync(join(tmpdir(), 'rectifier-xdg-'));
  try {
    return { backend: await createWebGPUBackend(), reason: '' };
  } catch (e) {
    return { backend: null, reason: (e as Error).message };
  }
}

const gpu = await gpuBackend();
if (!gpu.backend) console.warn(`skipping the ResNet WebGPU test: ${gpu.reason}`);

class Net extends Module {
  pad = new ReflectionPad2d({ padding: 1 });
  block: BasicBlock;
  up = new Upsample({ scaleFactor: 2, mode: 'bilinear' });
  constructor() {
    super();
    const c = { prelu: true, preluInit: 0.25, generator: new Generator(7), dtype: 'float32' as const };
    this.block = new BasicBlock(c, 8, 16, 2);
  }
  forward(x: Tensor): Tensor {
    return this.up.call(this.block.call(this.pad.call(x)));
  }
}

async function step(backend: Backend, input: Float32Array) {
  return withBackend(backend, async () => {
    const net = new Net();
    const x = tensor(input, { shape: [2, 8, 10, 10] });
    const y = net.call(x);
    y.square().mean().backward();
    const read = async (t: Tensor | null | undefined) => Float64Array.from(await t!.data());
    const b = net.block;
    const out = {
      y: await read(y),
      gConv1: await read(b.conv1.weight.grad),
      gBn1: await read(b.bn1.weight!.grad),
      gSlope: await read((b.prelu2 as PReLU).weight.grad),
      gShortcut: await read((b.downsample!.get(0) as Conv2d).weight.grad),
      runningMean: await read(b.bn1.running_mean),
      runningVar: await read(b.bn2.running_var),
      batches: Array.from(await b.bn1.num_batches_tracked!.data()),
      evalY: await read(net.eval().call(x)),
    };
    net.dispose();
    return out;
  });
}

describe.skipIf(!gpu.backend)('a residual block on WebGPU', () => {
  it('a training step and an eval forward match the CPU', async () => {
    const input = Float32Array.from(randn([2, 8, 10, 10], { generator: new Generator(3) }).dataSync());
    const ref = await step(cpuBackend, input);
    const got = await step(gpu.backend!, input);
    expect(got.batches).toEqual([1]);
    const scaled = (a: Float64Array, b: Float64Array, what: string) => {
      const scale = Math.max(...Array.from(b, Math.abs));
      assertClose(a, b, { atol: 1e-3 * scale, rtol: 0 });
      expect(scale, what).toBeGreaterThan(0);
    };
    scaled(got.y, ref.y, 'train output');
    scaled(got.gConv1, ref.gConv1, 'conv1 gradient');
    scaled(got.gBn1, ref.gBn1, 'bn1 gradient');
    scaled(got.gSlope, ref.gSlope, 'PReLU slope gradient');
    scaled(got.gShortcut, ref.gShortcut, 'shortcut conv gradient');
    scaled(got.runningMean, ref.runningMean, 'bn1 running mean');
    scaled(got.runningVar, ref.runningVar, 'bn2 running var');
    scaled(got.evalY, ref.evalY, 'eval output');
  });
});
