import type { AuditLayer, AuditModel } from '@rectifier/init';
import type { Tensor } from '@rectifier/tensor';
import type { Module } from './module';
import { layerDefinition } from './registry';
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
    const spec = specOf(m);
    if (spec === undefined) {
      throw new TypeError(
        `toAuditModel: '${name}' (${m.typeName}) is not a built-in layer; the audit walks Sequentials of built-in layers`,
      );
    }
    const forward = (x: Tensor) => (m as Module<[Tensor], Tensor>).call(x);
    // each layer's definition says what it is to the audit (weight layer, rectifier, pooling, other)
    const def = layerDefinition(spec.type);
    const role = (await def?.audit?.(m)) ?? { kind: 'other' as const };
    layers.push({ ...role, name, forward } as AuditLayer);
  }
  return { layers };
}
