/**
 * Forward trace for models that are not pure Sequential trees: a custom `Module` whose `forward` calls
 * its layers in any pattern (branches, skip connections, merges, a module called twice). One
 * eval-mode forward pass on a zero input that requires grad records every leaf module's call through
 * nn's forward hooks, and the autograd tape records every tensor op in between. Walking back from the
 * output, a tensor is either the model input, the output of a leaf module call, or the result of a
 * tensor op applied outside any module: `add`, `concat`, `reshape`/`flatten`/`view` and `relu` are
 * captured; anything else is reported by name.
 */
import type { Module } from '@rectifier/nn';
import { enableGrad, formatShape, type GradNode, Tensor, tidy, zeros } from '@rectifier/tensor';
import { describePath, type TracedOp, type ValueId } from './export-graph';

/** A traced leaf-module call or a captured tensor op, over value ids (0 = the model input). */
export type TracedNode =
  | { kind: 'layer'; path: string; module: Module<any, any>; inputs: ValueId[]; output: ValueId }
  | (TracedOp & { kind: 'op'; path: string; type: string; inputs: ValueId[]; output: ValueId });

/** The traced graph: nodes in dependency order and the value the forward returns. */
export interface TracedGraph {
  nodes: TracedNode[];
  output: ValueId;
}

/** The tensor ops captured outside modules, for messages. */
export const CAPTURED_OPS = ['add', 'concat', 'flatten/reshape/view', 'relu'] as const;

interface Call {
  module: Module<any, any>;
  inputs: readonly unknown[];
  output: unknown;
}

/**
 * Runs `root` once (eval mode, zeros of `inputShape` requiring grad) and returns the graph from its
 * input to its output. Training flags are restored afterwards; every tensor of the pass is disposed.
 * @example
 * traceGraph(new Residual(), [1, 4]).nodes.map((n) => n.kind === 'layer' ? n.path : n.op); // ['fc', 'add']
 */
export function traceGraph(root: Module<any, any>, inputShape: readonly number[]): TracedGraph {
  const paths = new Map<Module<any, any>, string>();
  for (const [path, m] of root.namedModules())
    if (m.namedChildren().length === 0 && m !== root) paths.set(m, path);
  const modes = root.modules().map((m) => [m, m.training] as const);
  const calls: Call[] = [];
  const handles = [...paths.keys()].map((m) =>
    m.registerForwardHook((module, inputs, output) => calls.push({ module, inputs, output })),
  );
  const where = describePath('', root.typeName);
  const scopes = new Scopes(root);
  try {
    root.eval();
    return tidy(() =>
      enableGrad(() => {
        const x = zeros(inputShape, { dtype: root.parameters()[0]?.dtype ?? 'float32' }).requiresGrad_(true);
        let y: unknown;
        try {
          y = root.call(x);
        } catch (e) {
          throw new Error(
            `exportOnnx: tracing ${where} on input ${formatShape(inputShape)} failed: ${(e as Error).message}`,
          );
        }
        return buildGraph(calls, paths, x, y, scopes);
      }),
    );
  } finally {
    scopes.restore();
    for (const h of handles) h.remove();
    for (const [m, t] of modes) m.training = t;
  }
}

/**
 * Which container's forward created a tensor: every container call is wrapped to note the tensor ids
 * created during it (ids increase in creation order), so an op outside modules is named after the
 * innermost container whose forward applied it (`/block/Add`, as PyTorch's exporter scopes nodes).
 */
class Scopes {
  private readonly spans: { path: string; type: string; first: number; last: number }[] = [];
  private readonly wrapped: Module<any, any>[] = [];

  constructor(readonly root: Module<any, any>) {
    for (const [path, m] of root.namedModules()) {
      // a module with its own `call` field is left alone (its ops are named after its parent)
      if (m === root || m.namedChildren().length === 0 || Object.hasOwn(m, 'call')) continue;
      const call = m.call;
      const spans = this.spans;
      Object.defineProperty(m, 'call', {
        configurable: true,
        writable: true,
        value: (...args: unknown[]) => {
          const first = nextTensorId();
          const out = call.apply(m, args);
          spans.push({
            path,
            type: m.typeName,
            first,
            last: out instanceof Tensor ? out.id : nextTensorId(),
          });
          return out;
        },
      });
      this.wrapped.push(m);
    }
  }

  /** Path and type of the innermost container whose forward created `t` (the root when none). */
  of(t: Tensor): { path: string; type: string } {
    let best = { path: '', type: this.root.typeName };
    let width = Number.POSITIVE_INFINITY;
    for (const s of this.spans) {
      if (t.id >= s.first && t.id <= s.last && s.last - s.first < width) {
        best = s;
        width = s.last - s.first;
      }
    }
    return { path: best.path, type: best.type };
  }

  where(t: Tensor): string {
    const { path, type } = this.of(t);
    return describePath(path, type);
  }

  restore(): void {
    for (const m of this.wrapped) delete (m as unknown as { call?: unknown }).call;
  }
}

/** The id the next tensor will get (a scalar is created and dropped to read it). */
function nextTensorId(): number {
  const probe = zeros([]);
  probe.dispose();
  return probe.id + 1;
}

function buildGraph(
  calls: readonly Call[],
  paths: Map<Module<any, any>, string>,
  x: Tensor,
  y: unknown,
  scopes: Scopes,
): TracedGraph {
  const where = describePath('', scopes.root.typeName);
  const hint = `outside modules the exporter captures ${CAPTURED_OPS.join(', ')}; write other operations as layers`;
  if (!(y instanceof Tensor)) throw new Error(`exportOnnx: the forward of ${where} must return one Tensor`);
  const producer = new Map<Tensor, Call>();
  for (const c of calls) {
    const name = describePath(paths.get(c.module)!, c.module.typeName);
    if (!(c.output instanceof Tensor))
      throw new Error(`exportOnnx: module ${name} returns something other than one Tensor`);
    const tensors = c.inputs.flatMap((i) => (Array.isArray(i) ? i : [i]));
    if (!tensors.every((t) => t instanceof Tensor))
      throw new Error(`exportOnnx: module ${name} is called with an argument that is not a Tensor`);
    // a pass-through (Identity, eval-mode Dropout) returns its input: nothing to export
    if (tensors.includes(c.output)) continue;
    producer.set(c.output, c);
  }
  const nodes: TracedNode[] = [];
  const ids = new Map<Tensor, ValueId>([[x, 0]]);
  let next = 1;
  type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
  const add = (node: DistributiveOmit<TracedNode, 'output'>): ValueId => {
    const output = next++;
    nodes.push({ ...node, output } as TracedNode);
    return output;
  };

  // iterative post-order walk from the output (deep nets must not overflow the stack)
  const stack: { t: Tensor; deps: Tensor[] | null }[] = [{ t: y, deps: null }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (ids.has(top.t)) {
      stack.pop();
      continue;
    }
    const call = producer.get(top.t);
    const node = top.t._node as GradNode | null;
    if (top.deps === null) {
      top.deps = call
        ? (call.inputs.flatMap((i) => (Array.isArray(i) ? i : [i])) as Tensor[])
        : depsOfOp(top.t, node, scopes.where(top.t), hint);
      for (const d of [...top.deps].reverse()) if (!ids.has(d)) stack.push({ t: d, deps: null });
      continue;
    }
    const inputs = top.deps.map((d) => ids.get(d)!);
    stack.pop();
    if (call) {
      ids.set(top.t, add({ kind: 'layer', path: paths.get(call.module)!, module: call.module, inputs }));
      continue;
    }
    const op = node!.op;
    const scope = scopes.of(top.t);
    if (op === 'contiguous') ids.set(top.t, inputs[0]);
    else if (op === 'add') ids.set(top.t, add({ kind: 'op', op: 'add', ...scope, inputs }));
    else if (op === 'relu') ids.set(top.t, add({ kind: 'op', op: 'relu', ...scope, inputs }));
    else if (op === 'concat') {
      const dim = Number(node!.attrs?.dim);
      ids.set(top.t, add({ kind: 'op', op: 'concat', dim, ...scope, inputs }));
    } else ids.set(top.t, add({ kind: 'op', op: 'reshape', shape: [...top.t.shape], ...scope, inputs }));
  }
  if (nodes.length === 0 && ids.get(y) === 0)
    throw new Error(
      `exportOnnx: the forward of ${where} returns its input unchanged; there is nothing to export`,
    );
  return { nodes, output: ids.get(y)! };
}

const CAPTURED = new Set(['add', 'relu', 'concat', 'reshape', 'contiguous']);

/** The tensors an op outside modules read, or a one-line error naming the op. */
function depsOfOp(t: Tensor, node: GradNode | null, where: string, hint: string): Tensor[] {
  if (node === null) {
    throw new Error(
      `exportOnnx: the forward of ${where} uses a tensor of shape ${formatShape(t.shape)} that is not computed from the model input (a constant, or a parameter used outside its module); ${hint}`,
    );
  }
  if (!CAPTURED.has(node.op)) {
    throw new Error(`exportOnnx: the forward of ${where} applies '${node.op}' outside a module; ${hint}`);
  }
  for (const i of node.inputs) {
    if (i._node === null && !i.requiresGrad) {
      throw new Error(
        `exportOnnx: the forward of ${where} applies '${node.op}' to a constant of shape ${formatShape(i.shape)}; ${hint}, between traced tensors`,
      );
    }
  }
  return [...node.inputs];
}
