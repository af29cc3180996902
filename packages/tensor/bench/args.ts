/** Command-line options of the benchmark runner (see README.md for the meaning of each). */
export interface BenchArgs {
  out: string | null;
  backend: 'cpu' | 'wasm' | 'native';
  threads: number | null;
  runs: number;
  warmup: number;
  peers: boolean;
  peersSlow: boolean;
  tfjsTrainBatch: number;
  train: boolean;
  trainRuns: number;
  /**
   * Untimed training steps before the timed ones, for every implementation alike. Both ours and
   * PyTorch run their first few steps slower (one-time kernel setup, allocator and JIT warm-up), so
   * the default of 3 measures the steady state the ratio is about.
   */
  trainWarmup: number;
  /** The 14-layer model's training step too (with the training step; --no-model14 skips it). */
  model14: boolean;
  /** With --backend native: also the WASM backend and native on 1 thread, in the same run. */
  compare: boolean;
  /**
   * Rounds of the kernels and training step alternating with PyTorch's, same thread count (0: none).
   * Default 6, or 0 for the JS reference backend (a round of its training step takes half a minute).
   */
  pairedRounds: number;
}

const usage = `usage: npm run bench -- [--out FILE] [--backend cpu|wasm|native] [--threads N] [--runs N] [--warmup N]
                          [--train-runs N] [--train-warmup N] [--no-train] [--no-model14] [--no-peers] [--no-compare] [--peers-slow] [--tfjs-train-batch N]
                          [--paired-rounds N]`;

function int(flag: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`bench: ${flag} needs an integer >= ${min}, got ${v}\n${usage}`);
  return n;
}

/** Parses argv (without node and the script). Throws with the usage text on a bad flag. */
export function parseArgs(argv: readonly string[]): BenchArgs {
  const a: BenchArgs = {
    out: null,
    backend: 'cpu',
    threads: null,
    runs: 5,
    warmup: 1,
    peers: true,
    peersSlow: false,
    tfjsTrainBatch: 4,
    train: true,
    trainRuns: 3,
    trainWarmup: 3,
    model14: true,
    compare: true,
    pairedRounds: -1,
  };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    const next = () => argv[++i];
    if (f === '--out') a.out = next() ?? null;
    else if (f === '--backend') {
      const b = next();
      if (b !== 'cpu' && b !== 'wasm' && b !== 'native')
        throw new Error(`bench: --backend must be cpu, wasm or native, got ${b}\n${usage}`);
      a.backend = b;
    } else if (f === '--threads') a.threads = int(f, next(), 1);
    else if (f === '--runs') a.runs = int(f, next(), 1);
    else if (f === '--warmup') a.warmup = int(f, next(), 0);
    else if (f === '--train-runs') a.trainRuns = int(f, next(), 1);
    else if (f === '--train-warmup') a.trainWarmup = int(f, next(), 0);
    else if (f === '--no-train') a.train = false;
    else if (f === '--no-model14') a.model14 = false;
    else if (f === '--no-peers') a.peers = false;
    else if (f === '--no-compare') a.compare = false;
    else if (f === '--peers-slow') a.peersSlow = true;
    else if (f === '--tfjs-train-batch') a.tfjsTrainBatch = int(f, next(), 1);
    else if (f === '--paired-rounds') a.pairedRounds = int(f, next(), 0);
    else if (f === '--help' || f === '-h') {
      console.error(usage);
      process.exit(0);
    } else throw new Error(`bench: unknown flag ${f}\n${usage}`);
  }
  if (a.out === '') throw new Error(`bench: --out needs a file name\n${usage}`);
  if (a.pairedRounds < 0) a.pairedRounds = a.backend === 'cpu' ? 0 : 6;
  return a;
}
