import { describe, expect, it } from 'vitest';
import { BINARY, TERNARY, UNARY } from './elementwise-semantics.js';
import { BINARY_GRADS, TERNARY_GRADS, UNARY_GRADS } from './ops/elementwise-grads.js';

const BUILTINS = new Set([
  'select',
  'exp',
  'log',
  'sqrt',
  'abs',
  'sign',
  'floor',
  'ceil',
  'round',
  'trunc',
  'tanh',
  'max',
  'min',
  'pow',
  'fract',
]);

function checkWgsl(expr: string, operands: string[]): void {
  let depth = 0;
  for (const ch of expr) {
    depth += ch === '(' ? 1 : ch === ')' ? -1 : 0;
    expect(depth).toBeGreaterThanOrEqual(0);
  }
  expect(depth).toBe(0);
  for (const id of expr.match(/[A-Za-z_]\w*/g) ?? []) {
    expect(BUILTINS.has(id) || operands.includes(id), `unknown identifier ${id} in ${expr}`).toBe(true);
  }
  // f32 literals only: an integer literal such as `0` would be an abstract-int/i32 mix in select()
  for (const lit of expr.match(/(?<![\w.])\d+(\.\d+)?(?![\w.])/g) ?? []) expect(lit).toContain('.');
}

describe('elementwise table', () => {
  it('WGSL expressions use only f32 operands a, b, c (alpha), known built-ins and f32 literals', () => {
    for (const d of Object.values(UNARY)) checkWgsl(d.wgsl, ['a', 'alpha']);
    for (const d of Object.values(BINARY)) checkWgsl(d.wgsl, ['a', 'b']);
    for (const d of Object.values(TERNARY)) checkWgsl(d.wgsl, ['a', 'b', 'c']);
  });
  it('JS functions have the table arity and saved names are valid', () => {
    for (const d of Object.values(BINARY)) expect(d.js.length).toBeLessThanOrEqual(2);
    for (const d of Object.values(TERNARY)) expect(d.js.length).toBe(3);
    for (const d of Object.values(UNARY_GRADS))
      for (const n of d?.saves ?? []) expect(['a', 'out']).toContain(n);
    for (const d of [...Object.values(BINARY_GRADS), ...Object.values(TERNARY_GRADS)]) {
      for (const [input, names] of Object.entries(d?.saves ?? {})) {
        expect(d && input in d.grad).toBe(true); // only differentiable inputs list saves
        for (const n of names ?? []) expect(['a', 'b', 'c', 'out']).toContain(n);
      }
    }
  });
  it('the gradient table has exactly the ops of the semantics table', () => {
    expect(Object.keys(UNARY_GRADS).sort()).toEqual(Object.keys(UNARY).sort());
    expect(Object.keys(BINARY_GRADS).sort()).toEqual(Object.keys(BINARY).sort());
    expect(Object.keys(TERNARY_GRADS).sort()).toEqual(Object.keys(TERNARY).sort());
  });
  it('NaN and signed zero follow torch: relu(-0) = -0, relu grad passes dy at NaN, prelu slope grad NaN', () => {
    expect(Object.is(UNARY.relu.js(-0, 0), -0)).toBe(true);
    expect(UNARY.relu.js(Number.NaN, 0)).toBeNaN();
    expect(UNARY.relu.js(-2, 0)).toBe(0);
    expect(BINARY.reluGrad.js(Number.NaN, 3)).toBe(3);
    expect(BINARY.reluGrad.js(0, 3)).toBe(0);
    expect(BINARY.preluSlopeGrad.js(Number.NaN, 3)).toBeNaN();
    expect(TERNARY.preluInputGrad.js(Number.NaN, 3, 0.25)).toBe(0.75);
  });
  it('floorDivide is Python floor division, exact where a / b rounds across an integer', () => {
    const cases: [number, number, number][] = [
      [7, 2, 3],
      [-7, 2, -4],
      [7, -2, -4],
      [-7, -2, 3],
      [1, 0.1, 9],
      [5.5, 1.5, 3],
      [6, 3, 2],
      [-6, 3, -2],
    ];
    for (const [a, b, q] of cases) expect(BINARY.floorDivide.js(a, b)).toBe(q);
    expect(BINARY.floorDivide.js(1, 0)).toBe(Number.POSITIVE_INFINITY);
    expect(BINARY.floorDivide.js(0, 0)).toBeNaN();
  });
  it('the PReLU family matches Eq. 1-3 of He et al. 2015 at and around 0', () => {
    expect([-2, 0, 3].map((y) => BINARY.prelu.js(y, 0.25))).toEqual([-0.5, 0, 3]);
    expect([-2, 0, 3].map((y) => TERNARY.preluInputGrad.js(y, 1, 0.25))).toEqual([0.25, 0.25, 1]);
    expect([-2, 0, 3].map((y) => BINARY.preluSlopeGrad.js(y, 1))).toEqual([-2, 0, 0]);
    expect([-2, 0, 3].map((y) => BINARY.reluGrad.js(y, 1))).toEqual([0, 0, 1]);
  });
});
