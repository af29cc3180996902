import { formatShape, noGrad, Tensor, tidy, zeros } from '@rectifier/tensor';
import type { Module } from './module';
import { Sequential } from './sequential';

/** One call of a leaf module during a traced forward pass. */
export interface TracedCall {
  /** dotted module path (the first path of a module reachable by several) */
  readonly path: string;
  readonly module: Module<any, any>;
  readonly inputShapes: number[][];
  readonly outputShape: number[];
  /**
   * Where each input came from: 'input' (the model input), the index of the call that produced it,
   * or 'other' (computed outside modules: `a.add(b)`, `x.flatten(1)`, a constant).
   */
  readonly sources: ('input' | 'other' | number)[];
  /** this module was called before (its parameters are counted once) */
  readonly repeat: boolean;
  /** it returned one of its inputs (Identity, eval-mode Dropout): later calls see that input's source */
  readonly passThrough: boolean;
}

/** A traced forward pass: the leaf calls in order and where the model output came from. */
export interface TracedForward {
  readonly calls: TracedCall[];
  readonly outputShape: number[];
  readonly outputSource: 'input' | 'other' | number;
}

/** True when `m` is a Sequential tree (leaves apply in order, no custom forward). */
export function isSequentialTree(m: Module<any, any>): boolean {
  if (m instanceof Sequential) return m.children().every(isSequentialTree);
  return m.namedChildren().length === 0;
}

/**
 * Runs `model` once on zeros of `inputShape` (eval mode, no grad; the parameters' dtype) and records
 * every leaf module call through forward hooks: what `summary` and `toAuditModel` walk for models
 * with a custom forward (branches, merges, reused modules), as torchinfo does for PyTorch. Training
 * flags are restored and every tensor of the pass is disposed.
 */
export function traceForward(
  model: Module<any, any>,
  inputShape: readonly number[],
  fn: string,
): TracedForward {
  const paths = new Map<Module<any, any>, string>();
  for (const [path, m] of model.namedModules()) if (m.namedChildren().length === 0) paths.set(m, path);
  const modes = model.modules().map((m) => [m, m.training] as const);
  const produced = new Map<Tensor, number>();
  const seen = new Set<Module<any, any>>();
  const calls: TracedCall[] = [];
  let x: Tensor | null = null;
  const source = (t: unknown) => (t === x ? 'input' : (produced.get(t as Tensor) ?? 'other'));
  const handles = [...paths.keys()].map((m) =>
    m.registerForwardHook((module, inputs, output) => {
      const tensors = inputs.flatMap((i) => (Array.isArray(i) ? i : [i])).filter((t) => t instanceof Tensor);
      const path = paths.get(module) ?? '';
      if (!(output instanceof Tensor))
        throw new TypeError(`${fn}: '${path}' (${module.typeName}) returns something other than one Tensor`);
      calls.push({
        path,
        module,
        inputShapes: tensors.map((t) => [...t.shape]),
        outputShape: [...output.shape],
        sources: tensors.map(source),
        repeat: seen.has(module),
        passThrough: tensors.includes(output),
      });
      seen.add(module);
      // a pass-through (Identity, eval-mode Dropout) keeps the producer of its input
      if (!tensors.includes(output)) produced.set(output, calls.length - 1);
    }),
  );
  const dtype = model.parameters()[0]?.dtype ?? 'float32';
  try {
    model.eval();
    return tidy(() =>
      noGrad(() => {
        x = zeros(inputShape, { dtype });
        let y: unknown;
        try {
          y = model.call(x);
        } catch (e) {
          throw new Error(
            `${fn}: running '${model.typeName}' on input ${formatShape(inputShape)} failed: ${(e as Error).message}`,
          );
        }
        if (!(y instanceof Tensor))
          throw new TypeError(`${fn}: the forward of ${model.typeName} must return one Tensor`);
        return { calls, outputShape: [...y.shape], outputSource: source(y) };
      }),
    );
  } finally {
    for (const h of handles) h.remove();
    for (const [m, t] of modes) m.training = t;
  }
}
