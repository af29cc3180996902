import type { Module } from './module';
import { fmtShape } from './options';
import { inferLayer, type LayerSpec } from './spec';
import { isSequentialTree, traceForward } from './trace';
import { leafModules, specOf } from './walk';

/** A named layer spec: what model specs are made of. */
export interface NamedLayerSpec {
  readonly name: string;
  readonly spec: LayerSpec;
}

/** One row of a {@link summary}. */
export interface SummaryRow {
  readonly name: string;
  readonly type: string;
  readonly outputShape: number[];
  readonly parameters: number;
  readonly multiplyAdds: number;
  /** set on the second and later calls of a module its forward reuses (its parameters count once) */
  readonly repeat?: true;
}

/** Result of {@link summary}. */
export interface ModelSummary {
  readonly inputShape: number[];
  readonly rows: SummaryRow[];
  readonly outputShape: number[];
  readonly totalParameters: number;
  /** Σ multiply-adds of the conv and fc layers for the whole batch */
  readonly totalMultiplyAdds: number;
}

/**
 * Per-layer output shapes, parameter counts and multiply-adds of a model. For Sequentials and model
 * specs they are computed from shapes alone (no tensor is allocated or computed), so it works on a
 * model spec (`modelASpec()`) as well as on a built model. Multiply-adds count conv and fc layers only (see `LayerShapeInfo`), which is
 * how the paper's Table 3 complexities are stated: model A/B/C at 224x224 give 1.906, 2.322 and
 * 5.346 x 10^10 against the paper's 1.90, 2.32 and 5.30.
 *
 * `model` is a Sequential (possibly nested) of registered layers, `{ layers: NamedLayerSpec[] }`, or
 * any module with its own `forward` (branches, merges such as `Add`/`Concat`, reused modules): such a
 * model is run once on zeros of `inputShape` (eval mode, no grad, like torchinfo) and every layer call
 * is a row, in call order, with the shapes it actually received; a reused module's later calls count
 * their multiply-adds again and their parameters not (`repeat`). Tensor ops outside modules (`a.add(b)`)
 * cost no multiply-adds and get no row. `inputShape` is NCHW ([3, 224, 224] is read as batch 1).
 * A module implementing `inferForward` ({@link ShapeForward}: the zoo's ResNets and their blocks)
 * is walked on shapes alone instead, without running anything (a ResNet-50 at 224 costs nothing).
 * Throws naming the first layer whose input does not fit.
 *
 * @example
 * formatSummary(summary(modelASpec(), [1, 3, 224, 224]));
 */
export function summary(
  model: Module<any, any> | { readonly layers: readonly NamedLayerSpec[] },
  inputShape: readonly number[],
): ModelSummary {
  if (!Array.isArray(inputShape) || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new TypeError(
      `summary: inputShape must be an array of positive integers, got ${JSON.stringify(inputShape)}`,
    );
  }
  const input = inputShape.length === 3 ? [1, ...inputShape] : [...inputShape];
  const rows: SummaryRow[] = [];
  let shape: number[] = input;
  if ('layers' in model && Array.isArray(model.layers)) {
    for (const { name, spec } of model.layers) {
      const info = inferLayer(spec, shape, name);
      rows.push({ name, type: spec.type, ...info });
      shape = info.outputShape;
    }
  } else if (isSequentialTree(model as Module<any, any>)) {
    for (const [name, m] of leafModules(model as Module<any, any>)) {
      const info = inferLayer(specOrThrow(name, m), shape, name);
      rows.push({ name, type: specOrThrow(name, m).type, ...info });
      shape = info.outputShape;
    }
  } else if (hasShapeForward(model as Module<any, any>)) {
    shape = walk(model as Module<any, any>, '', [input], rows, new Set());
  } else {
    // a custom forward: run it once and list every layer call in order, with its own input shapes
    const traced = traceForward(model as Module<any, any>, input, 'summary');
    for (const c of traced.calls) {
      const spec = specOrThrow(c.path, c.module);
      const info = inferLayer(spec, c.inputShapes.length === 1 ? c.inputShapes[0] : c.inputShapes, c.path);
      rows.push({
        name: c.path,
        type: spec.type,
        outputShape: c.outputShape,
        // a module called again computes again but owns no new parameters
        parameters: c.repeat ? 0 : info.parameters,
        multiplyAdds: info.multiplyAdds,
        ...(c.repeat ? { repeat: true } : {}),
      });
    }
    shape = traced.outputShape;
  }
  return {
    inputShape: input,
    rows,
    outputShape: shape,
    totalParameters: rows.reduce((a, r) => a + r.parameters, 0),
    totalMultiplyAdds: rows.reduce((a, r) => a + r.multiplyAdds, 0),
  };
}

function specOrThrow(name: string, m: Module<any, any>): LayerSpec {
  const spec = specOf(m);
  if (spec === undefined) {
    throw new TypeError(
      `summary: '${name || m.typeName}' (${m.typeName}) is not a registered layer; summary walks registered layers (nn's built-in ones and those added with registerLayer)`,
    );
  }
  return spec;
}

/**
 * A module whose `forward` is not a chain of its children (a residual block, a ResNet) describes its
 * data flow on shapes for {@link summary}: `inferForward(input, child)` mirrors `forward`, calling
 * `child(name, ...shapes)` where `forward` calls the child of that name with tensors of those shapes
 * (any number of times, any order; several for a merge such as `Add`), returning the output shape.
 *
 * @example
 * inferForward(x, child) { const y = child('bn2', child('conv2', child('conv1', x))); return child('relu', y); }
 */
export interface ShapeForward {
  inferForward(
    input: readonly number[],
    child: (name: string, ...shapes: (readonly number[])[]) => number[],
  ): number[];
}

function hasShapeForward(m: Module<any, any>): m is Module<any, any> & ShapeForward {
  return typeof (m as Partial<ShapeForward>).inferForward === 'function';
}

function addRow(
  rows: SummaryRow[],
  name: string,
  spec: LayerSpec,
  shapes: readonly (readonly number[])[],
  countParameters: boolean,
): number[] {
  const info = inferLayer(spec, shapes.length === 1 ? shapes[0] : shapes, name);
  rows.push({
    name,
    type: spec.type,
    outputShape: info.outputShape,
    parameters: countParameters ? info.parameters : 0,
    multiplyAdds: info.multiplyAdds,
    ...(countParameters ? {} : { repeat: true as const }),
  });
  return info.outputShape;
}

/**
 * Rows of `m` on its input shapes: a layer gives one row (its parameters only the first time a shared
 * layer is met), a module with `inferForward` follows it, any other container runs its children in order.
 */
function walk(
  m: Module<any, any>,
  name: string,
  shapes: readonly (readonly number[])[],
  rows: SummaryRow[],
  seen: Set<Module<any, any>>,
): number[] {
  const spec = specOf(m);
  if (spec !== undefined) {
    const out = addRow(rows, name, spec, shapes, !seen.has(m));
    seen.add(m);
    return out;
  }
  const kids = m.namedChildren();
  const path = (n: string) => (name === '' ? n : `${name}.${n}`);
  if (hasShapeForward(m)) {
    const byName = new Map(kids);
    return m.inferForward(shapes[0], (n, ...s) => {
      const c = byName.get(n);
      if (c === undefined) throw new TypeError(`summary: '${name || m.typeName}' has no child '${n}'`);
      return walk(c, path(n), s, rows, seen);
    });
  }
  if (kids.length === 0) {
    throw new TypeError(
      `summary: '${name || m.typeName}' (${m.typeName}) is not a built-in layer; summary walks Sequentials of built-in layers and modules with inferForward`,
    );
  }
  let out = [...shapes[0]];
  for (const [n, c] of kids) out = walk(c, path(n), [out], rows, seen);
  return out;
}

/**
 * A fixed-width table of a {@link ModelSummary}: layer, type, output shape, parameters, multiply-adds,
 * and the totals (multiply-adds also in units of 10^10, the paper's Table 3 unit).
 */
export function formatSummary(s: ModelSummary): string {
  const header = ['layer', 'type', 'output shape', 'params', 'mult-adds'];
  const body = s.rows.map((r) => [
    r.name,
    r.type,
    fmtShape(r.outputShape),
    group(r.parameters),
    group(r.multiplyAdds),
  ]);
  const all = [header, ...body];
  const widths = header.map((_, c) => Math.max(...all.map((row) => row[c].length)));
  const line = (row: string[]) =>
    row.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [
    `input ${fmtShape(s.inputShape)}`,
    line(header),
    ...body.map(line),
    `total parameters ${group(s.totalParameters)}, multiply-adds ${group(s.totalMultiplyAdds)} (${(s.totalMultiplyAdds / 1e10).toFixed(3)} x 10^10)`,
  ].join('\n');
}

function group(n: number): string {
  return n.toLocaleString('en-US');
}
