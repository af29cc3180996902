// The zoo's ResNets in the CLI: `rectifier train --model resnet18` trains with BatchNorm's running
// statistics in its checkpoints, `eval` rebuilds the model from them, and configs the zoo does not
// offer are refused in one line.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpointFile } from '@rectifier/train';
import { beforeAll, describe, expect, it } from 'vitest';
import { parameterCount } from '../src/checkpoint-extra';
import { cli, tinyIdxDir } from './helpers';

let data = '';
let root = '';
beforeAll(async () => {
  data = await tinyIdxDir(16, 8);
  root = await mkdtemp(join(tmpdir(), 'rcli-resnet-'));
});

// WASM, not the JS reference: a ResNet-18 step is 3x faster there, and nothing here depends on the backend.
const base = () => ['--data', data, '--backend', 'wasm', '--batch-size', '8', '--epochs', '1'];

describe('rectifier train --model resnet18', () => {
  it('trains, checkpoints the BN running statistics, exports ONNX, and eval rebuilds the model', async () => {
    const out = join(root, 'r18');
    const r = await cli(
      'train',
      '--model',
      'resnet18',
      '--activation',
      'relu',
      ...base(),
      '--export-onnx',
      '--out',
      out,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // the residual graph exports (BatchNormalization, Add) and onnxruntime agrees with Rectifier
    expect(existsSync(join(out, 'model.onnx'))).toBe(true);
    const ckpts = (await readdir(join(out, 'checkpoints'))).sort();
    const ck = await loadCheckpointFile(join(out, 'checkpoints', ckpts[ckpts.length - 1]));
    // 16 images, batch 8: two training steps
    expect(Array.from(ck.tensors['model.bn1.num_batches_tracked'].dataSync())).toEqual([2]);
    expect(ck.tensors['model.layer2.0.downsample.1.running_var'].shape).toEqual([128]);
    expect(Array.from(ck.tensors['model.bn1.running_mean'].dataSync()).some((v) => v !== 0)).toBe(true);
    const ev = await cli(
      'eval',
      join(out, 'checkpoints', ckpts[ckpts.length - 1]),
      '--backend',
      'wasm',
      '--json',
    );
    expect(ev.stderr).toBe('');
    expect(ev.code).toBe(0);
    expect(JSON.parse(ev.stdout).n).toBe(8);
  });

  it("counts torchvision's parameters (plus PReLU slopes) before building anything", () => {
    const mc = {
      model: 'resnet50' as const,
      activation: 'relu' as const,
      init: 'he-fan-out' as const,
      width: 1,
      inputSize: 224,
      inChannels: 3,
      numClasses: 1000,
      dropout: 0,
    };
    expect(parameterCount(mc)).toBe(25_557_032);
    expect(parameterCount({ ...mc, model: 'resnet18' })).toBe(11_689_512);
  });

  it('audit runs the graph variance audit chain by chain', async () => {
    const r = await cli('audit', '--model', 'resnet18', '--backend', 'cpu', '--batch', '2');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^resnet18 \(relu, torchvision's init, input 1x28x28, batch 2\)/);
    expect(r.stdout).toMatch(/chain conv1 -> bn1 -> relu -> maxpool \(input: input\)/);
    expect(r.stdout).toMatch(
      /chain layer1\.0\.conv1 -> layer1\.0\.bn1 -> layer1\.0\.relu -> layer1\.0\.conv2/,
    );
    expect(r.stdout).toMatch(/layer4\.1\.conv2/);
    expect(r.stdout).toMatch(
      /layer2\.0\.add \(add\) of layer2\.0\.bn2, layer2\.0\.downsample\.1: input stds/,
    );
  });

  it('refuses what the zoo does not offer, in one line', async () => {
    const cases: [string[], RegExp][] = [
      [['--width', '0.5'], /resnet18 has torchvision's widths: --width must be 1, got 0.5/],
      [['--activation', 'prelu-shared'], /resnet18 supports --activation relu or prelu/],
      [['--init', 'xavier'], /resnet18 uses torchvision's init/],
    ];
    for (const [flags, message] of cases) {
      const r = await cli('train', '--model', 'resnet18', ...base(), ...flags, '--out', join(root, 'bad'));
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
