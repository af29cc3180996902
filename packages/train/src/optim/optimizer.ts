import { noGrad, type Parameter, type Tensor, tidy, zerosLike } from '@rectifier/tensor';

/** Hyper-parameters every parameter group has. Optimizers extend this with their own. */
export interface BaseGroupOptions {
  /** Learning rate of the group. */
  lr: number;
  /** L2 / decoupled weight decay coefficient of the group. */
  weightDecay: number;
  /**
   * Also decay parameters marked `weightDecay === false` (PReLU slopes). Default false: the paper
   * (§2.1) trains the slopes a_i without weight decay, so they are exempt unless you ask.
   */
  decayAllParams: boolean;
}

/** A parameter group as the user passes it: its parameters plus any hyper-parameter overrides. */
export type ParamGroupInput<O extends BaseGroupOptions> = Partial<O> & {
  params: Iterable<Parameter>;
  /** Optional label, kept in the state dict and shown in errors. */
  name?: string;
};

/** Options of `Optimizer.step`. */
export interface StepOptions {
  /**
   * A float32 tensor of one element: when it is non-zero at the time the update runs (on the
   * device), the step changes nothing. Lets a training loop guard against non-finite gradients
   * without reading them back first. Only optimizers with `supportsSkipIf` accept it.
   */
  skipIf?: Tensor;
}

/** A resolved parameter group: every hyper-parameter present. `lr` is mutated by LR schedules. */
export type ParamGroup<O extends BaseGroupOptions> = O & { params: Parameter[]; name?: string };

/** JSON part of an optimizer state dict (PyTorch layout: parameters referred to by their index). */
export interface OptimizerStateJSON {
  type: string;
  /** Hyper-parameters per group and the flat indices of its parameters. */
  paramGroups: Array<Record<string, unknown> & { params: number[] }>;
  /** Per-parameter step counters (index -> steps taken), for optimizers that need them. */
  steps: Record<string, number>;
}

/** An optimizer state dict: the JSON part plus the per-parameter buffers (index -> name -> tensor). */
export interface OptimizerStateDict extends OptimizerStateJSON {
  buffers: Record<string, Record<string, Tensor>>;
}

/**
 * Base class of the optimizers: parameter groups, per-parameter state buffers, `zeroGrad` and
 * (de)serialization. Subclasses implement `updateParam`, the pure per-parameter rule.
 *
 * Parameters with `weightDecay === false` (PReLU slopes) receive no weight decay unless their group
 * sets `decayAllParams: true`.
 */
export abstract class Optimizer<O extends BaseGroupOptions = BaseGroupOptions> {
  /** Resolved groups; schedules write `paramGroups[i].lr`. */
  readonly paramGroups: ParamGroup<O>[];
  /** Name used in the state dict, e.g. 'SGD'. */
  abstract readonly type: string;
  /** Buffers per parameter, created lazily on the first step. */
  protected readonly buffers = new Map<Parameter, Record<string, Tensor>>();
  /** Steps taken per parameter (AdamW's bias correction needs it). */
  protected readonly steps = new Map<Parameter, number>();

  protected constructor(params: Iterable<Parameter> | ParamGroupInput<O>[], defaults: O) {
    const inputs = toGroupInputs<O>(params);
    const seen = new Set<Parameter>();
    this.paramGroups = inputs.map((g, gi) => {
      const list = [...g.params];
      for (const p of list) {
        if (seen.has(p)) {
          throw new Error(
            `${this.constructor.name}: a parameter appears in more than one group (group ${gi})`,
          );
        }
        seen.add(p);
      }
      const group = { ...defaults, ...stripUndefined(g), params: list } as ParamGroup<O>;
      validateGroup(this.constructor.name, group, gi);
      return group;
    });
    if (seen.size === 0) throw new Error(`${this.constructor.name}: got an empty parameter list`);
  }

  /** All parameters, in group order (their index is their id in the state dict). */
  get params(): Parameter[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  /** The learning rate of each group. */
  get lrs(): number[] {
    return this.paramGroups.map((g) => g.lr);
  }

  /** The weight decay that applies to `p` in `group`: 0 for exempt parameters (PReLU slopes). */
  protected decayFor(p: Parameter, group: ParamGroup<O>): number {
    return p.weightDecay === false && !group.decayAllParams ? 0 : group.weightDecay;
  }

  /** Whether `step({ skipIf })` is supported (the update is skipped on the device). */
  readonly supportsSkipIf: boolean = false;

  /** One update of every parameter that has a gradient. Runs without recording a graph. */
  step(opts: StepOptions = {}): void {
    if (opts.skipIf && !this.supportsSkipIf)
      throw new Error(`${this.type}.step: skipIf is not supported by this optimizer`);
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          const g = p.grad;
          if (g === null) continue;
          if (g.isDisposed) throw new Error(`${this.type}.step: a gradient was disposed before the step`);
          const state = this.buffersOf(p);
          const t = (this.steps.get(p) ?? 0) + 1;
          this.steps.set(p, t);
          this.updateParam(p, g, state, group, t);
        }
      }
    });
  }

  /** Clears every parameter's gradient (sets it to null, disposing it), like `set_to_none=True`. */
  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  /** Names of the buffers this optimizer keeps per parameter, e.g. ['momentumBuffer']. */
  protected abstract bufferNames(group: ParamGroup<O>): string[];

  /**
   * The update of one parameter, in place (`t.assign`), with its buffers already allocated.
   * Called inside `noGrad`; implementations wrap their temporaries in `tidy`.
   */
  protected abstract updateParam(
    p: Parameter,
    g: Tensor,
    state: Record<string, Tensor>,
    group: ParamGroup<O>,
    t: number,
  ): void;

  /** The buffers of `p`, created (zeros) on first use. */
  protected buffersOf(p: Parameter): Record<string, Tensor> {
    let s = this.buffers.get(p);
    if (!s) {
      s = {};
      const group = this.paramGroups.find((g) => g.params.includes(p)) as ParamGroup<O>;
      for (const name of this.bufferNames(group)) s[name] = zerosLike(p);
      this.buffers.set(p, s);
    }
    return s;
  }

  /**
   * The state: hyper-parameters per group (including the current `lr`), per-parameter step counts
   * and buffers. The buffers are the live tensors (not copies): serialize them before the next step.
   */
  stateDict(): OptimizerStateDict {
    const params = this.params;
    const index = new Map(params.map((p, i) => [p, i]));
    const paramGroups = this.paramGroups.map((g) => {
      const { params: ps, ...hyper } = g;
      return { ...(hyper as Record<string, unknown>), params: ps.map((p) => index.get(p) as number) };
    });
    const buffers: Record<string, Record<string, Tensor>> = {};
    const steps: Record<string, number> = {};
    params.forEach((p, i) => {
      const b = this.buffers.get(p);
      if (b) buffers[String(i)] = { ...b };
      const t = this.steps.get(p);
      if (t !== undefined) steps[String(i)] = t;
    });
    return { type: this.type, paramGroups, steps, buffers };
  }

  /**
   * Restores a state from `stateDict()` of an optimizer built over the same parameters in the
   * same order. Buffers are copied (the caller may dispose its tensors afterwards).
   */
  loadStateDict(state: OptimizerStateDict): void {
    const who = `${this.type}.loadStateDict`;
    if (state.type !== this.type) throw new Error(`${who}: the state is for ${state.type}, not ${this.type}`);
    if (state.paramGroups.length !== this.paramGroups.length) {
      throw new Error(
        `${who}: the state has ${state.paramGroups.length} parameter groups, this optimizer has ${this.paramGroups.length}`,
      );
    }
    const params = this.params;
    state.paramGroups.forEach((sg, gi) => {
      const g = this.paramGroups[gi];
      if (sg.params.length !== g.params.length) {
        throw new Error(
          `${who}: group ${gi} has ${sg.params.length} parameters in the state but ${g.params.length} here`,
        );
      }
    });
    // Validate every buffer before touching anything, so a bad state leaves the optimizer unchanged.
    for (const [key, bufs] of Object.entries(state.buffers)) {
      const p = params[Number(key)];
      if (!p)
        throw new Error(
          `${who}: the state has buffers for parameter ${key}, but there are ${params.length} parameters`,
        );
      for (const [name, b] of Object.entries(bufs)) {
        if (b.shape.length !== p.shape.length || b.shape.some((d, i) => d !== p.shape[i])) {
          throw new Error(
            `${who}: buffer '${name}' of parameter ${key} has shape [${b.shape}] but the parameter has [${p.shape}]`,
          );
        }
      }
    }
    state.paramGroups.forEach((sg, gi) => {
      const { params: _ignored, ...hyper } = sg;
      Object.assign(this.paramGroups[gi], hyper);
    });
    for (const b of this.buffers.values()) for (const t of Object.values(b)) t.dispose();
    this.buffers.clear();
    this.steps.clear();
    noGrad(() => {
      for (const [key, bufs] of Object.entries(state.buffers)) {
        const p = params[Number(key)];
        const copy: Record<string, Tensor> = {};
        for (const [name, b] of Object.entries(bufs)) {
          const dst = zerosLike(p);
          tidy(() => dst.assign(b.dtype === p.dtype ? b : b.cast(p.dtype)));
          copy[name] = dst;
        }
        this.buffers.set(p, copy);
      }
    });
    for (const [key, t] of Object.entries(state.steps)) {
      const p = params[Number(key)];
      if (p) this.steps.set(p, t);
    }
  }

  /** Frees the buffers. The optimizer must not be stepped afterwards. */
  dispose(): void {
    for (const b of this.buffers.values()) for (const t of Object.values(b)) t.dispose();
    this.buffers.clear();
  }
}

function toGroupInputs<O extends BaseGroupOptions>(
  params: Iterable<Parameter> | ParamGroupInput<O>[],
): ParamGroupInput<O>[] {
  const arr = [...(params as Iterable<unknown>)];
  if (
    arr.length > 0 &&
    arr.every((x) => typeof x === 'object' && x !== null && 'params' in x && !('shape' in x))
  ) {
    return arr as ParamGroupInput<O>[];
  }
  return [{ params: arr as Parameter[] } as unknown as ParamGroupInput<O>];
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(o).filter(([k, v]) => v !== undefined && k !== 'params'),
  ) as Partial<T>;
}

function validateGroup(who: string, g: BaseGroupOptions, gi: number): void {
  if (!(Number.isFinite(g.lr) && g.lr >= 0))
    throw new Error(`${who}: lr must be a finite number >= 0, got ${g.lr} (group ${gi})`);
  if (!(Number.isFinite(g.weightDecay) && g.weightDecay >= 0)) {
    throw new Error(`${who}: weightDecay must be a finite number >= 0, got ${g.weightDecay} (group ${gi})`);
  }
}
