/**
 * The convolution loaders' cost in the K loop, counted in the generated WGSL (pure host logic): per
 * staged element of A and of B, each K slice runs the operand's load function and, for operands with
 * a K walker, its step; every storage or uniform read they make (directly or through helpers such as
 * `p(i)` or the geometry getters) is counted. Before the walkers the backward input made 9 such reads
 * per K slice (an index-table entry per operand, six uniform words, two data loads).
 */
import { describe, expect, test } from 'vitest';
import { type ConvKind, convSource, convStaging } from './conv2d.js';
import { PLAIN_CORE } from './gemm-layout.js';
import { TILE_16x128, TILE_64, TILE_128, type Tile } from './gemm-plan.js';

/** Function bodies of a WGSL module by name. */
function functions(wgsl: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /\bfn\s+(\w+)\s*\(/g;
  for (let m = re.exec(wgsl); m; m = re.exec(wgsl)) {
    let i = wgsl.indexOf('{', m.index);
    const start = i;
    let depth = 0;
    for (; i < wgsl.length; i++) {
      if (wgsl[i] === '{') depth++;
      else if (wgsl[i] === '}' && --depth === 0) break;
    }
    out.set(m[1] as string, wgsl.slice(start, i + 1));
  }
  return out;
}

/** Storage/uniform reads one call of `name` makes, following calls into other functions. */
function reads(fns: Map<string, string>, name: string, seen: string[] = []): number {
  const body = fns.get(name);
  if (body === undefined || seen.includes(name)) return 0;
  // buffers: the bound storage arrays and the uniform block P
  let n = (body.match(/\b(X|Y|KT|Bias|P)\[/g) ?? []).length;
  for (const callee of fns.keys()) {
    if (callee === name) continue;
    const calls = (body.match(new RegExp(`\\b${callee}\\(`, 'g')) ?? []).length;
    if (calls > 0) n += calls * reads(fns, callee, [...seen, name]);
  }
  return n;
}

/** Reads per K slice: A's and B's load (scalar or vec4) plus their walker steps. */
function readsPerSlice(kind: ConvKind, tile: Tile, vec: boolean): number {
  const core = { vecA: vec, vecB: false, vecC: vec, pipeline: vec ? 'double' : 'none' } as const;
  const fns = functions(convSource(kind, tile, vec ? core : PLAIN_CORE, kind === 'forward'));
  const st = convStaging(kind);
  const loadA = fns.has('loadA4') && vec ? 'loadA4' : 'loadA';
  return (
    reads(fns, loadA) +
    reads(fns, 'loadB') +
    (st.walkA ? reads(fns, 'walkNextA') : 0) +
    (st.walkB ? reads(fns, 'walkNextB') : 0)
  );
}

describe('convolution loaders', () => {
  const kinds: ConvKind[] = ['forward', 'backwardInput', 'backwardWeight'];
  test.each(kinds)('%s: at most 3 (in fact 2: one per operand) storage/uniform reads per K slice', (kind) => {
    for (const [tile, vec] of [
      [TILE_64, true],
      [TILE_128, true],
      [TILE_64, false],
      [TILE_16x128, false],
    ] as [Tile, boolean][]) {
      const n = readsPerSlice(kind, tile, vec);
      console.log(`${kind} ${tile.BM}x${tile.BN}${vec ? ' vec4' : ''}: ${n} reads per K slice`);
      expect(n).toBeLessThanOrEqual(3);
      expect(n).toBe(2);
      // no index table is bound any more
      expect(convSource(kind, tile, PLAIN_CORE, false)).not.toMatch(/\bKT\b/);
    }
  });

  test('forward with 16-byte pixel loads (1x1 convolutions): 2 reads per K slice', () => {
    const core = { vecA: true, vecB: true, vecC: true, pipeline: 'double' } as const;
    const fns = functions(convSource('forward', TILE_128, core, false));
    expect(reads(fns, 'loadA4') + reads(fns, 'loadB4') + reads(fns, 'walkNextB')).toBe(2);
  });

  test('the counter sees reads made through helpers', () => {
    const fns = functions(`
fn p(i: u32) -> u32 { return P[i / 4u][i % 4u]; }
fn gW() -> u32 { return p(11u); }
fn loadB(k: u32) -> f32 { let t = KT[k]; return X[t.x * gW() + gW()]; }`);
    expect(reads(fns, 'loadB')).toBe(4);
  });
});
