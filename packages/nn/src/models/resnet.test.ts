import { readFileSync } from 'node:fs';
import { noGrad, randn } from '@rectifier/tensor';
import { assertClose } from '@rectifier/tensor/testing';
import { describe, expect, it } from 'vitest';
import { BatchNorm2d } from '../layers/batch-norm';
import { Conv2d } from '../layers/conv2d';
import { loadSafetensors, saveSafetensors } from '../safetensors/tensors';
import { summary } from '../summary';
import { traceForward } from '../trace';
import { type BasicBlock, Bottleneck, resnet18, resnet34, resnet50, resnetSize } from './resnet';

/** torchvision's resnet18 state dict as (name, shape) pairs, written down from torchvision (no Python needed). */
const torchvision18 = JSON.parse(
  readFileSync(new URL('./fixtures/torchvision-resnet18-state-dict.json', import.meta.url), 'utf8'),
) as { count: number; entries: [string, number[]][] };

function std(values: ArrayLike<number>): number {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < values.length; i++) {
    s += values[i];
    s2 += values[i] * values[i];
  }
  const m = s / values.length;
  return Math.sqrt(s2 / values.length - m * m);
}

describe('ResNet zoo', () => {
  const net = resnet18({ seed: 0 });

  it("resnet18's state dict has torchvision's names and shapes, running statistics included", () => {
    const sd = net.stateDict();
    const ours = Object.entries(sd).map(([k, t]) => [k, [...t.shape]] as [string, number[]]);
    expect(ours.length).toBe(torchvision18.count);
    // same names, shapes and order as torchvision's state_dict()
    expect(ours).toEqual(torchvision18.entries);
    expect(sd['layer2.0.downsample.1.num_batches_tracked'].dtype).toBe('int32');
  });

  it('summary walks the residual graph: ResNet-18 multiply-adds within 1% of the published 1.82 G', () => {
    const s = summary(net, [1, 3, 224, 224]);
    expect(s.totalParameters).toBe(11_689_512);
    expect(Math.abs(s.totalMultiplyAdds / 1.82e9 - 1)).toBeLessThan(0.01);
    const rows = new Map(s.rows.map((r) => [r.name, r]));
    expect(rows.get('layer2.0.downsample.0')?.outputShape).toEqual([1, 128, 28, 28]);
    expect(rows.get('layer4.1.bn2')?.outputShape).toEqual([1, 512, 7, 7]);
    // the shared ReLU of a block appears at each of its two calls, its (zero) parameters counted once
    expect(s.rows.filter((r) => r.name === 'layer1.0.relu')).toHaveLength(2);
    // batch 2 at 112x112: a quarter of the multiply-adds per image (to the rounding of odd maps)
    expect(summary(net, [2, 3, 112, 112]).outputShape).toEqual([2, 1000]);
    console.log(`ResNet-18 at 224: ${s.totalMultiplyAdds} multiply-adds`);
  });

  it('the shapes-only walk (inferForward) lists the layer calls the real forward makes', () => {
    for (const activation of ['relu', 'prelu'] as const) {
      const small = resnet18({ numClasses: 10, activation, seed: 6 });
      const rows = summary(small, [2, 3, 40, 36]).rows;
      const traced = traceForward(small, [2, 3, 40, 36], 'test').calls;
      expect(rows.map((r) => [r.name, r.outputShape, r.repeat ?? false])).toEqual(
        traced.map((c) => [c.path, c.outputShape, c.repeat]),
      );
      small.dispose();
    }
  });

  it("parameter counts are torchvision's", () => {
    expect(net.parameterCount()).toBe(11_689_512);
    const bufferSize = (m: { namedBuffers(): [string, { size: number }][] }) =>
      m.namedBuffers().reduce((n, [, b]) => n + b.size, 0);
    expect(resnetSize('resnet18')).toEqual({ parameters: 11_689_512, buffers: bufferSize(net) });
    const r34 = resnet34();
    expect(r34.parameterCount()).toBe(21_797_672);
    expect(resnetSize('resnet34')).toEqual({ parameters: 21_797_672, buffers: bufferSize(r34) });
    r34.dispose();
    const r50 = resnet50({ zeroInitResidual: true });
    expect(r50.parameterCount()).toBe(25_557_032);
    expect(resnetSize('resnet50')).toEqual({ parameters: 25_557_032, buffers: bufferSize(r50) });
    // summary walks the residual graph: multiply-adds within 1% of the published 4.1 G at 224x224
    const s50 = summary(r50, [1, 3, 224, 224]);
    expect(s50.totalParameters).toBe(25_557_032);
    expect(s50.outputShape).toEqual([1, 1000]);
    expect(Math.abs(s50.totalMultiplyAdds / 4.1e9 - 1)).toBeLessThan(0.01);
    console.log(`ResNet-50 at 224: ${s50.totalMultiplyAdds} multiply-adds`);
    expect(new Set((r50.layer4.get(2) as Bottleneck).bn3.weight!.dataSync())).toEqual(new Set([0]));
    expect(new Set((r50.layer4.get(2) as Bottleneck).bn2.weight!.dataSync())).toEqual(new Set([1]));
    expect(r50.layer2.get(0)).toBeInstanceOf(Bottleneck);
    // v1.5: the stride sits on the 3x3 conv
    const b = r50.layer2.get(0) as Bottleneck;
    expect([b.conv1.stride, b.conv2.stride]).toEqual([
      [1, 1],
      [2, 2],
    ]);
    r50.dispose();
  });

  it("init is torchvision's: He fan-out normal convs (Eq. 14), BN weight 1 and bias 0", () => {
    const conv = (net.layer3.get(0) as BasicBlock).conv2;
    const w = conv.weight.dataSync();
    // fan_out = 256 * 3 * 3: std sqrt(2 / 2304) = 0.02946; 590k samples, so 1% is > 10 standard errors
    expect(std(w) / Math.sqrt(2 / 2304)).toBeCloseTo(1, 1.5);
    expect(Math.abs(std(net.conv1.weight.dataSync()) / Math.sqrt(2 / (64 * 49)) - 1)).toBeLessThan(0.03);
    for (const m of net.modules()) {
      if (m instanceof BatchNorm2d) {
        expect(new Set(m.weight!.dataSync())).toEqual(new Set([1]));
        expect(new Set(m.bias!.dataSync())).toEqual(new Set([0]));
      }
      if (m instanceof Conv2d) expect(m.bias).toBeNull();
    }
  });

  it('zeroInitResidual zeroes the last BN weight of every block, so each block starts as act(shortcut)', () => {
    const z = resnet18({ numClasses: 10, zeroInitResidual: true, seed: 1 });
    const block = z.layer1.get(1) as BasicBlock;
    expect(new Set(block.bn2.weight!.dataSync())).toEqual(new Set([0]));
    expect(new Set(block.bn1.weight!.dataSync())).toEqual(new Set([1]));
    const x = randn([2, 64, 5, 5]).abs();
    assertClose(block.call(x).dataSync(), x.dataSync());
    z.dispose();
  });

  it('trains end to end at a small input size: shapes, gradients for every parameter', () => {
    const small = resnet18({ numClasses: 10, seed: 2 });
    const x = randn([2, 3, 32, 32]);
    const y = small.call(x);
    expect(y.shape).toEqual([2, 10]);
    y.square().mean().backward();
    for (const [name, p] of small.namedParameters()) expect(p.grad, name).not.toBeNull();
    expect(Array.from((small.bn1.num_batches_tracked as { dataSync(): Int32Array }).dataSync())).toEqual([1]);
    small.dispose();
  });

  it('a state dict saved as safetensors loads strictly into a fresh model with the same outputs', () => {
    const a = resnet18({ numClasses: 10, seed: 3 });
    a.call(randn([4, 3, 32, 32])); // training step: running statistics move away from 0 / 1
    a.eval();
    const bytes = saveSafetensors(a.stateDict());
    const b = resnet18({ numClasses: 10, seed: 4 }).eval();
    const r = b.loadStateDict(loadSafetensors(bytes).tensors);
    expect(r).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const x = randn([2, 3, 32, 32]);
    noGrad(() => assertClose(b.call(x).dataSync(), a.call(x).dataSync(), { atol: 1e-6 }));
    expect(Array.from(b.bn1.running_mean!.dataSync())).toEqual(Array.from(a.bn1.running_mean!.dataSync()));
    a.dispose();
    b.dispose();
  });

  it("activation 'prelu' gives every activation its own channel-wise slopes", () => {
    const p = resnet18({ activation: 'prelu', numClasses: 10, seed: 5 });
    const names = p.namedParameters().map(([n]) => n);
    expect(names).toContain('prelu.weight');
    expect(names).toContain('layer1.0.prelu1.weight');
    expect(names).toContain('layer4.1.prelu2.weight');
    // 64 (stem) + 2 x 64 x 2 + 2 x 128 x 2 + 2 x 256 x 2 + 2 x 512 x 2 slopes on top of the ReLU net
    // (with a 10-class fc: 990 fewer outputs of 513 parameters each)
    expect(p.parameterCount() - (11_689_512 - 990 * 513)).toBe(64 + 4 * (64 + 128 + 256 + 512));
    // Eq. 15 with the initial slope a = 0.25: std sqrt(2 / ((1 + a^2) fan_out))
    const w = (p.layer3.get(0) as BasicBlock).conv2.weight.dataSync();
    expect(Math.abs(std(w) / Math.sqrt(2 / (1.0625 * 2304)) - 1)).toBeLessThan(0.01);
    expect(p.call(randn([2, 3, 32, 32])).shape).toEqual([2, 10]);
    expect(resnetSize('resnet18', { activation: 'prelu', numClasses: 10 }).parameters).toBe(
      p.parameterCount(),
    );
    const p50 = resnetSize('resnet50', { activation: 'prelu', numClasses: 10, inChannels: 1 });
    // stem 64 + per bottleneck planes, planes, 4 planes slopes
    const slopes = 64 + [3, 4, 6, 3].reduce((n, b, s) => n + b * 6 * 64 * 2 ** s, 0);
    expect(p50.parameters).toBe(25_557_032 - 990 * 2049 - 2 * 64 * 49 + slopes);
    p.dispose();
  });

  it('rejects bad options and inputs with one line', () => {
    expect(() => resnet18({ activation: 'tanh' as never })).toThrow(
      "resnet18: activation must be one of 'relu', 'prelu', got 'tanh'",
    );
    expect(() => resnet50({ num_classes: 10 } as never)).toThrow("resnet50: unknown option 'num_classes'");
    expect(() => net.call(randn([1, 1, 32, 32]))).toThrow(
      'ResNet-18: expected input [N, 3, H, W], got [1, 1, 32, 32]',
    );
  });
});
