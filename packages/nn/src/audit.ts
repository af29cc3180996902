import type { AuditLayer, AuditModel } from '@rectifier/init';
import type { Tensor } from '@rectifier/tensor';
import type { Module } from './module';
import { layerDefinition } from './registry';
import { isSequentialTree, type TracedForward, traceForward } from './trace';
import { leafModules, specOf } from './walk';
/** Options of {@link toAuditModel}. */
export interface ToAuditModelOptions {
  /** input shape (batch included) to trace a model with its own forward; Sequentials need none */
  inputShape?: readonly number[];
}

/**
 * Adapts a model to `@rectifier/init`'s structural `AuditModel`, for `varianceAudit` (init cannot
 * import nn, so nn adapts). Each layer's definition gives its role (registry: `LayerDefinition.audit`):
 * Conv2d/Linear are weight layers; ReLU, LeakyReLU and PReLU activations with their negative slope (a
 * PReLU's mean current a_i, read asynchronously); convs give their geometry (taps on zero padding);
 * pooling layers (max, average, SPP, adaptive) are marked as such, and the audit measures them;
 * everything else (flatten, dropout, identity) passes through. Put the model in eval mode first so
 * dropout is the identity.
 *
 * Sequentials are walked. A model with its own `forward` is traced once on zeros of
 * `opts.inputShape`; it is audited when its layer calls form a chain (each call reads the previous
 * call's output). The paper's Eqs. 10 and 14 predict the variance of such a plain chain only: a
 * residual block y = x + F(x) or a concat of branches is refused with an error that says so (a merge
 * adds the variances of its inputs, Var[y] = Var[x] + Var[F(x)] for uncorrelated terms, which the
 * derivation does not cover); `graphVarianceAudit` audits such a model chain by chain instead.
 *
 * @example
 * const net = model30({ activation: 'relu', width: 0.125, seed: 0 }).eval();
 * console.log(formatVarianceAudit(await varianceAudit(await toAuditModel(net), randn([2, 3, 224, 224]))));
 */
export async function toAuditModel(
  model: Module<any, any>,
  opts: ToAuditModelOptions = {},
): Promise<AuditModel> {
  const fn = 'toAuditModel';
  let leaves: [string, Module<any, any>][];
  if (isSequentialTree(model)) leaves = leafModules(model);
  else {
    if (opts.inputShape === undefined) {
      throw new TypeError(
        `${fn}: '${model.typeName}' has its own forward; pass { inputShape } so that its layer calls can be traced`,
      );
    }
    leaves = chainOfCalls(model, traceForward(model, opts.inputShape, fn));
  }
  return { layers: await auditLayers(leaves, fn) };
}

/** The AuditLayers of named registered layers, each with its role from its layer definition. */
export async function auditLayers(
  leaves: readonly [string, Module<any, any>][],
  fn: string,
): Promise<AuditLayer[]> {
  const layers: AuditLayer[] = [];
  for (const [name, m] of leaves) {
    const spec = specOf(m);
    if (spec === undefined) {
      throw new TypeError(
        `${fn}: '${name}' (${m.typeName}) is not a registered layer; the audit walks registered layers`,
      );
    }
    const forward = (x: Tensor) => (m as Module<[Tensor], Tensor>).call(x);
    // each layer's definition says what it is to the audit (weight layer, rectifier, pooling, other)
    const def = layerDefinition(spec.type);
    const role = (await def?.audit?.(m)) ?? { kind: 'other' as const };
    layers.push({ ...role, name, forward } as AuditLayer);
  }
  return layers;
}

/**
 * The traced calls as a chain, or an error naming where the forward stops being one: a merge of two
 * or more tensors, a layer that reads something other than the previous layer's output (a skip
 * connection or a branch), or a tensor op applied outside modules.
 */
function chainOfCalls(model: Module<any, any>, traced: TracedForward): [string, Module<any, any>][] {
  const types = new Map(model.namedModules());
  const where = (path: string) => {
    const parent = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
    return `the forward of '${parent || '<root>'}' (${(types.get(parent) ?? model).typeName})`;
  };
  const plain =
    "Eqs. 10 and 14 predict the variance of a plain chain (each layer's input is the previous layer's output); " +
    'a merge adds the variances of its inputs (Var[x + F(x)] = Var[x] + Var[F(x)] for uncorrelated terms), which the derivation does not cover, so the prediction does not apply here: graphVarianceAudit audits each plain chain of the graph and checks the merges';
  let last: 'input' | 'other' | number = 'input';
  const out: [string, Module<any, any>][] = [];
  for (const [i, c] of traced.calls.entries()) {
    const name = `'${c.path}' (${c.module.typeName})`;
    if (c.sources.length !== 1)
      throw new Error(
        `toAuditModel: in ${where(c.path)}, ${name} merges ${c.sources.length} tensors; ${plain}`,
      );
    if (c.sources[0] === 'other')
      throw new Error(
        `toAuditModel: in ${where(c.path)}, the input of ${name} is computed by a tensor operation outside a module; write it as a layer (e.g. Flatten, Add) so the audit can apply it`,
      );
    if (c.sources[0] !== last)
      throw new Error(
        `toAuditModel: in ${where(c.path)}, ${name} reads ${c.sources[0] === 'input' ? 'the model input' : `the output of '${traced.calls[c.sources[0] as number].path}'`} instead of the previous layer's (a branch or skip connection); ${plain}`,
      );
    out.push([c.path, c.module]);
    if (!c.passThrough) last = i;
  }
  if (traced.outputSource !== last)
    throw new Error(
      `toAuditModel: the forward of '<root>' (${model.typeName}) does not return its last layer's output; ${plain}`,
    );
  return out;
}
