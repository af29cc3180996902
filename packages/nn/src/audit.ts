import type { AuditLayer, AuditModel } from '@rectifier/init';
import type { Tensor } from '@rectifier/tensor';
import { AdaptiveMaxPool2d } from './layers/adaptive-max-pool2d';
import { AvgPool2d } from './layers/avg-pool2d';
import { Conv2d } from './layers/conv2d';
import { LeakyReLU } from './layers/leaky-relu';
import { Linear } from './layers/linear';
import { MaxPool2d } from './layers/max-pool2d';
import { PReLU } from './layers/prelu';
import { ReLU } from './layers/relu';
import { SpatialPyramidPooling } from './layers/spp';
import type { Module } from './module';
import { leafModules, specOf } from './walk';

/**
 * Adapts a (nested) Sequential of built-in layers to `@rectifier/init`'s structural `AuditModel`, for
 * `varianceAudit` (init cannot import nn, so nn adapts). Conv2d/Linear become weight layers; ReLU,
 * LeakyReLU and PReLU become activations with their negative slope (a PReLU's mean current a_i, read
 * asynchronously); convs give their geometry (taps on zero padding) and max/average pooling and max SPP
 * their backward behaviour; everything else (flatten, dropout) passes through. Put the model in eval
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
    } else if (
      m instanceof MaxPool2d ||
      m instanceof AdaptiveMaxPool2d ||
      (m instanceof SpatialPyramidPooling && m.mode === 'max')
    ) {
      layers.push({ name, kind: 'pool', pooling: { type: 'max' }, forward });
    } else if (m instanceof AvgPool2d) {
      const kernelArea = m.kernelSize[0] * m.kernelSize[1];
      layers.push({ name, kind: 'pool', pooling: { type: 'avg', kernelArea }, forward });
    } else {
      // Average SPP / adaptive average pooling have bins of several sizes: no single backward
      // factor, so the prediction treats them as the identity (like flatten and dropout).
      const type = specOf(m)?.type;
      layers.push({ name, kind: type === 'spp' || type?.startsWith('adaptive') ? 'pool' : 'other', forward });
    }
  }
  return { layers };
}
