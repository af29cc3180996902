// A model-A-shaped training run through Trainer + SGD on WebGPU (Dawn + SwiftShader in CI), at a
// reduced input (32x32, batch 2, width 1/16, SPP {2,2,1,1}: dispatch counts do not depend on sizes), asserting the
// steady-state promises of the step profile: after the first step no pipeline compiles, after the
// second no buffer allocations, at most one read per interval, no read that blocks encoding, at most
// 300 dispatches per step, and device memory flat.
import { modelA } from '@rectifier/nn';
import { Generator, getBackend, randint, randn, setBackend } from '@rectifier/tensor';
import { testWebGPU } from '@rectifier/tensor/testing/node';
import type { StepProfile, WebGPUBackend } from '@rectifier/tensor/webgpu';
import { afterAll, describe, expect, it } from 'vitest';
import { SGD } from '../src/optim/sgd';
import { Trainer } from '../src/trainer/trainer';
import type { Batch } from '../src/trainer/types';
import { blobs, loader, tinyModel } from './fixtures';

// Dawn on SwiftShader without a GPU; no adapter skips visibly, or fails the run with CI set.
const { backend, reason } = await testWebGPU();
if (!backend) it.skip(`WebGPU training-step tests skipped: ${reason}`, () => {});

const BLOBS = blobs(96); // on the CPU (it reads random numbers synchronously)
const STEPS = 7;
const READ_EVERY = 3;

describe.skipIf(!backend)('Trainer on WebGPU: a model A step in steady state', () => {
  const previous = getBackend();
  afterAll(() => setBackend(previous));

  it('compiles nothing after step 1, allocates nothing after step 2, reads once per interval and never blocks', async () => {
    const b = backend as WebGPUBackend;
    setBackend(b);
    // at 32x32 the last feature map is 2x2: SPP levels {2,2,1,1} instead of {7,3,2,1} (as many
    // pools; SwiftShader runs the GEMMs slowly, so the input is kept small)
    const model = modelA({ width: 1 / 16, inputSize: 32, sppLevels: [2, 2, 1, 1], numClasses: 10, seed: 1 });
    const optimizer = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
    const gen = new Generator(5);
    // fresh tensors every step, as a loader makes them (an upload per batch)
    const source = () => ({
      *[Symbol.iterator](): Generator<Batch> {
        for (let i = 0; i < STEPS; i++)
          yield {
            input: randn([2, 3, 32, 32], { generator: gen }),
            target: randint(0, 10, [2], { generator: gen }),
          };
      },
    });
    const profiles: StepProfile[] = [];
    const memory: number[] = [];
    const losses: number[] = [];
    const trainer = new Trainer({
      model,
      optimizer,
      progress: 'none',
      checkpoint: false,
      readEvery: READ_EVERY,
      profile: true,
      callbacks: [
        {
          onStepEnd: (_t, s) => {
            profiles[s.step - 1] = s.profile as StepProfile;
            losses.push(s.loss);
          },
        },
      ],
    });
    b.stepProfile(); // start the first window here (model creation apart)
    const r = await trainer.fit(source);
    expect(r.steps).toBe(STEPS);
    expect(losses.every(Number.isFinite)).toBe(true);
    const show = profiles.map(
      (p, i) =>
        `step ${i + 1}: dispatches ${p.dispatches}, compiles ${p.pipelineCompiles}, buffers created ${p.bufferAllocations}, reads ${p.reads} (blocking ${p.blockingReads}), device ${p.deviceBytes}, ${p.wallMs.toFixed(0)} ms (compile ${p.compileMs.toFixed(0)} ms)`,
    );
    console.log(`model A (width 1/16, 64x64, batch 2) on ${b.adapterInfo}:\n  ${show.join('\n  ')}`);
    expect(profiles[0]?.pipelineCompiles).toBeGreaterThan(0);
    for (let i = 1; i < STEPS; i++) {
      const p = profiles[i] as StepProfile;
      expect(p.pipelineCompiles, `compiles at step ${i + 1}`).toBe(0);
      if (i >= 2) expect(p.bufferAllocations, `buffers created at step ${i + 1}`).toBe(0);
      expect(p.dispatches, `dispatches at step ${i + 1}`).toBeLessThanOrEqual(300);
      memory.push(p.deviceBytes);
    }
    for (const p of profiles) expect(p.blockingReads).toBe(0);
    // step 1 is read at once, then one read per interval of READ_EVERY steps (the last, partial
    // interval is read at the end of fit)
    const reads = profiles.map((p) => p.reads);
    expect(reads[0]).toBe(1);
    for (let i = 1; i < STEPS; i++)
      expect(reads.slice(i, i + READ_EVERY).reduce((a, x) => a + x, 0)).toBeLessThanOrEqual(1);
    expect(reads.reduce((a, x) => a + x, 0)).toBe(1 + Math.floor((STEPS - 1) / READ_EVERY));
    // memory flat from step 3 on
    expect(new Set(memory.slice(1)).size).toBe(1);
  }, 400_000); // shader compilation on SwiftShader takes most of it (minutes on 2 busy cores)

  it('keeps device memory and live storages flat over many steps (a small model)', async () => {
    const b = backend as WebGPUBackend;
    setBackend(b);
    const model = tinyModel(1);
    const optimizer = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 });
    const device: number[] = [];
    const live: number[] = [];
    const trainer = new Trainer({
      model,
      optimizer,
      maxEpochs: 10, // 6 batches per epoch: 60 steps
      progress: 'none',
      checkpoint: false,
      readEvery: 5,
      profile: true,
      callbacks: [
        {
          onStepEnd: (_t, s) => void device.push((s.profile as StepProfile).deviceBytes),
          onEpochEnd: () => void live.push(b.memory().storages),
        },
      ],
    });
    const r = await trainer.fit(loader(BLOBS, 16));
    expect(r.steps).toBe(60);
    expect(new Set(device.slice(2)).size).toBe(1);
    // the same storages alive at every epoch end (nothing leaks per step or per epoch)
    expect(new Set(live.slice(1)).size).toBe(1);
  }, 300_000);
});
