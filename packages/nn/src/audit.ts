import type { AuditLayer, AuditModel } from '@rectifier/init';
import type { Tensor } from '@rectifier/tensor';
import { Conv2d } from './layers/conv2d';
import { LeakyReLU } from './layers/leaky-relu';
import { Linear } from './layers/linear';
import { PReLU } from './layers/prelu';
import { ReLU } from './layers/relu';
import type { Module } from './module';
import { leafModules, specOf } from './walk';

/**
 * Adapts a (nested) Sequential of built-in layers to `@rectifier/init`'s structural `AuditModel`, for
 * `varianceAudit` (init cannot import nn, so nn adapts). Conv2d/Linear become weight layers; ReLU,
 * LeakyReLU and PReLU become activations with their negative slope (a PReLU's mean current a_i, read
 * asynchronously); convs give their geometry (taps on zero padding); pooling layers (max, average, SPP, adaptive)
 * are marked as such, and the audit measures them; everything else (flatten, dropout) passes through. Put the model in eval
 * mode first so dropout is the identity.
 *
 * @example
 * const net = model30({ activation: 'relu', width: 0.125, seed: 0 }).eval();
 * console.log(formatVarianceAudit(await varianceAudit(await toAuditModel(net), randn([2, 3, 224, 224]))));
 */
export async function toAuditModel(model: Module<any, any>): Promise<AuditModel> {
  const layers: AuditLayer[] = [];
  for (const [name, m] of leafModules(model)) {
    if (specOf(m) === undefined) {
      throw new TypeError(
        `toAuditModel: '${name}' (${m.typeName}) is not a built-in layer; the audit walks Sequentials of built-in layers`,
      );
    }
    const forward = (x: Tensor) => (m as Module<[Tensor], Tensor>).call(x);
    if (m instanceof Conv2d) {
      const { kernelSize, stride, padding, dilation } = m;
      const geometry = { kernelSize, stride, padding, dilation };
      layers.push({ name, kind: 'conv', weight: m.weight, geometry, forward });
    } else if (m instanceof Linear) layers.push({ name, kind: 'linear', weight: m.weight, forward });
    else if (m instanceof ReLU) layers.push({ name, kind: 'activation', negativeSlope: 0, forward });
    else if (m instanceof LeakyReLU)
      layers.push({ name, kind: 'activation', negativeSlope: m.negativeSlope, forward });
    else if (m instanceof PReLU) {
      const a = Array.from(await m.weight.data());
      const mean = a.reduce((s, v) => s + v, 0) / a.length;
      layers.push({ name, kind: 'activation', negativeSlope: mean, forward });
    } else {
      // Pooling is measured by the audit (Eqs. 7-13 do not cover it); flatten and dropout pass through.
      const type = specOf(m)?.type;
      const pool =
        type === 'maxPool2d' || type === 'avgPool2d' || type === 'spp' || type?.startsWith('adaptive');
      layers.push({ name, kind: pool ? 'pool' : 'other', forward });
    }
  }
  return { layers };
}
