// Child process for resume-kill.test.ts: trains the tiny model for 3 epochs with a checkpoint
// every 5 steps. argv: <outDir> <resume: 0|1> <delayMsPerStep>. Prints "step N" after each step
// and writes the final parameters as JSON to <outDir>/final.json.
import { writeFile } from 'node:fs/promises';
import { manualSeed } from '@rectifier/tensor';
import { SGD } from '../src/optim/sgd';
import { StepLR } from '../src/schedule/basic';
import { LRScheduler } from '../src/schedule/scheduler';
import { Trainer } from '../src/trainer/trainer';
import { blobs, loader, snapshot, tinyModel } from './fixtures';

const [outDir, resume, delay] = process.argv.slice(2);
manualSeed(123);
const model = tinyModel(1);
const optimizer = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 5e-4, nesterov: true });
const scheduler = new LRScheduler(optimizer, new StepLR({ stepSize: 1, gamma: 0.5 }));
const trainer = new Trainer({
  model,
  optimizer,
  scheduler,
  maxEpochs: 3,
  outDir,
  checkpoint: { everySteps: 5, keepLast: 2 },
  progress: 'none',
  callbacks: [
    {
      async onStepEnd(_t, s) {
        process.stdout.write(`step ${s.step}\n`);
        if (Number(delay) > 0) await new Promise((r) => setTimeout(r, Number(delay)));
      },
    },
  ],
});
await trainer.fit(loader(blobs(96), 8), loader(blobs(48, 11), 48, false), {
  resume: resume === '1' ? 'last' : null,
});
await writeFile(`${outDir}/final.json`, JSON.stringify(snapshot(model)));
