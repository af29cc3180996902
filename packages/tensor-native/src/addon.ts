/**
 * Finds and loads the compiled addon, the way esbuild and sharp do: the binary lives in an optional
 * per-platform package (`@rectifier/tensor-native-<platform>-<arch>[-gnu|-musl]`) that npm installs
 * only on the matching machine. `RECTIFIER_NATIVE_BINARY` (a path to a `.node` file) overrides it.
 * Every failure becomes one line that says what is missing and how to get it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The addon's functions (see native/addon.cc for the argument order of each). */
export interface Addon {
  setThreads(n: number): void;
  info(): { onednn: string; isa: string; maxThreads: number };
  conv2d(
    x: Float32Array,
    xOff: number,
    w: Float32Array,
    wOff: number,
    bias: Float32Array | null,
    bOff: number,
    y: Float32Array,
    geometry: Float64Array,
    xBlock: number,
    blockedOut: boolean,
  ): number;
  conv2dBackwardInput(
    dy: Float32Array,
    dyOff: number,
    w: Float32Array,
    wOff: number,
    dx: Float32Array,
    geometry: Float64Array,
    dyBlock: number,
    blockedOut: boolean,
  ): number;
  conv2dBackwardWeight(
    x: Float32Array,
    xOff: number,
    dy: Float32Array,
    dyOff: number,
    dw: Float32Array,
    geometry: Float64Array,
    xBlock: number,
    dyBlock: number,
  ): void;
  /** A blocked [N, C, H, W] activation (block 8 or 16) into plain NCHW order. */
  toPlain: ReorderActivation;
  /** A plain NCHW activation into nChw{block}c order. */
  toBlocked: ReorderActivation;
  matmul(
    a: Float32Array,
    aOff: number,
    aStrides: Float64Array,
    b: Float32Array,
    bOff: number,
    bStrides: Float64Array,
    out: Float32Array,
    dims: Float64Array,
  ): void;
  /** block 8 or 16: x and y blocked (argmax plain); 0: plain. */
  maxPool2d(
    x: Float32Array,
    xOff: number,
    y: Float32Array,
    argmax: Int32Array,
    ...windowsAndBlock: [...PoolArgs, number]
  ): void;
  /** block 8 or 16: dy and dx blocked (argmax plain); 0: plain. */
  maxPool2dBackward(
    dy: Float32Array,
    dyOff: number,
    argmax: Int32Array,
    argmaxOff: number,
    dx: Float32Array,
    ...windowsAndBlock: [...PoolArgs, number]
  ): void;
  avgPool2d(x: Float32Array, xOff: number, y: Float32Array, ...windows: PoolArgs): void;
  avgPool2dBackward(dy: Float32Array, dyOff: number, dx: Float32Array, ...windows: PoolArgs): void;
  elementwise(
    op: number,
    outer: number,
    C: number,
    inner: number,
    out: Float32Array,
    ...operands: (Float32Array | number)[]
  ): void;
  elementwiseBlocked(
    op: number,
    N: number,
    C: number,
    HW: number,
    block: number,
    out: Float32Array,
    ...operands: (Float32Array | number)[]
  ): void;
  rowSums(x: Float32Array, xOff: number, rows: number, cols: number, sums: Float64Array): void;
  rowSumsBlocked(x: Float32Array, N: number, C: number, HW: number, block: number, sums: Float64Array): void;
  sgdStep(
    p: Float32Array,
    pOff: number,
    g: Float32Array,
    gOff: number,
    v: Float32Array | null,
    vOff: number,
    n: number,
    lr: number,
    mu: number,
    wd: number,
    decay: boolean,
    nesterov: boolean,
  ): void;
  sumSquares(x: Float32Array, xOff: number, n: number, out: Float64Array): void;
}

/** Reorders an [N, C, H, W] activation (dims) between NCHW and nChw{block}c, from and to at offsets. */
export type ReorderActivation = (
  from: Float32Array,
  fromOff: number,
  to: Float32Array,
  toOff: number,
  block: number,
  dims: Float64Array,
) => void;

/** [N, C, H, W, OH, OW] then hStart, hEnd, wStart, wEnd, hCount, wCount. */
export type PoolArgs = [Float64Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];

/** The binaries this version is built for (published as optional dependencies). */
export const TARGETS = ['linux-x64-gnu'] as const;

/** This machine's target name: `${platform}-${arch}` plus `-gnu` / `-musl` on Linux. */
export function currentTarget(): string {
  const base = `${process.platform}-${process.arch}`;
  if (process.platform !== 'linux') return base;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)
    ?.header;
  return `${base}-${header?.glibcVersionRuntime ? 'gnu' : 'musl'}`;
}

/**
 * Runs `load` (the dlopen that brings in libgomp) with OMP_WAIT_POLICY=passive unless the user set a
 * policy: OpenMP threads then sleep at the end of a parallel region instead of spinning for a while.
 * Spinning wins a few microseconds per region on idle cores, but when the cores are shared (the
 * event loop, other processes) a spinning or descheduled thread stalls every barrier: on a busy
 * 2-core machine the 2-thread training step ran 2-3x faster with passive waiting. libgomp reads the
 * variable once, when it is loaded, so it is restored right after and child processes do not
 * inherit it (a libgomp that another addon loaded earlier keeps its own setting).
 */
function withPassiveOpenMp<T>(load: () => T): T {
  if (process.env.OMP_WAIT_POLICY !== undefined) return load();
  process.env.OMP_WAIT_POLICY = 'passive';
  try {
    return load();
  } finally {
    delete process.env.OMP_WAIT_POLICY;
  }
}

let loaded: { addon: Addon; path: string } | { error: string } | undefined;

/** Loads the addon once; returns it or the one-line reason it is unavailable. */
export function loadAddon(): { addon: Addon; path: string } | { error: string } {
  loaded ??= tryLoad();
  return loaded;
}

function tryLoad(): { addon: Addon; path: string } | { error: string } {
  const require = createRequire(import.meta.url);
  const target = currentTarget();
  let path = process.env.RECTIFIER_NATIVE_BINARY;
  if (!path) {
    const pkg = `@rectifier/tensor-native-${target}`;
    if (!(TARGETS as readonly string[]).includes(target))
      return { error: `no native binary is built for ${target} (available: ${TARGETS.join(', ')})` };
    try {
      path = join(dirname(require.resolve(`${pkg}/package.json`)), 'tensor-native.node');
    } catch {
      return {
        error: `the optional package '${pkg}' is not installed (npm installs it with @rectifier/tensor-native unless optional dependencies are omitted)`,
      };
    }
    if (!existsSync(path))
      return {
        error: `'${pkg}' has no tensor-native.node: it was installed without a binary (in this repository, npm run build compiles it when g++ and libdnnl-dev are present)`,
      };
  } else if (!existsSync(path)) {
    return { error: `RECTIFIER_NATIVE_BINARY=${path} does not exist` };
  }
  try {
    return { addon: withPassiveOpenMp(() => require(path) as Addon), path };
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    const lib = /(lib[\w.+-]+\.so[.\d]*): cannot open shared object file/.exec(msg);
    if (lib) {
      const hint = /dnnl/.test(lib[1])
        ? ' (oneDNN: apt-get install libdnnl2)'
        : /gomp/.test(lib[1])
          ? ' (OpenMP runtime: apt-get install libgomp1)'
          : '';
      return { error: `the native binary needs ${lib[1]}, which is not installed${hint}` };
    }
    return { error: `the native binary did not load: ${msg}` };
  }
}
