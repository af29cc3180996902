import type { ParsedArgs } from './args';
import { isPaperScale } from './models';
import type { TrainConfig } from './run-config';

/** The paper's number of epochs for the large models (P §3: "about 80 epochs"). */
export const PAPER_EPOCHS = 80;

/**
 * The paper's recipe as the defaults of models A, B, C and vgg19 (P §3): what `TRAIN_DEFAULTS`
 * already holds (SGD momentum 0.9, weight decay 5e-4 not on the slopes, lr 0.01 divided by 10 on
 * plateau twice, dropout 0.5, channel-wise PReLU, He fan-out init) plus 80 epochs and batch 128 where
 * it fits the device (`autoBatch`: chosen by the train command once the backend is known). Values
 * given by a flag or in the config file win.
 */
export function applyPaperRecipe(c: TrainConfig, v: ParsedArgs['values'], file: Partial<TrainConfig>): void {
  if (!isPaperScale(c.model)) return;
  const given = (flag: string, key: keyof TrainConfig) => v[flag] !== undefined || file[key] !== undefined;
  if (!given('epochs', 'epochs')) c.epochs = PAPER_EPOCHS;
  if (!given('batch-size', 'batchSize')) c.autoBatch = true;
}
