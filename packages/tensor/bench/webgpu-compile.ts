/**
 * Pipeline compile time of the WebGPU GEMM kernels (a script, not a test): for each GEMM variant
 * (tile, pipelining, 16-byte accesses), the milliseconds the backend spends creating the pipelines of
 * one matmul and of a 3x3 convolution's forward (with and without bias), input-gradient and
 * weight-gradient kernels, on a Dawn instance made with Dawn's default flags and on one made with
 * SOFTWARE_ADAPTER_DAWN_FLAGS (what createWebGPUBackend uses for software adapters). The two runs
 * alternate, each variant on fresh backends, and repeat `--runs` times; medians are reported.
 *
 *   npx esbuild packages/tensor/bench/webgpu-compile.ts --bundle --platform=node --format=esm \
 *     --external:webgpu --outfile=node_modules/.cache/rectifier-bench/webgpu-compile.mjs
 *   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json \
 *     node node_modules/.cache/rectifier-bench/webgpu-compile.mjs --runs=3
 *
 * Prints one JSON object.
 */
import { create, globals } from 'webgpu';
import type { View } from '../src/backend.js';
import { conv2dGeometry } from '../src/ops/conv.js';
import { contiguousStrides, sizeOf } from '../src/shape.js';
import {
  createWebGPUBackend,
  SOFTWARE_ADAPTER_DAWN_FLAGS,
  type WebGPUStorage,
  type WebGPUTuning,
} from '../src/webgpu/index.js';

const runsArg = process.argv.find((a) => a.startsWith('--runs='));
const runs = runsArg ? Number(runsArg.slice('--runs='.length)) : 3;
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${runsArg}`);

Object.assign(globalThis, globals);
const instances = { dawnDefault: create([]), softwareFlags: create([...SOFTWARE_ADAPTER_DAWN_FLAGS]) };
(globalThis as unknown as { __keep: unknown }).__keep = instances; // dawn.node crashes if these are collected

const variants: [string, WebGPUTuning][] = [
  ['64x64 double-buffered', { gemmTile: '64x64', gemmPipeline: 'double' }],
  ['64x64 prefetch', { gemmTile: '64x64', gemmPipeline: 'prefetch' }],
  ['64x64 plain scalar', { gemmTile: '64x64', gemmPipeline: 'none', gemmVectorAccess: false }],
  ['128x128 double-buffered', { gemmTile: '128x128', gemmPipeline: 'double' }],
  ['128x128 prefetch', { gemmTile: '128x128', gemmPipeline: 'prefetch' }],
];

const geometry = conv2dGeometry({ shape: [2, 8, 8, 8] }, { shape: [12, 8, 3, 3] }, { padding: 1 });

/** Compile milliseconds of one variant's GEMM pipelines on a fresh backend of `gpu`. */
async function compileMs(gpu: unknown, tuning: WebGPUTuning): Promise<number> {
  const b = await createWebGPUBackend({ gpu: gpu as GPU, tuning });
  try {
    const up = (shape: number[]): View<WebGPUStorage> => {
      const storage = b.fromArray(new Float32Array(sizeOf(shape)).fill(0.5), 'float32');
      return { storage, dtype: 'float32', shape, strides: contiguousStrides(shape), offset: 0 };
    };
    const g = geometry;
    const x = up([g.N, g.C, g.H, g.W]);
    const w = up([g.O, g.C, g.KH, g.KW]);
    const dy = up([g.N, g.O, g.OH, g.OW]);
    const outs = [
      b.matmul(up([2, 64, 44]), up([2, 44, 68])),
      b.conv2d(x, w, g),
      b.conv2dBias(x, w, up([g.O]), g),
      b.conv2dBackwardInput(dy, w, g),
      b.conv2dBackwardWeight(x, dy, g),
    ];
    // reading the last result waits for every queued dispatch, so errors surface here
    const last = outs[outs.length - 1] as WebGPUStorage;
    await b.read({ storage: last, dtype: 'float32', shape: [last.size], strides: [1], offset: 0 });
    return b.compileMs();
  } finally {
    b.destroy();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const adapter = await (instances.dawnDefault as GPU).requestAdapter();
const rows = [];
for (const [name, tuning] of variants) {
  const times: Record<keyof typeof instances, number[]> = { dawnDefault: [], softwareFlags: [] };
  for (let r = 0; r < runs; r++) {
    // alternate which instance goes first, so that neither gains from the other's warm caches
    const order = (r % 2 === 0 ? ['dawnDefault', 'softwareFlags'] : ['softwareFlags', 'dawnDefault']) as (
      | 'dawnDefault'
      | 'softwareFlags'
    )[];
    for (const key of order) times[key].push(await compileMs(instances[key], tuning));
  }
  const row = {
    variant: name,
    dawnDefaultMs: Math.round(median(times.dawnDefault)),
    softwareFlagsMs: Math.round(median(times.softwareFlags)),
    speedup: Number((median(times.dawnDefault) / median(times.softwareFlags)).toFixed(2)),
    runs: times,
  };
  rows.push(row);
  process.stderr.write(
    `${name}: ${row.dawnDefaultMs} ms with Dawn's defaults, ${row.softwareFlagsMs} ms with the software flags\n`,
  );
}
console.log(
  JSON.stringify(
    {
      adapter: adapter?.info
        ? [adapter.info.vendor, adapter.info.architecture, adapter.info.description]
            .filter(Boolean)
            .join(' / ')
        : 'none',
      softwareFlags: SOFTWARE_ADAPTER_DAWN_FLAGS,
      kernelsPerVariant: 'matmul; conv2d forward, forward + bias, backward input, backward weight',
      rows,
    },
    null,
    1,
  ),
);
