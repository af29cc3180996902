import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { intOpt } from '../args';
import { releaseBackend, useBackend } from '../backend-choice';
import { loadModelFromCheckpoint } from '../checkpoint-model';
import { UsageError, UserError } from '../errors';
import { type Io, out } from '../io';
import type { Command } from '../main';
import { loadServe } from '../optional-deps';
import { onnxBytes } from './quickstart-artifacts';

/** `rectifier export <checkpoint> --out model.onnx`. */
export const exportCommand: Command = {
  spec: {
    name: 'export',
    summary:
      "Export a checkpoint's model to ONNX (opset 17, dynamic batch; PReLU slopes as [C,1,1]), with its class names and input normalisation in the metadata.",
    usage: 'rectifier export <checkpoint> (--out <model.onnx> | --triton <repository>)',
    positionals: { min: 1, max: 1 },
    options: {
      out: { type: 'string', arg: 'FILE', description: 'where to write the .onnx file' },
      triton: {
        type: 'string',
        arg: 'DIR',
        description:
          'write a Triton model repository entry instead: DIR/<name>/config.pbtxt, DIR/<name>/1/model.onnx',
      },
      name: {
        type: 'string',
        arg: 'NAME',
        description: 'model name in the Triton repository',
        default: 'rectifier',
      },
      'max-batch-size': { type: 'string', arg: 'N', description: 'Triton max_batch_size', default: '32' },
    },
  },
  async run(args, io: Io) {
    if (!args.values.out === !args.values.triton)
      throw new UsageError('give one of --out <model.onnx> or --triton <repository>');
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
      const mc = loaded.extra.modelConfig;
      if (args.values.triton) {
        const { writeTritonRepository } = await loadServe('rectifier export --triton');
        let r: Awaited<ReturnType<typeof writeTritonRepository>>;
        try {
          r = await writeTritonRepository(String(args.values.triton), bytes, {
            name: String(args.values.name),
            maxBatchSize: intOpt(args.values, 'max-batch-size') as number,
            labels: loaded.extra.data.classes,
          });
        } catch (e) {
          throw new UserError((e as Error).message);
        }
        out(
          io,
          `wrote Triton model ${r.modelDir}: config.pbtxt, 1/model.onnx (${mc.model}, ${mc.numClasses} classes)`,
        );
        return 0;
      }
      const path = resolve(String(args.values.out));
      await writeFile(path, bytes);
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
