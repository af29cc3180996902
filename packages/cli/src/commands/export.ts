import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { releaseBackend, useBackend } from '../backend-choice';
import { loadModelFromCheckpoint } from '../checkpoint-model';
import { UsageError } from '../errors';
import { type Io, out } from '../io';
import type { Command } from '../main';
import { onnxBytes } from './quickstart-artifacts';

/** `rectifier export <checkpoint> --out model.onnx`. */
export const exportCommand: Command = {
  spec: {
    name: 'export',
    summary:
      "Export a checkpoint's model to ONNX (opset 17, dynamic batch; PReLU slopes as [C,1,1]), with its class names and input normalisation in the metadata.",
    usage: 'rectifier export <checkpoint> --out <model.onnx>',
    positionals: { min: 1, max: 1 },
    options: {
      out: { type: 'string', arg: 'FILE', description: 'where to write the .onnx file (required)' },
    },
  },
  async run(args, io: Io) {
    if (!args.values.out) throw new UsageError('--out <model.onnx> is required');
    // Export reads the weights on the host: the JS backend loads them with no device to start.
    await useBackend('cpu');
    try {
      const loaded = await loadModelFromCheckpoint(args.positionals[0]);
      const bytes = await onnxBytes(
        loaded.model,
        loaded.extra.modelConfig,
        loaded.extra.data.classes,
        loaded.extra.data.normalization,
        loaded.extra.data.imageSize,
      );
      const path = resolve(String(args.values.out));
      await writeFile(path, bytes);
      const mc = loaded.extra.modelConfig;
      out(
        io,
        `wrote ${path} (${(bytes.length / 1024).toFixed(0)} KiB): ${mc.model}, input [N, ${mc.inChannels}, ${mc.inputSize}, ${mc.inputSize}], ${mc.numClasses} classes`,
      );
      return 0;
    } finally {
      releaseBackend();
    }
  },
};
