import {
  formatVarianceAudit,
  type VarianceAuditOptions,
  type VarianceAuditResult,
  varianceAudit,
} from '@rectifier/init';
import { type Generator, keep, noGrad, Tensor, tidy } from '@rectifier/tensor';
import { auditLayers } from './audit';
import type { Module } from './module';
import { describe } from './options';
import { specOf } from './walk';

/** One plain chain of a graph model, audited with `@rectifier/init`'s `varianceAudit`. */
export interface GraphAuditChain {
  /** layer paths of the chain, in order (each reads the previous one's output) */
  readonly layers: string[];
  /** where its input comes from: 'input', a layer path, or 'an op outside modules' */
  readonly from: string;
  /** the audit of the chain run on the input it receives in the model; absent without a weight layer */
  readonly audit?: VarianceAuditResult;
}

/** A merge (`Add`, `Concat`) of the graph: measured against the prediction for uncorrelated inputs. */
export interface GraphAuditMerge {
  readonly name: string;
  readonly type: string;
  /** where each input comes from ('input' or a layer path) */
  readonly from: string[];
  readonly inputStds: number[];
  readonly measuredStd: number;
  /**
   * add: sqrt(Σ Var[input_i]), what the inputs' variances give when they are uncorrelated (the
   * zero-mean assumption of Eqs. 7-13 extended to a sum); concat: the element-weighted mean of the
   * inputs' variances (no assumption needed).
   */
  readonly predictedStd: number;
}

/** Result of {@link graphVarianceAudit}. */
export interface GraphVarianceAudit {
  readonly chains: GraphAuditChain[];
  readonly merges: GraphAuditMerge[];
}

interface Call {
  path: string;
  module: Module<any, any>;
  inputs: Tensor[];
  output: Tensor;
  sources: ('input' | 'other' | number)[];
}

/**
 * The variance audit of a model that is a graph (residual blocks, concat branches). The paper's
 * Eqs. 7-14 describe a plain chain, each layer's input being the previous layer's output, so the
 * model is run once on `input` (eval mode) and cut into its plain chains (a chain ends where its
 * output is read twice, or reaches a merge); each chain with a weight layer gets the full
 * `varianceAudit` (forward and backward predictions, Eqs. 9 and 13) on the very input it receives
 * in the model. Predictions therefore start again at each chain: a residual branch F(x) is predicted
 * from the E[x²] of the block input. At each `Add` the prediction assumes uncorrelated inputs,
 * Var[x + F(x)] = Var[x] + Var[F(x)]: with He init a residual branch keeps the variance of its input,
 * so an un-normalised block doubles it (what He et al. 2016 follow with batch normalization).
 * `Concat` is exact (the element-weighted mean of the input variances). Tensor ops outside modules
 * start a new chain. Sequential models give one chain, the same audit as `toAuditModel`.
 *
 * @example
 * console.log(formatGraphVarianceAudit(await graphVarianceAudit(resnet.eval(), randn([2, 3, 64, 64]))));
 */
export async function graphVarianceAudit(
  model: Module<any, any>,
  input: Tensor,
  opts: { generator?: Generator } = {},
): Promise<GraphVarianceAudit> {
  if (!(input instanceof Tensor)) {
    throw new TypeError(`graphVarianceAudit: input must be a Tensor, got ${describe(input)}`);
  }
  const calls = record(model, input);
  try {
    const readers = new Map<number, number>();
    for (const c of calls)
      for (const s of c.sources) if (typeof s === 'number') readers.set(s, (readers.get(s) ?? 0) + 1);
    const isMerge = (c: Call) => c.sources.length > 1;
    const name = (s: 'input' | 'other' | number) =>
      s === 'input' ? 'input' : s === 'other' ? 'an op outside modules' : calls[s].path;
    const chains: { calls: number[]; from: string }[] = [];
    const merges: GraphAuditMerge[] = [];
    const chainOf = new Map<number, number>();
    for (const [i, c] of calls.entries()) {
      if (isMerge(c)) {
        const stds = await Promise.all(c.inputs.map(std));
        const sizes = c.inputs.map((t) => t.size);
        const vars = stds.map((s) => s * s);
        const type = specOf(c.module)?.type ?? c.module.typeName;
        const predicted =
          type === 'concat'
            ? vars.reduce((a, v, k) => a + v * sizes[k], 0) / sizes.reduce((a, b) => a + b, 0)
            : vars.reduce((a, b) => a + b, 0);
        merges.push({
          name: c.path,
          type,
          from: c.sources.map(name),
          inputStds: stds,
          measuredStd: await std(c.output),
          predictedStd: Math.sqrt(predicted),
        });
        continue;
      }
      const src = c.sources[0];
      // continue the chain of the layer it reads when that layer's output goes nowhere else
      const k = typeof src === 'number' && readers.get(src) === 1 ? chainOf.get(src) : undefined;
      if (k !== undefined) chains[k].calls.push(i);
      else chains.push({ calls: [i], from: name(src) });
      chainOf.set(i, k ?? chains.length - 1);
    }
    const out: GraphAuditChain[] = [];
    for (const chain of chains) {
      const leaves = chain.calls.map((i) => [calls[i].path, calls[i].module] as [string, Module<any, any>]);
      const layers = await auditLayers(leaves, 'graphVarianceAudit');
      const paths = leaves.map(([p]) => p);
      if (!layers.some((l) => l.kind === 'conv' || l.kind === 'linear')) {
        out.push({ layers: paths, from: chain.from });
        continue;
      }
      const auditOpts: VarianceAuditOptions = { generator: opts.generator };
      const audit = await varianceAudit({ layers }, calls[chain.calls[0]].inputs[0], auditOpts);
      out.push({ layers: paths, from: chain.from, audit });
    }
    return { chains: out, merges };
  } finally {
    const seen = new Set<Tensor>([input]);
    for (const c of calls) {
      for (const t of [...c.inputs, c.output]) {
        if (seen.has(t)) continue;
        seen.add(t);
        if (!t.isDisposed) t.dispose();
      }
    }
  }
}

/** Runs `model` on `input` (eval mode, no grad) and keeps every leaf call's input and output tensors. */
function record(model: Module<any, any>, input: Tensor): Call[] {
  const paths = new Map<Module<any, any>, string>();
  for (const [path, m] of model.namedModules()) if (m.namedChildren().length === 0) paths.set(m, path);
  const modes = model.modules().map((m) => [m, m.training] as const);
  const produced = new Map<Tensor, number>();
  const calls: Call[] = [];
  const source = (t: Tensor) => (t === input ? 'input' : (produced.get(t) ?? 'other'));
  const handles = [...paths.keys()].map((m) =>
    m.registerForwardHook((module, inputs, output) => {
      const tensors = inputs.flatMap((i) => (Array.isArray(i) ? i : [i])).filter((t) => t instanceof Tensor);
      // a pass-through (Identity, eval-mode Dropout) keeps the producer of its input
      if (!(output instanceof Tensor) || tensors.includes(output)) return;
      calls.push({
        path: paths.get(module) ?? '',
        module,
        inputs: tensors.map((t) => (t === input ? t : keep(t))),
        output: keep(output),
        sources: tensors.map(source),
      });
      produced.set(output, calls.length - 1);
    }),
  );
  try {
    model.eval();
    tidy(() => noGrad(() => model.call(input)));
  } catch (e) {
    for (const c of calls)
      for (const t of [...c.inputs, c.output]) if (t !== input && !t.isDisposed) t.dispose();
    throw new Error(`graphVarianceAudit: running '${model.typeName}' failed: ${(e as Error).message}`);
  } finally {
    for (const h of handles) h.remove();
    for (const [m, t] of modes) m.training = t;
  }
  return calls;
}

async function std(t: Tensor): Promise<number> {
  const d = await t.data();
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i];
  const mean = s / d.length;
  let v = 0;
  for (let i = 0; i < d.length; i++) v += (d[i] - mean) ** 2;
  return Math.sqrt(v / d.length);
}

/** A {@link GraphVarianceAudit} as text: each chain's table (init's `formatVarianceAudit`), then the merges. */
export function formatGraphVarianceAudit(a: GraphVarianceAudit): string {
  const parts: string[] = [];
  for (const c of a.chains) {
    if (!c.audit) continue;
    parts.push(`chain ${c.layers.join(' -> ')} (input: ${c.from})`, formatVarianceAudit(c.audit), '');
  }
  if (a.merges.length > 0) {
    parts.push('merges (add: predicted for uncorrelated inputs, Var[x + F(x)] = Var[x] + Var[F(x)])');
    for (const m of a.merges) {
      parts.push(
        `${m.name} (${m.type}) of ${m.from.join(', ')}: input stds ${m.inputStds.map(fmt).join(', ')}, std ${fmt(m.measuredStd)}, predicted ${fmt(m.predictedStd)}`,
      );
    }
  }
  return parts.join('\n').trimEnd();
}

function fmt(x: number): string {
  return x === 0 ? '0' : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5 ? x.toPrecision(4) : x.toExponential(3);
}
