// Every network of nn's zoo (the 14-layer model of Table 1, the deep plain 30-layer net of Fig. 3,
// models A, B, C of Table 3), at 1/16 width and a small non-square input for speed, with ReLU,
// channel-wise PReLU and channel-shared PReLU: exported, run in onnxruntime-node and
// onnxruntime-web, compared with Rectifier's eval-mode forward pass at batch 1 and at batch 3 through
// a dynamic-batch export. Tolerance: max |diff| <= 1e-4 x max |output|.
import {
  type Module,
  model14,
  model30,
  modelA,
  modelB,
  modelC,
  type PaperModelOptions,
  type Sequential,
} from '@rectifier/nn';
import { Generator, noGrad, rand } from '@rectifier/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { exportOnnx } from './export';
import { decodeModel } from './test-support/decode';
import { runtimes } from './test-support/ort';
import { type Comparison, verifyModel } from './test-support/verify';

type Activation = 'relu' | 'prelu' | 'prelu-shared';
const small = (activation: Activation): PaperModelOptions => ({
  activation,
  width: 1 / 16,
  numClasses: 10,
  inputSize: 112,
  seed: 3,
});

// the 14/30-layer nets pool 112x96 down to a 9x8 map for SPP {6,3,2,1}; A/B/C pool 112x128 to 7x8 for {7,3,2,1}
const zoo: [string, (o: PaperModelOptions) => Sequential, number[]][] = [
  ['model14', model14, [1, 3, 112, 96]],
  ['model30 (deep plain)', model30, [1, 3, 112, 96]],
  ['modelA', modelA, [1, 3, 112, 128]],
  ['modelB (also the 22-layer plain net)', modelB, [1, 3, 112, 128]],
  ['modelC', modelC, [1, 3, 112, 128]],
];

/** Distinct per-channel slopes in [-0.5, 1.5): a slope broadcast on the wrong axis cannot hide. */
function randomizeSlopes(model: Module): void {
  const gen = new Generator(5);
  noGrad(() => {
    for (const [name, p] of model.namedParameters()) {
      if (!name.includes('prelu')) continue;
      const r = rand(p.shape, { generator: gen });
      const v = r.mul(2).sub(0.5);
      p.assign(v);
      r.dispose();
      v.dispose();
    }
  });
}

const table: string[] = [];
afterAll(() => {
  console.log(
    ['model | activation | runtime | batch | max abs diff | output scale | diff/scale', ...table].join('\n'),
  );
});

describe.each(zoo)('%s', (name, factory, inputShape) => {
  it.each(['relu', 'prelu', 'prelu-shared'] as const)(
    '%s: ORT node + web match Rectifier at batch 1 and dynamic batch 3',
    async (activation) => {
      const model = factory(small(activation));
      randomizeSlopes(model);
      const results: Comparison[] = [
        ...(await verifyModel(model, { inputShape }, runtimes)),
        ...(await verifyModel(model, { inputShape, dynamicBatch: true }, runtimes, { batch: 3 })),
      ];
      for (const c of results) {
        table.push(
          `${name} | ${activation} | ${c.runtime} | ${c.batch}${c.dynamic ? ' (dynamic)' : ''} | ${c.diff.toExponential(2)} | ${c.scale.toExponential(2)} | ${(c.diff / c.scale).toExponential(2)}`,
        );
        expect(c.dims).toEqual([c.batch, 10]);
        expect(c.scale).toBeGreaterThan(0);
        expect(c.diff, `${c.runtime} batch ${c.batch}`).toBeLessThanOrEqual(1e-4 * c.scale);
      }
      // structure: one PRelu per conv/fc1/fc2 with the right slope shape, initializers named as in nn
      const m = decodeModel(exportOnnx(model, { inputShape }));
      const names = m.graph.initializer.filter((t) => t.data_type === 1).map((t) => t.name);
      expect(names).toEqual(model.namedParameters().map(([n]) => n));
      const slopes = m.graph.initializer.filter((t) => t.name.includes('prelu'));
      const convs = m.graph.node.filter((n) => n.op_type === 'Conv').length;
      expect(m.graph.node.filter((n) => n.op_type === 'PRelu')).toHaveLength(
        activation === 'relu' ? 0 : convs + 2,
      );
      for (const s of slopes) {
        const isFc = s.name.startsWith('fc');
        const c = model.namedParameters().find(([n]) => n === s.name)![1].shape[0];
        expect(s.dims, s.name).toEqual(activation === 'prelu-shared' ? [1] : isFc ? [c] : [c, 1, 1]);
      }
    },
  );
});
