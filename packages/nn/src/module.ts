import { noGrad, Parameter, Tensor } from '@rectifier/tensor';
import { describe, fmtShape } from './options';

/** A forward hook: called after every `module.call(...)` with the inputs and the output. */
export type ForwardHook = (module: Module<any, any>, inputs: readonly unknown[], output: unknown) => void;

/** Returned by {@link Module.registerForwardHook}; `remove()` unregisters the hook. */
export interface HookHandle {
  remove(): void;
}

/** Result of a non-strict {@link Module.loadStateDict}. */
export interface LoadStateDictResult {
  readonly missingKeys: string[];
  readonly unexpectedKeys: string[];
}

/** A state dict: dotted names (`conv2_1.weight`) to tensors, in module declaration order. */
export type StateDict = Record<string, Tensor>;

/**
 * Base class of every layer and model (PyTorch's `nn.Module`).
 *
 * Parameters and submodules are found by walking the instance's own fields in declaration order:
 * a field holding a `Parameter` is a parameter, a `Module` is a child, an array of Modules (or of
 * Parameters) gives children (parameters) named `field.0`, `field.1`, …; `null` fields are skipped, so
 * an optional bias can be `Parameter | null`. Containers such as `Sequential` override
 * {@link namedChildren} instead. Buffers (persistent non-learnable tensors) are fields registered once
 * with {@link registerBuffer}. Names are dotted paths (`features.3.weight`) and are the keys of
 * {@link stateDict}, of safetensors checkpoints and of ONNX initializers.
 *
 * A subclass implements `forward`; callers use `call(...)`, which also runs forward hooks.
 *
 * @example
 * class TwoLayer extends Module {
 *   fc1 = new Linear({ inFeatures: 4, outFeatures: 8 });
 *   act = new PReLU({ numParameters: 8 });
 *   fc2 = new Linear({ inFeatures: 8, outFeatures: 2 });
 *   forward(x: Tensor) { return this.fc2.call(this.act.call(this.fc1.call(x))); }
 * }
 * new TwoLayer().namedParameters().map(([n]) => n); // ['fc1.weight', 'fc1.bias', 'act.weight', ...]
 */
export abstract class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  /** true after `train()` (the default), false after `eval()`; layers like Dropout read it. */
  training = true;
  readonly #bufferNames = new Map<string, boolean>();
  readonly #hooks = new Set<ForwardHook>();

  abstract forward(...inputs: In): Out;

  /** Runs `forward` and then the forward hooks. Prefer this over calling `forward` directly. */
  call(...inputs: In): Out {
    const out = this.forward(...inputs);
    for (const h of this.#hooks) h(this, inputs, out);
    return out;
  }

  /** Registers a hook run after every `call` (used by audits and tracers). */
  registerForwardHook(hook: ForwardHook): HookHandle {
    this.#hooks.add(hook);
    return { remove: () => this.#hooks.delete(hook) };
  }

  /** The class name used by `toString()`. */
  get typeName(): string {
    return this.constructor.name;
  }

  /** Extra text inside the parentheses of `toString()`, e.g. `numParameters=64` for PReLU. */
  extraRepr(): string {
    return '';
  }

  /**
   * Declares the field `name` (already assigned or assigned later) as a buffer: a tensor saved in the
   * state dict (when `persistent`) but not returned by `parameters()`.
   */
  protected registerBuffer(name: string, tensor: Tensor | null, opts: { persistent?: boolean } = {}): void {
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      throw new TypeError(`${this.typeName}.registerBuffer: invalid buffer name ${describe(name)}`);
    }
    if (tensor !== null && !(tensor instanceof Tensor)) {
      throw new TypeError(`${this.typeName}.registerBuffer: '${name}' must be a Tensor or null`);
    }
    this.#bufferNames.set(name, opts.persistent ?? true);
    (this as unknown as Record<string, unknown>)[name] = tensor;
  }

  /** Direct submodules with their names, in declaration order. */
  namedChildren(): [string, Module<any, any>][] {
    const out: [string, Module<any, any>][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Module) out.push([key, value]);
      else if (Array.isArray(value) && value.length > 0 && value.every((v) => v instanceof Module)) {
        for (const [i, m] of value.entries()) out.push([`${key}.${i}`, m]);
      }
    }
    return out;
  }

  /** Direct submodules. */
  children(): Module<any, any>[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** Parameters held directly by this module (not by children). */
  protected ownNamedParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Parameter) out.push([key, value]);
      else if (Array.isArray(value) && value.length > 0 && value.every((v) => v instanceof Parameter)) {
        for (const [i, p] of value.entries()) out.push([`${key}.${i}`, p]);
      }
    }
    return out;
  }

  /** This module and all descendants with dotted names ('' for this one); each module once. */
  namedModules(prefix = ''): [string, Module<any, any>][] {
    const seen = new Set<Module<any, any>>();
    const out: [string, Module<any, any>][] = [];
    const visit = (m: Module<any, any>, name: string) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([name, m]);
      for (const [n, c] of m.namedChildren()) visit(c, name === '' ? n : `${name}.${n}`);
    };
    visit(this, prefix);
    return out;
  }

  /** All modules (this one first). */
  modules(): Module<any, any>[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** All parameters with dotted names, in declaration order; a shared parameter appears once. */
  namedParameters(): [string, Parameter][] {
    const seen = new Set<Parameter>();
    const out: [string, Parameter][] = [];
    for (const [mName, m] of this.namedModules()) {
      for (const [pName, p] of m.ownNamedParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([mName === '' ? pName : `${mName}.${pName}`, p]);
      }
    }
    return out;
  }

  /** All parameters (what an optimizer receives). */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Total number of learnable scalars (elements of all parameters). */
  parameterCount(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /** Buffers with dotted names. `persistentOnly` keeps those that go into the state dict. */
  namedBuffers(persistentOnly = false): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [mName, m] of this.namedModules()) {
      for (const [bName, persistent] of m.#bufferNames) {
        const t = (m as unknown as Record<string, unknown>)[bName];
        if (!(t instanceof Tensor) || (persistentOnly && !persistent)) continue;
        out.push([mName === '' ? bName : `${mName}.${bName}`, t]);
      }
    }
    return out;
  }

  /**
   * Calls `fn` on every descendant and then on this module (children first, like PyTorch's
   * `Module.apply`), e.g. to re-initialise layers. Returns this module.
   *
   * @example
   * net.apply((m) => { if (m instanceof Conv2d) kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' }); });
   */
  apply(fn: (module: Module<any, any>) => void): this {
    const seen = new Set<Module<any, any>>();
    const visit = (m: Module<any, any>) => {
      if (seen.has(m)) return;
      seen.add(m);
      for (const c of m.children()) visit(c);
      fn(m);
    };
    visit(this);
    return this;
  }

  /** Sets training mode on this module and every descendant. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** `train(false)`: dropout off. */
  eval(): this {
    return this.train(false);
  }

  /** Clears `.grad` of every parameter. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /**
   * Parameters and persistent buffers by dotted name, in PyTorch's `state_dict` order (each module's
   * parameters, then its buffers, module by module). The values are the live tensors (not copies,
   * like PyTorch's detached references): do not dispose them; `loadStateDict` writes into them.
   */
  stateDict(): StateDict {
    // PyTorch's order: module by module (this one first, then its descendants in declaration order),
    // each module's parameters and then its persistent buffers; a shared parameter appears once
    const sd: StateDict = {};
    const seen = new Set<Parameter>();
    for (const [mName, m] of this.namedModules()) {
      const key = (n: string) => (mName === '' ? n : `${mName}.${n}`);
      for (const [pName, p] of m.ownNamedParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        sd[key(pName)] = p;
      }
      for (const [bName, persistent] of m.#bufferNames) {
        const t = (m as unknown as Record<string, unknown>)[bName];
        if (persistent && t instanceof Tensor) sd[key(bName)] = t;
      }
    }
    return sd;
  }

  /**
   * Copies `stateDict` into this module's parameters and buffers (no graph is recorded; dtypes are
   * converted to the module's). Every key is checked before anything is written: mis-shaped tensors
   * always throw, and with `strict` (the default) so do missing and unexpected keys. The error lists
   * every problem; when it throws, nothing has been loaded.
   */
  loadStateDict(stateDict: Record<string, unknown>, opts: { strict?: boolean } = {}): LoadStateDictResult {
    if (stateDict === null || typeof stateDict !== 'object') {
      throw new TypeError(
        `${this.typeName}.loadStateDict: expected an object of tensors, got ${describe(stateDict)}`,
      );
    }
    for (const k of Object.keys(opts)) {
      if (k !== 'strict')
        throw new TypeError(`${this.typeName}.loadStateDict: unknown option '${k}' (allowed: strict)`);
    }
    const strict = opts.strict ?? true;
    const own = this.stateDict();
    // own keys only: `in` would see Object.prototype, so a checkpoint key such as 'constructor' or
    // 'toString' would pass as expected
    const missing = Object.keys(own).filter((k) => !Object.hasOwn(stateDict, k));
    const unexpected = Object.keys(stateDict).filter((k) => !Object.hasOwn(own, k));
    const problems: string[] = [];
    for (const [k, target] of Object.entries(own)) {
      if (!Object.hasOwn(stateDict, k)) continue;
      const v = stateDict[k];
      if (!(v instanceof Tensor)) problems.push(`  ${k}: expected a Tensor, got ${describe(v)}`);
      else if (v.isDisposed) problems.push(`  ${k}: the tensor is disposed`);
      else if (!sameShape(v.shape, target.shape)) {
        problems.push(
          `  ${k}: shape ${fmtShape(v.shape)} in the state dict, ${fmtShape(target.shape)} in the model`,
        );
      }
    }
    if (problems.length > 0 || (strict && (missing.length > 0 || unexpected.length > 0))) {
      const lines = [
        `${this.typeName}.loadStateDict: the state dict does not match the model; nothing was loaded.`,
      ];
      if (missing.length > 0) lines.push(`missing keys (${missing.length}): ${missing.join(', ')}`);
      if (unexpected.length > 0)
        lines.push(`unexpected keys (${unexpected.length}): ${unexpected.join(', ')}`);
      if (problems.length > 0) lines.push(`mis-shaped or invalid (${problems.length}):`, ...problems);
      throw new Error(lines.join('\n'));
    }
    noGrad(() => {
      for (const [k, target] of Object.entries(own)) {
        if (!Object.hasOwn(stateDict, k)) continue;
        const v = stateDict[k] as Tensor;
        if (v === target) continue;
        const src = v.dtype === target.dtype ? v : v.cast(target.dtype);
        target.assign(src);
        if (src !== v) src.dispose();
      }
    });
    return { missingKeys: missing, unexpectedKeys: unexpected };
  }

  /** Disposes every parameter and buffer of this module and its descendants. The module is unusable afterwards. */
  dispose(): void {
    for (const p of this.parameters()) if (!p.isDisposed) p.dispose();
    for (const [, b] of this.namedBuffers()) if (!b.isDisposed) b.dispose();
  }

  /** PyTorch-style tree, e.g. `Sequential(\n  (conv1): Conv2d(3, 64, kernelSize=[7, 7], ...)\n)`. */
  toString(): string {
    const extra = this.extraRepr();
    const kids = this.namedChildren();
    if (kids.length === 0) return `${this.typeName}(${extra})`;
    const lines = [`${this.typeName}(${extra}`];
    for (const [n, c] of kids) {
      const text = c.toString().split('\n').join('\n  ');
      lines.push(`  (${n}): ${text}`);
    }
    lines.push(')');
    return lines.join('\n');
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
