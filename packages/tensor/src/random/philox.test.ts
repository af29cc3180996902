import { describe, expect, it } from 'vitest';
import { rand, randint, randn } from '../ops/creation.js';
import { defaultGenerator, Generator, manualSeed } from './generator.js';
import { mulhi32, philox4x32, philoxFill } from './philox.js';

const hex = (w: Uint32Array) => Array.from(w, (x) => x.toString(16).padStart(8, '0')).join(' ');

describe('Philox-4x32-10', () => {
  it('matches the Random123 known-answer vectors', () => {
    const out = new Uint32Array(4);
    philox4x32(0, 0, 0, 0, 0, 0, out);
    expect(hex(out)).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
    const f = 0xffffffff;
    philox4x32(f, f, f, f, f, f, out);
    expect(hex(out)).toBe('408f276d 41c83b0e a20bc7c6 6d5451fd');
    philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, out);
    expect(hex(out)).toBe('d16cfe09 94fdcceb 5001e420 24126ea1');
  });

  it('mulhi32 is exact', () => {
    expect(mulhi32(0xffffffff, 0xffffffff)).toBe(0xfffffffe);
    expect(mulhi32(0xd2511f53, 0x12345678)).toBe(Number((0xd2511f53n * 0x12345678n) >> 32n));
    expect(mulhi32(0x80000000, 2)).toBe(1);
  });

  it('maps bits to floats as documented (uniform: top 24 bits; blocks advance the 64-bit counter with carry)', () => {
    const u = new Float64Array(6);
    philoxFill('uniform', u, [7, 9], [0xffffffff, 0]);
    const w = new Uint32Array(4);
    philox4x32(0xffffffff, 0, 0, 0, 7, 9, w);
    expect(u[2]).toBe((w[2] >>> 8) / 2 ** 24);
    philox4x32(0, 1, 0, 0, 7, 9, w); // block 1: counter low wrapped, high carried
    expect(u[5]).toBe((w[1] >>> 8) / 2 ** 24);
    const n = new Float64Array(2);
    philoxFill('normal', n, [7, 9], [0, 0]);
    philox4x32(0, 0, 0, 0, 7, 9, w);
    const r = Math.sqrt(-2 * Math.log(((w[0] >>> 8) + 1) / 2 ** 24));
    expect(n[0]).toBeCloseTo(r * Math.cos((2 * Math.PI * (w[1] >>> 8)) / 2 ** 24), 12);
    expect(n[1]).toBeCloseTo(r * Math.sin((2 * Math.PI * (w[1] >>> 8)) / 2 ** 24), 12);
  });
});

describe('Generator', () => {
  it('is reproducible, advances by ceil(n/4) blocks and restores state', () => {
    const g = new Generator(123);
    const a = Array.from(rand([5], { generator: g }).dataSync());
    expect(g.getState()).toEqual({ seed: '123', offset: '2' });
    const state = g.getState();
    const b = Array.from(randn([3], { generator: g }).dataSync());
    g.setState(JSON.parse(JSON.stringify(state)));
    expect(Array.from(randn([3], { generator: g }).dataSync())).toEqual(b);
    g.manualSeed(123);
    expect(Array.from(rand([5], { generator: g }).dataSync())).toEqual(a);
  });

  it('gives the same numbers in float32 and float64 for uniform draws', () => {
    const a = rand([9], { generator: new Generator(5), dtype: 'float32' }).dataSync();
    const b = rand([9], { generator: new Generator(5), dtype: 'float64' }).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('has the right moments (tolerances from the sample size)', () => {
    const n = 40000;
    const u = rand([n], { generator: new Generator(1), dtype: 'float64' }).dataSync();
    const z = randn([n], { generator: new Generator(2), dtype: 'float64' }).dataSync();
    const mean = (x: ArrayLike<number>) => Array.from(x).reduce((s, v) => s + v, 0) / x.length;
    // standard error: uniform sd 0.2887/sqrt(n) = 0.0014; normal 1/sqrt(n) = 0.005; 5 sigma bounds
    expect(Math.abs(mean(u) - 0.5)).toBeLessThan(5 * 0.0015);
    expect(Math.abs(mean(z))).toBeLessThan(5 * 0.005);
    const z2 = Array.from(z, (v) => v * v);
    expect(Math.abs(mean(z2) - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
  });

  it('randint covers [low, high) uniformly', () => {
    const r = randint(-2, 3, [5000], { generator: new Generator(9) });
    expect(r.dtype).toBe('int32');
    const counts = new Map<number, number>();
    for (const v of r.dataSync()) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2]);
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(5 * Math.sqrt(5000 * 0.2 * 0.8));
  });

  it('manualSeed seeds the default generator', () => {
    manualSeed(77);
    const a = rand([3]).dataSync();
    manualSeed(77);
    expect(Array.from(rand([3]).dataSync())).toEqual(Array.from(a));
    expect(defaultGenerator().getState().seed).toBe('77');
  });
});
