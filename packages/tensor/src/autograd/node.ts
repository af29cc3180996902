import type { Tensor } from '../tensor.js';

/** A deferred gradient: rules return thunks so gradients for inputs that need none are never computed. */
export type Thunk = () => Tensor;

/**
 * Gradient rule of one recorded op: given dL/d(out), returns one thunk (or null) per input, each
 * producing dL/d(input) in the op's output-broadcast shape; the engine reduces broadcast axes back to
 * the input's shape in one place (`unbroadcast`). `saved` holds the tensors the rule reads.
 */
export type GradRule = (dy: Tensor, saved: readonly Tensor[]) => readonly (Thunk | null)[];

/** One entry of the tape. */
export interface GradNode {
  readonly op: string;
  /**
   * The op's inputs; the engine reads only their shape, dtype, requiresGrad and node (never their
   * data). Emptied when the node is released after backward, so the graph can be garbage-collected.
   */
  inputs: readonly Tensor[];
  /** Detached references (sharing storage) to the tensors the rule needs; disposed after backward. */
  saved: Tensor[];
  rule: GradRule | null;
  /** Id of the `tidy` scope that owns the saved tensors (see memory.ts `collectSaved`). */
  scope: number;
  /** Op attributes (stride, padding, axis, ...) for graph consumers such as ONNX export. */
  readonly attrs?: Readonly<Record<string, unknown>>;
}
