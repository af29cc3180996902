/**
 * Forward trace for models that are not pure Sequential trees: a custom `Module` whose `forward`
 * calls its built-in layers one after another (`fc2(act(fc1(x)))`). One eval-mode forward pass on a
 * zero input records every leaf module's call through nn's forward hooks; the model is exportable
 * when those calls form a single chain from the input to the output (each call consumes exactly the
 * tensor the previous one produced). Anything else (an op applied outside a module, a skip
 * connection, a leaf called twice with parameters) is reported by name.
 */
import type { Module } from '@rectifier/nn';
import { formatShape, noGrad, type Tensor, tidy, zeros } from '@rectifier/tensor';
import { describePath } from './layers';

/** A leaf module in the order the forward pass called it. */
export interface TracedCall {
  path: string;
  module: Module<any, any>;
}

/**
 * Runs `root` once (eval mode, no grad, zeros of `inputShape`) and returns its leaf calls in order.
 * Training flags are restored afterwards; every tensor of the pass is disposed.
 * @example
 * traceChain(new TwoLayer(), [1, 4]).map((c) => c.path); // ['fc1', 'act', 'fc2']
 */
export function traceChain(root: Module<any, any>, inputShape: readonly number[]): TracedCall[] {
  const paths = new Map<Module<any, any>, string>();
  for (const [path, m] of root.namedModules())
    if (m.namedChildren().length === 0 && m !== root) paths.set(m, path);
  const modes = root.modules().map((m) => [m, m.training] as const);
  const calls: { module: Module<any, any>; input: unknown; output: unknown }[] = [];
  const handles = [...paths.keys()].map((m) =>
    m.registerForwardHook((module, inputs, output) => calls.push({ module, input: inputs[0], output })),
  );
  const where = describePath('', root.typeName);
  try {
    root.eval();
    tidy(() =>
      noGrad(() => {
        const x = zeros(inputShape);
        let y: Tensor;
        try {
          y = root.call(x) as Tensor;
        } catch (e) {
          throw new Error(
            `exportOnnx: tracing ${where} on input ${formatShape(inputShape)} failed: ${(e as Error).message}`,
          );
        }
        checkChain(calls, paths, x, y, where);
      }),
    );
  } finally {
    for (const h of handles) h.remove();
    for (const [m, t] of modes) m.training = t;
  }
  return calls.map((c) => ({ path: paths.get(c.module)!, module: c.module }));
}

function checkChain(
  calls: readonly { module: Module<any, any>; input: unknown; output: unknown }[],
  paths: Map<Module<any, any>, string>,
  x: Tensor,
  y: unknown,
  where: string,
): void {
  const name = (i: number) => describePath(paths.get(calls[i].module)!, calls[i].module.typeName);
  const hint = 'export needs the forward pass to be a chain of built-in layers (write other ops as modules)';
  if (calls.length === 0) throw new Error(`exportOnnx: the forward of ${where} calls no module; ${hint}`);
  let previous: unknown = x;
  for (let i = 0; i < calls.length; i++) {
    if (calls[i].input !== previous) {
      const before = i === 0 ? 'the model input' : `the output of ${name(i - 1)}`;
      throw new Error(
        `exportOnnx: in the forward of ${where}, ${name(i)} does not receive ${before} (an operation outside a module, or a branch); ${hint}`,
      );
    }
    previous = calls[i].output;
  }
  if (y !== previous) {
    throw new Error(
      `exportOnnx: the forward of ${where} changes the output of ${name(calls.length - 1)} outside a module before returning it; ${hint}`,
    );
  }
}
