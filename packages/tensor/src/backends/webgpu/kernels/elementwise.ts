/**
 * One elementwise kernel for every unary/binary/ternary op, copy, cast and assign: each thread maps
 * its flat output index to per-operand offsets through the (coalesced) shape and strides, which come
 * from the uniform parameters rather than WGSL constants, so one pipeline serves every shape.
 */
import { type GpuContext, grid } from '../context.js';
import { Params, paramsWgsl } from '../params.js';
import { coalesce, type GView, numel, type WebGPUStorage } from '../storage.js';
import { WGSL_INF, WGSL_ISNAN } from './wgsl-util.js';

export const MAX_RANK = 8;
const WG = 256;

/** Pipeline options of the elementwise kernel (the cache key). */
export interface ElementwiseOptions {
  readonly kernel: 'elementwise';
  /** WGSL expression over the inputs `a`, `b`, `c` (types per `inputs`) and the f32 `alpha`. */
  readonly expr: string;
  readonly inputs: readonly ('f32' | 'i32')[];
  /** Scalar type the expression computes in (inputs are converted to it). */
  readonly compute: 'f32' | 'i32';
  readonly out: 'f32' | 'i32';
}

function source(o: ElementwiseOptions): string {
  const names = ['a', 'b', 'c'];
  const nin = o.inputs.length;
  const words = 24 + 8 * nin;
  const decl = o.inputs
    .map((t, j) => `@group(0) @binding(${j + 1}) var<storage, read> in${j}: array<${t}>;`)
    .join('\n');
  const offs = o.inputs.map((_, j) => `var o${j} = p(${4 + j}u);`).join(' ');
  const step = o.inputs.map((_, j) => `o${j} += c * p(${24 + 8 * j}u + k);`).join(' ');
  const loads = o.inputs.map((_, j) => `let ${names[j]} = ${o.compute}(in${j}[o${j}]);`).join(' ');
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> out: array<${o.out}>;
${decl}
${paramsWgsl(nin + 1, words)}
${WGSL_ISNAN}
${WGSL_INF}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i >= p(0u)) { return; }
  let rank = p(1u);
  let alpha = pf(2u);
  var oo = p(3u);
  ${offs}
  var rem = i;
  for (var d = rank; d > 0u; d--) {
    let k = d - 1u;
    let s = p(8u + k);
    let c = rem % s;
    rem = rem / s;
    oo += c * p(16u + k);
    ${step}
  }
  ${loads}
  _ = alpha;
  out[oo] = ${o.out}(${o.expr});
}`;
}

/**
 * Runs `expr` over `inputs` (all of `shape`, broadcast by strides) into `out` viewed with `outStrides`
 * and `outOffset` (contiguous for fresh outputs, strided for `assign`).
 */
export function runElementwise(
  ctx: GpuContext,
  opts: ElementwiseOptions,
  out: WebGPUStorage,
  outStrides: readonly number[],
  outOffset: number,
  shape: readonly number[],
  inputs: readonly GView[],
  alpha = 0,
  label = 'elementwise',
): void {
  const n = numel(shape);
  if (n === 0) return;
  const c = coalesce(shape, [outStrides, ...inputs.map((v) => v.strides)]);
  if (c.shape.length > MAX_RANK) {
    throw new Error(
      `webgpu.elementwise: rank ${c.shape.length} after merging axes exceeds ${MAX_RANK} (shape [${shape.join(',')}])`,
    );
  }
  const prm = new Params()
    .u(n, c.shape.length)
    .f(alpha)
    .u(outOffset)
    .padded(
      inputs.map((v) => v.offset),
      4,
    )
    .padded(c.shape, 8, 1)
    .padded(c.strides[0] as number[], 8);
  for (let j = 0; j < inputs.length; j++) prm.padded(c.strides[j + 1] as number[], 8);
  const pipeline = ctx.pipeline(opts, () => source(opts));
  ctx.dispatch(
    label,
    pipeline,
    [out.buffer, ...inputs.map((v) => v.storage.buffer)],
    prm.build(),
    grid(Math.ceil(n / WG)),
  );
}
