import { manualSeed } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { SGD } from '../src/optim/sgd';
import { Trainer } from '../src/trainer/trainer';
import { blobs, loader, tinyModel } from './fixtures';

describe('Trainer progress bar', () => {
  it('ends the bar line when a run stops mid-epoch, so the next line is not glued to it', async () => {
    manualSeed(5);
    const model = tinyModel(1);
    let text = '';
    const stdout = {
      isTTY: true,
      columns: 100,
      write(s: string) {
        text += s;
      },
    };
    const trainer = new Trainer({
      model,
      optimizer: new SGD(model.parameters(), { lr: 0.05 }),
      maxEpochs: 2,
      maxSteps: 3, // stops inside the first epoch of 6 batches
      stdout,
      progress: 'bar',
    });
    const r = await trainer.fit(loader(blobs(96), 16));
    expect(r.reason).toBe('maxSteps');
    expect(text).toContain('\r');
    expect(text.endsWith('\n')).toBe(true);
  });
});
