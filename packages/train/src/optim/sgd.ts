import { type Parameter, type Tensor, tidy } from '@rectifier/tensor';
import { type BaseGroupOptions, Optimizer, type ParamGroup, type ParamGroupInput } from './optimizer';

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
 * @example
 * ```ts
 * const opt = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
 * loss.backward(); opt.step(); opt.zeroGrad();
 * ```
 */
export class SGD extends Optimizer<SGDOptions> {
  readonly type = 'SGD';

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

  protected updateParam(
    p: Parameter,
    g: Tensor,
    state: Record<string, Tensor>,
    group: ParamGroup<SGDOptions>,
  ): void {
    const { lr, momentum: mu, nesterov } = group;
    const wd = this.decayFor(p, group);
    tidy(() => {
      const d = wd === 0 ? g : g.add(p.mul(wd));
      const v = state.momentumBuffer;
      if (v === undefined) {
        p.assign(p.sub(d.mul(lr)));
        return;
      }
      const vNew = v.mul(mu).sub(d.mul(lr));
      v.assign(vNew);
      p.assign(nesterov ? p.add(vNew.mul(mu)).sub(d.mul(lr)) : p.add(vNew));
    });
  }
}

export function stripUndef<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
