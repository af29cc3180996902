// Child process for resume-kill.test.ts: trains for 3 epochs with a checkpoint every 5 steps.
// argv: <outDir> <resume: 0|1> <delayMsPerStep> [backend: cpu | wasm]. With `cpu` (default) the
// tiny MLP on the JS backend; with `wasm` a small conv net on the WASM backend with 2 threads
// (convolutions big enough to run threaded). Prints "step N" after each step and writes the final
// parameters as JSON to <outDir>/final.json.
import { writeFile } from 'node:fs/promises';
import { manualSeed, setBackend } from '@rectifier/tensor';
import { createWasmBackend } from '@rectifier/tensor/wasm';
import { SGD } from '../src/optim/sgd';
import { StepLR } from '../src/schedule/basic';
import { LRScheduler } from '../src/schedule/scheduler';
import { Trainer } from '../src/trainer/trainer';
import { blobs, convModel, imageBlobs, loader, snapshot, tinyModel } from './fixtures';

const [outDir, resume, delay, backend = 'cpu'] = process.argv.slice(2);
const wasm = backend === 'wasm' ? await createWasmBackend({ threads: 2 }) : null;
if (wasm) setBackend(wasm);
manualSeed(123);
const model = wasm ? convModel(1) : tinyModel(1);
const train = wasm ? loader(imageBlobs(96), 8, true, [3, 16, 16]) : loader(blobs(96), 8);
const val = wasm ? loader(imageBlobs(48, 11), 48, false, [3, 16, 16]) : loader(blobs(48, 11), 48, false);
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
await trainer.fit(train, val, { resume: resume === '1' ? 'last' : null });
await writeFile(`${outDir}/final.json`, JSON.stringify(snapshot(model)));
wasm?.close();
