// A MAT-file writer written from the Level 5 format description, to check the reader on files with
// the devkit's structure (compressed and not, doubles stored as uint8 the way MATLAB saves them).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test-helpers.js';
import { imagenetDataset } from './dataset.js';
import { generateImageNetLike } from './generate.js';
import { readDevkitMeta, readMat } from './matlab.js';

const cat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
function el(type: number, data: Uint8Array, pad = true): Uint8Array {
  const n = data.length;
  const out = new Uint8Array(8 + (pad ? Math.ceil(n / 8) * 8 : n));
  const dv = new DataView(out.buffer);
  dv.setUint32(0, type, true);
  dv.setUint32(4, n, true);
  out.set(data, 8);
  return out;
}
function small(type: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setUint32(0, (data.length << 16) | type, true);
  out.set(data, 4);
  return out;
}
const i32 = (xs: number[]) => new Uint8Array(Int32Array.from(xs).buffer);
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
function matrix(cls: number, dims: number[], name: string, body: Uint8Array[]): Uint8Array {
  return el(14, cat([el(6, i32([cls, 0])), el(5, i32(dims)), el(1, ascii(name)), ...body]));
}
const dbl = (v: number) =>
  matrix(6, [1, 1], '', [
    v < 256 ? el(2, Uint8Array.of(v)) : el(9, new Uint8Array(Float64Array.of(v).buffer)),
  ]);
const chr = (s: string) =>
  matrix(4, [1, s.length], '', [el(4, new Uint8Array(Uint16Array.from(s, (c) => c.charCodeAt(0)).buffer))]);
const empty = () => el(14, new Uint8Array(0));

function metaMat(rows: [number, string, string][], compressed: boolean): Uint8Array {
  const fields = ['ILSVRC2012_ID', 'WNID', 'words', 'children'];
  const names = new Uint8Array(32 * fields.length);
  fields.forEach((f, i) => {
    names.set(ascii(f), i * 32);
  });
  const recs = rows.flatMap(([id, wnid, words]) => [dbl(id), chr(wnid), chr(words), empty()]);
  const synsets = matrix(2, [rows.length, 1], 'synsets', [small(5, i32([32])), el(1, names), ...recs]);
  const header = new Uint8Array(128);
  header.set(ascii('MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: test'));
  header[124] = 0;
  header[125] = 1;
  header.set(ascii('IM'), 126);
  return cat([header, compressed ? el(15, deflateSync(synsets), false) : synsets]);
}

const rows: [number, string, string][] = [
  [1, 'n02119789', 'kit fox, Vulpes macrotis'],
  [2, 'n01440764', 'tench, Tinca tinca'],
  [1001, 'n00001740', 'entity'],
];
const t = tempDir('mat');
afterAll(() => t.cleanup());

describe('readMat / readDevkitMeta', () => {
  it('reads the synsets struct array, compressed or not', () => {
    for (const compressed of [false, true]) {
      const v = readMat(metaMat(rows, compressed)) as { synsets: Record<string, unknown>[] };
      expect(v.synsets).toHaveLength(3);
      expect(v.synsets[0]).toEqual({
        ILSVRC2012_ID: [1],
        WNID: 'n02119789',
        words: 'kit fox, Vulpes macrotis',
        children: [],
      });
      expect(v.synsets[2].ILSVRC2012_ID).toEqual([1001]);
      const p = join(t.dir, `meta-${compressed}.mat`);
      writeFileSync(p, metaMat(rows, compressed));
      expect([...readDevkitMeta(p)]).toEqual([
        [1, 'n02119789'],
        [2, 'n01440764'],
      ]);
    }
  });

  it('rejects v7.3, big-endian and truncated files clearly', () => {
    const good = metaMat(rows, false);
    const v73 = good.slice();
    v73.set(ascii('MATLAB 7.3 MAT-file'));
    expect(() => readMat(v73, 'm.mat')).toThrow(/m.mat: MATLAB v7.3 \(HDF5\) files are not supported/);
    const be = good.slice();
    be.set(ascii('MI'), 126);
    expect(() => readMat(be, 'm.mat')).toThrow(/not a little-endian Level 5 MAT-file/);
    expect(() => readMat(good.subarray(0, 300), 'm.mat')).toThrow(/m.mat: .*(truncated|past the end)/);
  });

  it('imagenetDataset reads flat val labels through meta.mat', async () => {
    const root = join(t.dir, 'ilsvrc');
    await generateImageNetLike(root, { classes: 2, trainPerClass: 1, valPerClass: 2, size: 16, seed: 3 });
    const ids = new Map<string, number>();
    const text = readFileSync(join(root, 'ILSVRC2012_mapping.txt'), 'utf8');
    for (const line of text.split('\n')) {
      const m = /^(\d+) (n\d{8})$/.exec(line);
      if (m) ids.set(m[2], Number(m[1]));
    }
    const metaRows = [...ids].map(([w, id]) => [id, w, w] as [number, string, string]);
    writeFileSync(join(root, 'meta.mat'), metaMat(metaRows, true));
    const viaMeta = imagenetDataset(root, {
      split: 'val',
      groundTruth: join(root, 'ILSVRC2012_validation_ground_truth.txt'),
      idMapping: join(root, 'meta.mat'),
    });
    const viaCsv = imagenetDataset(root, { split: 'val' });
    expect(viaMeta.samples).toEqual(viaCsv.samples);
    expect(viaMeta.samples).toHaveLength(4);
  });
});
