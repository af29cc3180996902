import { describe, expect, it } from 'vitest';
import { BINARY, TERNARY, UNARY } from './elementwise-table.js';

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
    for (const d of Object.values(UNARY)) for (const n of d.saves ?? []) expect(['a', 'out']).toContain(n);
    for (const d of [...Object.values(BINARY), ...Object.values(TERNARY)]) {
      for (const [input, names] of Object.entries(d.saves ?? {})) {
        expect(d.grad && input in d.grad).toBe(true); // only differentiable inputs list saves
        for (const n of names ?? []) expect(['a', 'b', 'c', 'out']).toContain(n);
      }
    }
  });
  it('the PReLU family matches Eq. 1-3 of He et al. 2015 at and around 0', () => {
    expect([-2, 0, 3].map((y) => BINARY.prelu.js(y, 0.25))).toEqual([-0.5, 0, 3]);
    expect([-2, 0, 3].map((y) => TERNARY.preluInputGrad.js(y, 1, 0.25))).toEqual([0.25, 0.25, 1]);
    expect([-2, 0, 3].map((y) => BINARY.preluSlopeGrad.js(y, 1))).toEqual([-2, 0, 0]);
    expect([-2, 0, 3].map((y) => BINARY.reluGrad.js(y, 1))).toEqual([0, 0, 1]);
  });
});
