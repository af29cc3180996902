import type { Tensor } from '@rectifier/tensor';
import { Module } from './module';
import { describe } from './options';

/**
 * A chain of modules applied in order (PyTorch's `nn.Sequential`). Children are named `'0'`, `'1'`, …
 * when given positionally, or by the keys of a record (`new Sequential({ conv1, conv1_relu })`) so a
 * model's parameters read `conv1.weight`. The paper's networks are flat named Sequentials.
 *
 * @example
 * const net = new Sequential(new Linear({ inFeatures: 4, outFeatures: 8 }), new ReLU(), new Linear({ inFeatures: 8, outFeatures: 2 }));
 * net.namedParameters().map(([n]) => n); // ['0.weight', '0.bias', '2.weight', '2.bias']
 * const y = net.call(x);
 */
export class Sequential extends Module {
  readonly #entries: [string, Module<[Tensor], Tensor>][] = [];

  constructor(...modules: Module<[Tensor], Tensor>[] | [Record<string, Module<[Tensor], Tensor>>]) {
    super();
    if (modules.length === 1 && !(modules[0] instanceof Module)) {
      const rec = modules[0];
      if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) {
        throw new TypeError(
          `Sequential: expected modules or a record of named modules, got ${describe(rec)}`,
        );
      }
      for (const [name, m] of Object.entries(rec)) this.append(m, name);
    } else {
      for (const m of modules as Module<[Tensor], Tensor>[]) this.append(m);
    }
  }

  override get typeName(): string {
    return 'Sequential';
  }

  /** Appends `module` under `name` (default: its index). Names must be unique and contain no '.'. */
  append(module: Module<[Tensor], Tensor>, name: string = String(this.#entries.length)): this {
    if (!(module instanceof Module)) {
      throw new TypeError(`Sequential.append: '${name}' is not a Module (got ${describe(module)})`);
    }
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      throw new TypeError(`Sequential.append: invalid name ${describe(name)} (non-empty, no '.')`);
    }
    if (this.#entries.some(([n]) => n === name))
      throw new Error(`Sequential.append: duplicate name '${name}'`);
    this.#entries.push([name, module]);
    return this;
  }

  override namedChildren(): [string, Module<[Tensor], Tensor>][] {
    return this.#entries.map(([n, m]) => [n, m]);
  }

  /** Number of children. */
  get length(): number {
    return this.#entries.length;
  }

  /** The child at position `index` (negative counts from the end) or with name `name`. */
  get(indexOrName: number | string): Module<[Tensor], Tensor> {
    if (typeof indexOrName === 'number') {
      const i = indexOrName < 0 ? indexOrName + this.#entries.length : indexOrName;
      const e = this.#entries[i];
      if (!Number.isInteger(i) || e === undefined) {
        throw new RangeError(
          `Sequential.get: index ${indexOrName} out of range for ${this.#entries.length} children`,
        );
      }
      return e[1];
    }
    const e = this.#entries.find(([n]) => n === indexOrName);
    if (e === undefined) {
      throw new RangeError(
        `Sequential.get: no child named '${indexOrName}' (have: ${this.#entries.map(([n]) => n).join(', ')})`,
      );
    }
    return e[1];
  }

  [Symbol.iterator](): Iterator<Module<[Tensor], Tensor>> {
    return this.#entries.map(([, m]) => m)[Symbol.iterator]();
  }

  /** Applies the children in order through `call` (so their hooks run). */
  forward(x: Tensor): Tensor {
    let y = x;
    for (const [, m] of this.#entries) y = m.call(y);
    return y;
  }
}
