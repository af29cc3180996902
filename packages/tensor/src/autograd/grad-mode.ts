let enabled = true;

/** Whether new ops record the autograd tape (true unless inside `noGrad`). */
export function isGradEnabled(): boolean {
  return enabled;
}

function withMode<T>(mode: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = mode;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/**
 * Runs `fn` without recording the tape (like `torch.no_grad`): outputs never require grad.
 *
 * @example
 * noGrad(() => w.assign(w.sub(w.grad!.mul(0.1))));
 */
export function noGrad<T>(fn: () => T): T {
  return withMode(false, fn);
}

/**
 * Re-enables tape recording inside a `noGrad` block (like `torch.enable_grad`).
 *
 * @example
 * noGrad(() => enableGrad(() => x.mul(2))); // records
 */
export function enableGrad<T>(fn: () => T): T {
  return withMode(true, fn);
}
