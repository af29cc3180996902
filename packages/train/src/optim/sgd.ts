import { type Parameter, type SgdHyper, sgdStep, type Tensor } from '@rectifier/tensor';
import {
  type BaseGroupOptions,
  Optimizer,
  type ParamGroup,
  type ParamGroupInput,
  type StepOptions,
} from './optimizer';

/** SGD hyper-parameters (per group). */
export interface SGDOptions extends BaseGroupOptions {
  /** Momentum mu. Default 0.9 (the paper, §3). */
  momentum: number;
  /** Nesterov momentum. Default false. */
  nesterov: boolean;
}

/**
 * Stochastic gradient descent with momentum in the form of the paper's Eq. (4) and of Caffe's
 * `SGDSolver`: the learning rate multiplies the gradient *before* it enters the velocity,
 *
 *     d = g + wd * w          (L2 weight decay; 0 for PReLU slopes, §2.1)
 *     v <- mu * v - lr * d
 *     w <- w + v                          (plain)
 *     w <- w + mu * v - lr * d            (nesterov; = w + (1 + mu) v_new - mu v_old, Caffe's form)
 *
 * This differs from PyTorch's `torch.optim.SGD` (v <- mu v + d; w <- w - lr v) only when the
 * learning rate changes: here a LR drop takes effect gradually through the velocity, as in Caffe.
 *
 * Defaults: lr 0.01, momentum 0.9, weightDecay 0 (the paper uses 0.0005), nesterov false.
 *
 * `step()` updates every parameter in one fused multi-tensor call (`sgdStep` of @rectifier/tensor:
 * on WebGPU a few dispatches for the whole model, hyper-parameters as kernel parameters), with the
 * same arithmetic as the elementwise formulas above (bit-identical on the CPU). `step({ skipIf })`
 * skips the update on the device when a flag tensor is non-zero (the Trainer's non-finite guard).
 *
 * @example
 * ```ts
 * const opt = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
 * loss.backward(); opt.step(); opt.zeroGrad();
 * ```
 */
export class SGD extends Optimizer<SGDOptions> {
  readonly type = 'SGD';
  override readonly supportsSkipIf = true;

  constructor(
    params: Iterable<Parameter> | ParamGroupInput<SGDOptions>[],
    options: Partial<SGDOptions> = {},
  ) {
    super(params, {
      lr: 0.01,
      momentum: 0.9,
      weightDecay: 0,
      nesterov: false,
      decayAllParams: false,
      ...stripUndef(options),
    });
    for (const [i, g] of this.paramGroups.entries()) {
      if (!(Number.isFinite(g.momentum) && g.momentum >= 0)) {
        throw new Error(`SGD: momentum must be a finite number >= 0, got ${g.momentum} (group ${i})`);
      }
      if (g.nesterov && g.momentum === 0)
        throw new Error(`SGD: nesterov momentum needs momentum > 0 (group ${i})`);
    }
  }

  protected bufferNames(group: ParamGroup<SGDOptions>): string[] {
    return group.momentum === 0 ? [] : ['momentumBuffer'];
  }

  /** One fused update of every parameter with a gradient (per backend, when they are on several). */
  override step(opts: StepOptions = {}): void {
    const byBackend = new Map<unknown, { p: Tensor[]; g: Tensor[]; v: (Tensor | null)[]; h: SgdHyper[] }>();
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const g = p.grad;
        if (g === null) continue;
        if (g.isDisposed) throw new Error(`${this.type}.step: a gradient was disposed before the step`);
        const state = this.buffersOf(p);
        this.steps.set(p, (this.steps.get(p) ?? 0) + 1);
        let lists = byBackend.get(p.backend);
        if (!lists) {
          lists = { p: [], g: [], v: [], h: [] };
          byBackend.set(p.backend, lists);
        }
        lists.p.push(p);
        lists.g.push(g);
        lists.v.push(state.momentumBuffer ?? null);
        lists.h.push(this.hyperOf(p, group));
      }
    }
    for (const l of byBackend.values()) sgdStep(l.p, l.g, l.v, l.h, { skipIf: opts.skipIf });
  }

  private hyperOf(p: Parameter, group: ParamGroup<SGDOptions>): SgdHyper {
    return {
      lr: group.lr,
      momentum: group.momentum,
      weightDecay: this.decayFor(p, group),
      nesterov: group.nesterov,
    };
  }

  protected updateParam(
    p: Parameter,
    g: Tensor,
    state: Record<string, Tensor>,
    group: ParamGroup<SGDOptions>,
  ): void {
    sgdStep([p], [g], [state.momentumBuffer ?? null], [this.hyperOf(p, group)]);
  }
}

export function stripUndef<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
