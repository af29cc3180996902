// The lowering registry: layers nn knows are exported by the lowering registered under their spec
// type; a user's layer (nn's registerLayer) exports once its lowering is registered.
import { Linear, Module, registerLayer, Sequential } from '@rectifier/nn';
import type { Tensor } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from './export';
import { SUPPORTED_MODULES } from './from-module';
import { loweredTypes, loweringFor, registerLowering } from './lowering';
import { reluLowering } from './lowerings/relu';
import { decodeModel } from './test-support/decode';
import { runtimes } from './test-support/ort';
import { verifyModel } from './test-support/verify';

interface ScaleSpec {
  type: 'scale';
  factor: number;
}

class Scale extends Module {
  constructor(readonly factor: number) {
    super();
  }
  get spec(): ScaleSpec {
    return { type: 'scale', factor: this.factor };
  }
  forward(x: Tensor): Tensor {
    return x.mul(this.factor);
  }
}

describe('the lowering registry', () => {
  it('has a lowering for every built-in layer type; SUPPORTED_MODULES names their classes', () => {
    expect(loweredTypes()).toEqual(
      expect.arrayContaining(['conv2d', 'prelu', 'spp', 'add', 'concat', 'identity']),
    );
    expect(loweringFor('relu')).toBe(reluLowering);
    expect(SUPPORTED_MODULES).toEqual(
      expect.arrayContaining(['Sequential', 'Conv2d', 'PReLU', 'Add', 'Concat']),
    );
  });

  it('refuses a second lowering for a type and a malformed one', () => {
    expect(() => registerLowering({ type: 'relu', lower: (_c, _s, [x]) => x })).toThrow(
      /layer type 'relu' already has a lowering/,
    );
    expect(() => registerLowering({ type: 'relu' } as never)).toThrow(/expected \{ type: string, lower/);
  });

  it('a layer registered in nn without a lowering is refused by name; with one it exports and matches ORT', async () => {
    registerLayer<ScaleSpec>({
      type: 'scale',
      className: 'Scale',
      fromSpec: (s) => new Scale(s.factor),
      infer: (_s, [x]) => ({ outputShape: [...x] }),
    });
    const model = new Sequential(new Linear({ inFeatures: 3, outFeatures: 4 }), new Scale(-2.5));
    expect(() => exportOnnx(model, { inputShape: [1, 3] })).toThrow(
      /unsupported module '1' \(Scale\)\. Supported: Sequential, Conv2d, .*other layers need nn's registerLayer and a registerLowering/,
    );
    registerLowering<ScaleSpec>({
      type: 'scale',
      lower: (ctx, spec, [x]) => ({
        name: ctx.node('Mul', [x.name, ctx.float32(`${ctx.scope}/factor`, [], [spec.factor])])[0],
        shape: x.shape,
      }),
    });
    const m = decodeModel(exportOnnx(model, { inputShape: [1, 3] }));
    expect(m.graph.node.map((n) => [n.name, n.op_type])).toEqual([
      ['/0/Gemm', 'Gemm'],
      ['/1/Mul', 'Mul'],
    ]);
    for (const c of await verifyModel(model, { inputShape: [1, 3], dynamicBatch: true }, runtimes))
      expect(c.diff).toBeLessThanOrEqual(1e-4 * c.scale);
  });
});
