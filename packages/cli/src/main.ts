import { createRequire } from 'node:module';
import { type CommandSpec, closest, helpText, type ParsedArgs, parseCommandArgs } from './args';
import { UsageError, UserError } from './errors';
import { type Io, out } from './io';
import { fsReason, isFsError } from './out-dir';

/** A subcommand: its spec (options, help) and what it does. Resolves to the exit code. */
export interface Command {
  spec: CommandSpec;
  run(args: ParsedArgs, io: Io): Promise<number>;
}

/** The commands, loaded lazily so `rectifier --help` does not load the tensor kernels. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  quickstart: {
    summary: 'train a deep PReLU net on Fashion-MNIST for ~3 minutes (what `npm start` runs)',
    load: async () => (await import('./commands/quickstart')).quickstartCommand,
  },
  train: {
    summary: 'train a model (flags or a JSON config), with checkpoints and resume',
    load: async () => (await import('./commands/train')).trainCommand,
  },
  eval: {
    summary: 'top-1/top-5 error of a checkpoint on a test set',
    load: async () => (await import('./commands/eval')).evalCommand,
  },
  audit: {
    summary: "per-layer forward/backward std at init next to the paper's prediction",
    load: async () => (await import('./commands/audit')).auditCommand,
  },
  reproduce: {
    summary: "re-run one of the paper's experiments at small scale (init-depth, prelu-vs-relu)",
    load: async () => (await import('./commands/reproduce')).reproduceCommand,
  },
  check: {
    summary: 'validate an ImageNet / ImageFolder dataset directory',
    load: async () => (await import('./commands/check')).checkCommand,
  },
  export: {
    summary: 'export a checkpoint to ONNX',
    load: async () => (await import('./commands/export')).exportCommand,
  },
  predict: {
    summary: 'top-5 classes of images with an ONNX model (onnxruntime-node)',
    load: async () => (await import('./commands/predict')).predictCommand,
  },
  serve: {
    summary: 'serve an ONNX model over the Open Inference Protocol (KServe v2), with dynamic batching',
    load: async () => (await import('./commands/serve')).serveCommand,
  },
};

function topHelp(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((k) => k.length)) + 2;
  const lines = [
    'Usage: rectifier <command> [options]',
    '',
    'PReLU, He initialization and deep rectifier networks (He et al. 2015) in TypeScript.',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(w)}${c.summary}`),
    '',
    "Run 'rectifier <command> --help' for a command's options.",
  ];
  return `${lines.join('\n')}\n`;
}

/** Errors whose message is the whole story (user mistakes and guarded failures): no stack trace. */
function isExpected(e: unknown): e is Error {
  if (!(e instanceof Error)) return false;
  return ['UserError', 'CheckpointError', 'NonFiniteError', 'ShapeError', 'DTypeError'].includes(e.name);
}

/**
 * Runs the CLI on `argv` (without node and the script) and resolves to the exit code:
 * 0 success, 1 a failed command (one `rectifier: error: ...` line), 2 a usage error.
 */
export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(topHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    // dist/bin.js and src/main.ts both sit one folder below the package's package.json.
    out(io, (createRequire(import.meta.url)('../package.json') as { version: string }).version);
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    const guess = closest(name, Object.keys(COMMANDS));
    io.stderr.write(
      `rectifier: error: unknown command '${name}'${guess ? ` (did you mean ${guess}?)` : ''}. Commands: ${Object.keys(COMMANDS).join(', ')}\n`,
    );
    return 2;
  }
  try {
    const cmd = await entry.load();
    const args = parseCommandArgs(cmd.spec, rest);
    if (args.values.help) {
      io.stdout.write(helpText(cmd.spec));
      return 0;
    }
    return await cmd.run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`rectifier ${name}: error: ${e.message}\nRun 'rectifier ${name} --help' for usage.\n`);
      return 2;
    }
    if (isFsError(e)) {
      // the environment (a full disk, permissions), not a bug: one line, exit 1
      const where = e.path ? ` (${e.syscall} ${e.path})` : e.syscall ? ` (${e.syscall})` : '';
      io.stderr.write(`rectifier ${name}: error: ${fsReason(e.code)}${where}\n`);
      return 1;
    }
    if (isExpected(e) || e instanceof UserError) {
      io.stderr.write(`rectifier ${name}: error: ${e.message.split('\n').join('\n  ')}\n`);
      return 1;
    }
    const err = e as Error;
    io.stderr.write(`rectifier ${name}: internal error: ${err?.message ?? String(e)}\n`);
    if (process.env.RECTIFIER_DEBUG) io.stderr.write(`${err?.stack ?? ''}\n`);
    else io.stderr.write('  (this is a bug; set RECTIFIER_DEBUG=1 to see the stack trace)\n');
    return 1;
  }
}
