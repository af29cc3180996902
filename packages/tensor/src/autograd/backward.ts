/**
 * The reverse pass: an iterative topological sort of the tape (no recursion, so deep nets cannot
 * overflow the stack), then gradient rules in reverse order with accumulation per tensor. The order
 * is deterministic (the order in which inputs were recorded).
 */
import { fmt, ShapeError } from '../errors.js';
import { tidy } from '../memory.js';
import { onesLike, zerosLike } from '../ops/creation.js';
import { add } from '../ops/elementwise.js';
import { shapesEqual, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { noGrad } from './grad-mode.js';
import type { GradNode } from './node.js';
import { unbroadcast } from './unbroadcast.js';

interface Options {
  retainGraph: boolean;
  /** functional form: return gradients for these tensors instead of writing leaves' .grad */
  inputs?: readonly Tensor[];
}

/** Tensors reachable from the roots through nodes, in reverse topological order (outputs first). */
function topoOrder(roots: readonly Tensor[]): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<number>();
  const stack: { t: Tensor; next: number }[] = [];
  for (const r of roots) {
    if (visited.has(r.id)) continue;
    visited.add(r.id);
    stack.push({ t: r, next: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const inputs = top.t._node?.inputs ?? [];
      if (top.next < inputs.length) {
        const child = inputs[top.next++];
        if (child.requiresGrad && !visited.has(child.id)) {
          visited.add(child.id);
          stack.push({ t: child, next: 0 });
        }
      } else {
        order.push(top.t);
        stack.pop();
      }
    }
  }
  return order.reverse();
}

function release(node: GradNode): void {
  for (const s of node.saved) s.dispose();
  node.saved = [];
  node.rule = null;
  node.inputs = [];
}

/**
 * Runs the reverse pass from `roots` with seed gradients `seeds` (ones for scalar roots). Without
 * `opts.inputs`, accumulates into `.grad` of every leaf that requires grad and returns []; with it,
 * returns the gradients of those tensors (zeros where unreachable) and writes no `.grad`.
 */
export function backward(
  roots: readonly Tensor[],
  seeds: readonly Tensor[] | undefined,
  opts: Options,
): Tensor[] {
  for (const r of roots) {
    if (!r.requiresGrad)
      throw new Error(
        `backward: tensor ${r.id} (shape ${fmt(r.shape)}) does not require grad and has no grad_fn`,
      );
  }
  return noGrad(() => {
    const grads = new Map<number, Tensor>();
    roots.forEach((r, i) => {
      const seed = seeds?.[i];
      if (seed) {
        if (!shapesEqual(seed.shape, r.shape)) {
          throw new ShapeError(
            `backward: gradient shape ${fmt(seed.shape)} does not match output shape ${fmt(r.shape)}`,
          );
        }
        accumulate(grads, r, seed._viewAs(seed.shape, seed.strides, seed.offset));
      } else {
        if (sizeOf(r.shape) !== 1)
          throw new ShapeError(
            `backward: a gradient is needed for non-scalar output of shape ${fmt(r.shape)}`,
          );
        accumulate(grads, r, onesLike(r));
      }
    });
    const wanted = opts.inputs ? new Set(opts.inputs.map((t) => t.id)) : null;
    const order = topoOrder(roots);
    for (const t of order) {
      const g = grads.get(t.id);
      const node = t._node;
      if (!node) {
        // a leaf: keep its gradient
        if (g && !wanted) {
          grads.delete(t.id);
          storeLeafGrad(t, g);
        }
        continue;
      }
      if (!node.rule) {
        throw new Error(
          `backward: the graph through ${node.op} was already freed; pass { retainGraph: true } to the first backward()`,
        );
      }
      if (g) {
        // a wanted intermediate keeps its gradient and still propagates it upstream
        const isWanted = wanted?.has(t.id) ?? false;
        if (!isWanted) grads.delete(t.id);
        const thunks = node.rule(g, node.saved);
        node.inputs.forEach((input, i) => {
          const thunk = thunks[i];
          if (!thunk || !input.requiresGrad) return;
          // tidy frees the rule's temporaries; only the gradient survives
          const gi = tidy(() => unbroadcast(thunk(), input.shape));
          accumulate(grads, input, gi === g ? g._viewAs(g.shape, g.strides, g.offset) : gi);
        });
        if (!isWanted) g.dispose();
      }
      if (!opts.retainGraph) release(node);
    }
    if (!wanted) return [];
    const result = (opts.inputs ?? []).map((t) => {
      const g = grads.get(t.id);
      grads.delete(t.id);
      return g ?? zerosFor(t);
    });
    for (const g of grads.values()) g.dispose();
    return result;
  });
}

function zerosFor(t: Tensor): Tensor {
  return zerosLike(t);
}

function accumulate(grads: Map<number, Tensor>, t: Tensor, g: Tensor): void {
  const prev = grads.get(t.id);
  if (!prev) {
    grads.set(t.id, g);
    return;
  }
  grads.set(t.id, add(prev, g));
  prev.dispose();
  g.dispose();
}

/** Accumulates into a leaf's `.grad`, which no tidy scope owns (optimizers read it after the step's tidy). */
function storeLeafGrad(leaf: Tensor, g: Tensor): void {
  let value = g;
  if (leaf.grad) {
    value = add(leaf.grad, g);
    leaf.grad.dispose();
    g.dispose();
  }
  const owned = value.contiguous();
  const out = owned._viewAs(owned.shape, owned.strides, owned.offset, false);
  if (owned !== value) owned.dispose();
  value.dispose();
  leaf.grad = out;
}
