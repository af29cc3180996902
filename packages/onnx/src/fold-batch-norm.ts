/**
 * `foldBatchNorm`: an eval-mode BatchNorm that directly follows a convolution is an affine map per
 * output channel, so it can be merged into the convolution's weight and bias (W' = W * s,
 * b' = (b - mean) * s + beta, s = gamma / sqrt(var + eps)); the exported graph then has no
 * BatchNormalization node there, as inference runtimes and torch's `fuse_conv_bn_eval` do.
 */
import type { ExportGraph, ExportNode, LayerCall, ParamData, ValueId } from './export-graph';

const isBatchNorm = (n: ExportNode): n is LayerCall =>
  n.kind === 'layer' &&
  (n.spec.type === 'batchNorm2d' || n.spec.type === 'batchNorm1d') &&
  (n.spec as { trackRunningStats?: boolean }).trackRunningStats === true;

/**
 * Returns `graph` with every foldable (conv2d -> BatchNorm) pair merged into one conv2d call. A pair
 * folds when the BN is the conv output's only consumer and the conv's weight belongs to that call alone
 * (a module called twice keeps its BN). The folded conv keeps its weight's name (`conv1.weight`, now
 * scaled) and gets a bias named after it (`conv1.bias`).
 */
export function foldBatchNorm(graph: ExportGraph): { graph: ExportGraph; folded: number } {
  const consumers = new Map<ValueId, number>();
  const count = (v: ValueId) => consumers.set(v, (consumers.get(v) ?? 0) + 1);
  count(graph.output);
  for (const n of graph.nodes) for (const v of n.inputs) count(v);
  const weightUses = new Map<ParamData, number>();
  for (const n of graph.nodes) {
    const w = n.kind === 'layer' ? n.params.weight : undefined;
    if (w) weightUses.set(w, (weightUses.get(w) ?? 0) + 1);
  }
  const producer = new Map<ValueId, number>(graph.nodes.map((n, i) => [n.output, i]));
  const nodes: (ExportNode | null)[] = [...graph.nodes];
  let folded = 0;
  for (const [i, bn] of graph.nodes.entries()) {
    if (!isBatchNorm(bn)) continue;
    const src = bn.inputs[0];
    const j = producer.get(src);
    const conv = j === undefined ? undefined : nodes[j];
    if (conv?.kind !== 'layer' || conv.spec.type !== 'conv2d' || consumers.get(src) !== 1) continue;
    const w = conv.params.weight;
    if (!w || weightUses.get(w) !== 1) continue;
    nodes[j as number] = fold(conv, bn);
    nodes[i] = null;
    folded++;
  }
  return { graph: { nodes: nodes.filter((n): n is ExportNode => n !== null), output: graph.output }, folded };
}

function fold(conv: LayerCall, bn: LayerCall): LayerCall {
  const { weight: w, bias: b } = conv.params;
  const p = bn.params;
  const eps = (bn.spec as { eps: number }).eps;
  const out = w.shape[0];
  const per = w.data.length / out;
  const weight = new Float32Array(w.data.length);
  const bias = new Float32Array(out);
  for (let c = 0; c < out; c++) {
    const gamma = p.weight ? p.weight.data[c] : 1;
    const beta = p.bias ? p.bias.data[c] : 0;
    const s = gamma / Math.sqrt(p.running_var.data[c] + eps);
    for (let k = 0; k < per; k++) weight[c * per + k] = w.data[c * per + k] * s;
    bias[c] = ((b ? b.data[c] : 0) - p.running_mean.data[c]) * s + beta;
  }
  const biasName = b ? b.name : w.name.replace(/weight$/, 'bias');
  return {
    ...conv,
    spec: { ...conv.spec, bias: true } as LayerCall['spec'],
    params: {
      ...conv.params,
      weight: { name: w.name, shape: w.shape, data: weight },
      bias: { name: biasName, shape: [out], data: bias },
    },
    output: bn.output,
  };
}
