/**
 * onnxruntime-web (wasm backend, installed as a devDependency of @rectifier/onnx and resolved from
 * the repo root) as a peer for the WASM kernels: a one-node MatMul model and a one-node Conv model,
 * encoded here with a minimal protobuf writer (the bench must not depend on @rectifier/onnx, which
 * sits above tensor in the dependency order). ORT fixes its thread count at first use, so each thread
 * count runs in its own process (`--ort-child N`).
 */
import { measure, type Sample } from './timing.js';
import { CONV, CONV_FLOP, MATMUL_FLOP, MATMUL_N, randomF32 } from './workloads.js';

const enc = new TextEncoder();
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const key = (field: number, wire: number) => varint(field * 8 + wire);
const vint = (field: number, v: number) => [...key(field, 0), ...varint(v)];
const bytes = (field: number, b: number[] | Uint8Array) => [...key(field, 2), ...varint(b.length), ...b];
const str = (field: number, s: string) => bytes(field, enc.encode(s));

/** ValueInfoProto of a float tensor with a fixed shape. */
function valueInfo(name: string, shape: number[]): number[] {
  const dims = shape.flatMap((d) => bytes(1, vint(1, d)));
  const tensorType = [...vint(1, 1), ...bytes(2, dims)];
  return [...str(1, name), ...bytes(2, bytes(1, tensorType))];
}

function model(node: number[], inputs: [string, number[]][], output: [string, number[]]): Uint8Array {
  const graph = [
    ...bytes(1, node),
    ...str(2, 'g'),
    ...inputs.flatMap(([n, s]) => bytes(11, valueInfo(n, s))),
    ...bytes(12, valueInfo(...output)),
  ];
  return new Uint8Array([...vint(1, 8), ...bytes(8, [...str(1, ''), ...vint(2, 17)]), ...bytes(7, graph)]);
}

const ints = (name: string, v: number[]) => [
  ...str(1, name),
  ...vint(20, 7),
  ...v.flatMap((x) => vint(8, x)),
];

export interface OrtResults {
  threads: number;
  matmul: Sample;
  conv2dForward: Sample;
}

type Ort = typeof import('onnxruntime-web');

/** Measures ORT-web matmul 1024^3 and the conv workload in this process with `threads` threads. */
export async function benchOrt(threads: number, warmup: number, runs: number): Promise<OrtResults> {
  // Kept external by the bundler: node resolves it upwards from the bundle to the repo root.
  const ort = (await import('onnxruntime-web')) as Ort;
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  const n = MATMUL_N;
  const mm = await ort.InferenceSession.create(
    model(
      [...str(1, 'A'), ...str(1, 'B'), ...str(2, 'C'), ...str(4, 'MatMul')],
      [
        ['A', [n, n]],
        ['B', [n, n]],
      ],
      ['C', [n, n]],
    ),
  );
  const a = new ort.Tensor('float32', randomF32(n * n, 1), [n, n]);
  const b = new ort.Tensor('float32', randomF32(n * n, 2), [n, n]);
  const g = CONV;
  const xs = [g.N, g.C, g.H, g.W],
    ws = [g.O, g.C, g.KH, g.KW],
    ys = [g.N, g.O, g.OH, g.OW];
  const convNode = [
    ...str(1, 'X'),
    ...str(1, 'W'),
    ...str(2, 'Y'),
    ...str(4, 'Conv'),
    ...bytes(5, ints('kernel_shape', [g.KH, g.KW])),
    ...bytes(5, ints('pads', [g.padH, g.padW, g.padH, g.padW])),
  ];
  const conv = await ort.InferenceSession.create(
    model(
      convNode,
      [
        ['X', xs],
        ['W', ws],
      ],
      ['Y', ys],
    ),
  );
  const x = new ort.Tensor(
    'float32',
    randomF32(
      xs.reduce((p, q) => p * q),
      3,
    ),
    xs,
  );
  const w = new ort.Tensor(
    'float32',
    randomF32(
      ws.reduce((p, q) => p * q),
      4,
    ),
    ws,
  );
  const matmul = await measure(() => mm.run({ A: a, B: b }), {
    warmup,
    runs,
    work: MATMUL_FLOP / 1e9,
    unit: 'GFLOP/s',
    label: `ort-web matmul ${threads}t`,
  });
  const conv2dForward = await measure(() => conv.run({ X: x, W: w }), {
    warmup,
    runs,
    work: CONV_FLOP / 1e9,
    unit: 'GFLOP/s',
    label: `ort-web conv2d ${threads}t`,
  });
  return { threads, matmul, conv2dForward };
}
