/**
 * Optimizers, learning-rate schedules, metrics, atomic checkpoints and the Trainer.
 *
 * @module @rectifier/train
 */
export * from '@rectifier/train';
