import { add, type Tensor } from '@rectifier/tensor';
import { checkInputs, type LayerDefinition } from '../layer-definition';
import { Module } from '../module';
import { checkOptions } from '../options';

/** The spec of an {@link Add}. */
export interface AddSpec {
  type: 'add';
}

/**
 * Elementwise sum of its inputs with broadcasting (`torch.add` applied left to right): the merge of a
 * residual block, `add.call(branch, shortcut)`. Takes one or more tensors; one input is returned as is.
 * Gradients flow to every input (summed over broadcast axes).
 *
 * @example
 * const merge = new Add();
 * merge.call(this.conv2.call(this.relu.call(this.conv1.call(x))), x); // y = F(x) + x
 */
export class Add extends Module<Tensor[], Tensor> {
  constructor(opts: Record<string, never> = {}) {
    super();
    checkOptions('Add', opts, []);
  }

  override get typeName(): string {
    return 'Add';
  }

  get spec(): AddSpec {
    return { type: 'add' };
  }

  forward(...inputs: Tensor[]): Tensor {
    checkInputs(
      addLayer,
      this.spec,
      inputs.map((t) => t?.shape ?? []),
      'Add',
    );
    return inputs.reduce((a, b) => add(a, b));
  }
}

/** NumPy/PyTorch broadcasting of two shapes, or null when they do not broadcast. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Add in the layer registry: any number of inputs whose shapes broadcast; no parameters, no multiply-adds. */
export const addLayer: LayerDefinition<AddSpec, Add> = {
  type: 'add',
  className: 'Add',
  inputs: 'many',
  fromSpec: () => new Add(),
  infer(_spec, inputs, fail) {
    if (inputs.length === 0) fail('needs at least one input');
    let shape: number[] = [...inputs[0]];
    for (const s of inputs.slice(1))
      shape = broadcastShape(shape, s) ?? fail('input shapes do not broadcast');
    return { outputShape: shape };
  },
};
