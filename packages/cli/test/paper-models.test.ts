// The paper's models in the CLI (A, B, C, vgg19): the recipe as defaults, the models nn builds, the
// batch size chosen for the device, and `--backend` on the commands that compute.
import { summary } from '@rectifier/nn';
import { type BackendSelection, cpuBackend } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { chooseBatchSize, stepFootprint } from '../src/batch-size';
import { modelSpecFor } from '../src/models';
import { trainConfigWithRecipe } from '../src/paper-recipe';
import { cli, tinyIdxDir } from './helpers';

const GiB = 1024 ** 3;
const gpu = (binding: number): BackendSelection => ({
  backend: cpuBackend,
  name: 'webgpu',
  description: 'webgpu (test)',
  reason: 'asked for webgpu',
  adapter: {
    vendor: 'v',
    architecture: 'a',
    device: '',
    description: '',
    software: false,
    limits: { maxStorageBufferBindingSize: binding },
  },
});
const wasm: BackendSelection = {
  backend: cpuBackend,
  name: 'wasm',
  description: 'wasm',
  reason: 'asked for wasm',
};

describe("the paper's models in rectifier train", () => {
  it("A, B, C, vgg19 default to the paper's recipe; flags and other models keep theirs", () => {
    for (const model of ['A', 'B', 'C', 'vgg19']) {
      const { config: c, autoBatch } = trainConfigWithRecipe({ model });
      expect(autoBatch).toBe(true);
      expect(c).toMatchObject({
        model,
        activation: 'prelu',
        init: 'he-fan-out',
        optimizer: 'sgd',
        lr: 0.01,
        momentum: 0.9,
        weightDecay: 5e-4,
        dropout: 0.5,
        schedule: { type: 'plateau', maxReductions: 2 },
        epochs: 80,
        width: 1,
        inputSize: 224,
      });
    }
    const given = trainConfigWithRecipe({ model: 'A', 'batch-size': '32', epochs: '3' });
    expect(given.config).toMatchObject({ batchSize: 32, epochs: 3 });
    expect(given.autoBatch).toBe(false);
    expect(trainConfigWithRecipe({ model: 'A', activation: 'relu' }).config.activation).toBe('relu');
    const quick = trainConfigWithRecipe({ model: 'quicknet' });
    expect(quick.config).toMatchObject({ epochs: 10, batchSize: 64 });
    expect(quick.autoBatch).toBe(false);
    expect(trainConfigWithRecipe({ model: 'A', backend: 'webgpu' }).config.backend).toBe('webgpu');
  });

  it("builds nn's models: He fan-out convs, the paper's fc stds, PReLU 0.25, dropout; SPP levels fit small inputs", () => {
    const mc = {
      activation: 'prelu' as const,
      init: 'he-fan-out' as const,
      width: 1,
      inputSize: 224,
      inChannels: 3,
      numClasses: 1000,
      dropout: 0.5,
    };
    const a = modelSpecFor({ ...mc, model: 'A' });
    const byName = new Map(a.layers.map((l) => [l.name, l]));
    expect(byName.get('conv2_1')?.init).toEqual({ kind: 'kaiming', mode: 'fan_out', nonlinearity: 'relu' });
    expect(['fc1', 'fc2', 'fc3'].map((n) => byName.get(n)?.init)).toEqual([
      { kind: 'normal', std: 0.01 },
      { kind: 'normal', std: 0.01 },
      { kind: 'normal', std: 0.001 },
    ]);
    expect(byName.get('conv1_prelu')?.spec).toEqual({ type: 'prelu', numParameters: 96, init: 0.25 });
    expect(byName.get('fc1_drop')?.spec).toEqual({ type: 'dropout', p: 0.5 });
    expect(byName.get('spp')?.spec).toEqual({ type: 'spp', levels: [7, 3, 2, 1], mode: 'max' });
    // Table 3's complexity, through the CLI's spec
    expect(summary(a, [1, 3, 224, 224]).totalMultiplyAdds).toBe(19_058_106_368);
    expect(summary(modelSpecFor({ ...mc, model: 'vgg19' }), [1, 3, 224, 224]).totalMultiplyAdds).toBe(
      19_632_062_464,
    );
    const small = modelSpecFor({ ...mc, model: 'A', inputSize: 64, width: 1 / 32 });
    expect(small.layers.find((l) => l.name === 'spp')?.spec).toEqual({
      type: 'spp',
      levels: [3, 2, 1],
      mode: 'max',
    });
    const relu = modelSpecFor({ ...mc, model: 'C', activation: 'relu' });
    expect(relu.layers.some((l) => l.spec.type === 'prelu')).toBe(false);
  });

  it('batch 128 where the step fits the device, else the largest power of two that does, with the reason', () => {
    const a = modelSpecFor({
      model: 'A',
      activation: 'prelu',
      init: 'he-fan-out',
      width: 1,
      inputSize: 224,
      inChannels: 3,
      numClasses: 1000,
      dropout: 0.5,
    });
    const f = stepFootprint(a);
    // conv1's output, 96 x 112 x 112 floats per image, is the largest tensor
    expect(f.largest).toEqual({ name: "conv1's output", bytesPerSample: 4 * 96 * 112 * 112 });
    const big = chooseBatchSize(a, gpu(4 * GiB));
    expect(big.batchSize).toBe(128);
    expect(big.why).toMatch(
      /^the paper's 128: its largest tensor \(conv1's output, 588 MiB\) fits the adapter's maxStorageBufferBindingSize \(4\.0 GiB\)/,
    );
    const small = chooseBatchSize(a, gpu(512 * 1024 * 1024));
    expect(small.batchSize).toBe(64); // 64 x 4.6 MiB = 294 MiB <= 512 MiB < 128 x 4.6 MiB
    expect(small.why).toMatch(
      /^64, not the paper's 128: at 128 conv1's output would take 588 MiB, above the adapter's maxStorageBufferBindingSize of 512 MiB/,
    );
    expect(small.why).toMatch(/consider --lr scaled by 64\/128/);
    expect(chooseBatchSize(a, wasm, { hostBytes: 1024 * GiB }).batchSize).toBe(128);
    expect(chooseBatchSize(a, wasm, { hostBytes: 8 * GiB }).batchSize).toBeLessThan(128);
    // never more than the training set (epochs drop their last, incomplete batch)
    expect(chooseBatchSize(a, gpu(4 * GiB), { trainImages: 12 })).toEqual({
      batchSize: 8,
      why: "8: the training set has only 12 images (the device would take 128). The paper's lr 0.01 is for batch 128: consider --lr scaled by 8/128",
    });
    // fc1's weight (32,256 x 4,096 floats = 504 MiB) cannot be bound at all under a 256 MiB limit
    expect(chooseBatchSize(a, gpu(256 * 1024 * 1024)).why).toMatch(
      /a weight of this model takes 504 MiB.*cannot run on this device/,
    );
  });
});

describe('a batch larger than the training set', () => {
  it('is refused in one line instead of running epochs without a step', async () => {
    const r = await cli('train', '--data', await tinyIdxDir(16, 8), '--batch-size', '32', '--backend', 'cpu');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--batch-size 32 is larger than the 16 training images/);
  });
});

describe('--backend on the commands that compute', () => {
  it('accepts auto, webgpu, native, wasm, cpu and names them when it is something else', async () => {
    for (const cmd of [
      ['audit'],
      ['eval', 'x.ckpt'],
      ['reproduce', 'init-depth'],
      ['quickstart'],
      ['train'],
    ]) {
      const r = await cli(...cmd, '--backend', 'tpu');
      expect(r.code, cmd.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/--backend must be one of auto, webgpu, native, wasm, cpu; got 'tpu'/);
    }
    const help = await cli('train', '--help');
    expect(help.stdout).toMatch(
      /--backend <B> +auto \(a real GPU through WebGPU, else the native oneDNN backend, else WASM SIMD/,
    );
  });

  it('audit runs on the backend it names, and says why', async () => {
    const r = await cli('audit', '--model', 'plain22', '--backend', 'cpu', '--batch', '2');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/backend cpu \(JavaScript reference kernels\) \[asked for cpu\]/);
  });
});
