import type { ParsedArgs } from './args';
import { isPaperScale } from './models';
import { readConfigFile, type TrainConfig, trainConfigFrom } from './run-config';

/** The paper's number of epochs for the large models (P §3: "about 80 epochs"). */
export const PAPER_EPOCHS = 80;

/**
 * `rectifier train`'s config: `trainConfigFrom` (defaults, config file, flags), then the paper's recipe
 * as the defaults of models A, B, C and vgg19 (P §3). `TRAIN_DEFAULTS` already holds most of it (SGD
 * momentum 0.9, weight decay 5e-4 not on the slopes, lr 0.01 divided by 10 on plateau twice, dropout
 * 0.5, channel-wise PReLU, He fan-out init; `DEFAULT_WIDTH`/`DEFAULT_INPUT` give full width and 224);
 * this adds 80 epochs and batch 128 where it fits the device (`autoBatch`: the train command chooses
 * it once the backend is known). A value given by a flag or in the config file wins.
 */
export function trainConfigWithRecipe(v: ParsedArgs['values']): { config: TrainConfig; autoBatch: boolean } {
  const config = trainConfigFrom(v);
  if (!isPaperScale(config.model)) return { config, autoBatch: false };
  const file: Partial<TrainConfig> = v.config ? readConfigFile(String(v.config)) : {};
  const given = (flag: string, key: keyof TrainConfig) => v[flag] !== undefined || file[key] !== undefined;
  if (!given('epochs', 'epochs')) {
    config.epochs = PAPER_EPOCHS;
    if (config.schedule.type === 'cosine') config.schedule = { type: 'cosine', tMax: PAPER_EPOCHS };
  }
  return { config, autoBatch: !given('batch-size', 'batchSize') };
}
