import { type Parameter, type Tensor, tidy } from '@rectifier/tensor';
import { type BaseGroupOptions, Optimizer, type ParamGroup, type ParamGroupInput } from './optimizer';
import { stripUndef } from './sgd';

/** AdamW hyper-parameters (per group). */
export interface AdamWOptions extends BaseGroupOptions {
  /** Coefficients (beta1, beta2) of the running averages. Default [0.9, 0.999]. */
  betas: [number, number];
  /** Added to the denominator. Default 1e-8. */
  eps: number;
}

/**
 * Adam with decoupled weight decay (Loshchilov & Hutter), as `torch.optim.AdamW`:
 *
 *     w <- w * (1 - lr * wd)                      (skipped for PReLU slopes unless decayAllParams)
 *     m <- b1 m + (1 - b1) g;   v <- b2 v + (1 - b2) g^2
 *     w <- w - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 *
 * Defaults as PyTorch: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0.01.
 *
 * @example
 * ```ts
 * const opt = new AdamW(model.parameters(), { lr: 1e-3 });
 * ```
 */
export class AdamW extends Optimizer<AdamWOptions> {
  readonly type = 'AdamW';

  constructor(
    params: Iterable<Parameter> | ParamGroupInput<AdamWOptions>[],
    options: Partial<AdamWOptions> = {},
  ) {
    super(params, {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0.01,
      decayAllParams: false,
      ...stripUndef(options),
    });
    for (const [i, g] of this.paramGroups.entries()) {
      const [b1, b2] = g.betas;
      if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1))
        throw new Error(`AdamW: betas must be in [0, 1), got [${g.betas}] (group ${i})`);
      if (!(g.eps >= 0)) throw new Error(`AdamW: eps must be >= 0, got ${g.eps} (group ${i})`);
    }
  }

  protected bufferNames(): string[] {
    return ['expAvg', 'expAvgSq'];
  }

  protected updateParam(
    p: Parameter,
    g: Tensor,
    state: Record<string, Tensor>,
    group: ParamGroup<AdamWOptions>,
    t: number,
  ): void {
    const { lr, eps } = group;
    const [b1, b2] = group.betas;
    const wd = this.decayFor(p, group);
    const bc1 = 1 - b1 ** t;
    const bc2 = 1 - b2 ** t;
    tidy(() => {
      const m = state.expAvg;
      const v = state.expAvgSq;
      m.assign(m.mul(b1).add(g.mul(1 - b1)));
      v.assign(v.mul(b2).add(g.square().mul(1 - b2)));
      const decayed = wd === 0 ? p : p.mul(1 - lr * wd);
      const denom = v.sqrt().div(Math.sqrt(bc2)).add(eps);
      p.assign(decayed.sub(m.div(denom).mul(lr / bc1)));
    });
  }
}
