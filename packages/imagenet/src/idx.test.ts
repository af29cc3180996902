import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checkIdxPair, decodeIdx, idxImagesToFloat32, parseIdx } from './idx.js';

function idx(type: number, shape: number[], body: Uint8Array): Uint8Array {
  const h = new Uint8Array(4 + 4 * shape.length);
  h[2] = type;
  h[3] = shape.length;
  const dv = new DataView(h.buffer);
  shape.forEach((d, i) => {
    dv.setUint32(4 + 4 * i, d);
  });
  const out = new Uint8Array(h.length + body.length);
  out.set(h);
  out.set(body, h.length);
  return out;
}

describe('IDX', () => {
  it('parses uint8 images and big-endian int32', () => {
    const a = parseIdx(
      idx(
        8,
        [2, 2, 3],
        Uint8Array.from({ length: 12 }, (_, i) => i * 20),
      ),
    );
    expect(a.type).toBe('uint8');
    expect(a.shape).toEqual([2, 2, 3]);
    expect([...a.data]).toEqual(Array.from({ length: 12 }, (_, i) => i * 20));
    const b = parseIdx(idx(0x0c, [2], Uint8Array.from([0, 0, 1, 2, 0xff, 0xff, 0xff, 0xfe])));
    expect([...b.data]).toEqual([258, -2]);
  });

  it('gunzips with decodeIdx', async () => {
    const raw = idx(8, [3], Uint8Array.from([7, 8, 9]));
    const a = await decodeIdx(gzipSync(raw), 'labels.gz');
    expect([...a.data]).toEqual([7, 8, 9]);
    expect(() => parseIdx(gzipSync(raw), 'x.gz')).toThrow(/gzip-compressed/);
    await expect(decodeIdx(gzipSync(raw).subarray(0, 12), 'cut.gz')).rejects.toThrow(
      /cut.gz: gzip data is corrupt or truncated/,
    );
  });

  it('gives clear errors for bad magic, truncation, trailing data and pair mismatch', () => {
    expect(() => parseIdx(Uint8Array.from([1, 2, 8, 1, 0, 0, 0, 1, 5]), 'f')).toThrow(
      /f: bad IDX magic 01 02 08 01/,
    );
    expect(() => parseIdx(Uint8Array.from([0, 0, 7, 1, 0, 0, 0, 1, 5]))).toThrow(
      /unknown IDX element type 0x7/,
    );
    expect(() => parseIdx(idx(8, [4, 2], new Uint8Array(7)), 'img')).toThrow(
      /img: IDX shape \[4, 2\] of uint8 needs 8 data bytes after the 12-byte header, found 7 \(truncated\)/,
    );
    expect(() => parseIdx(idx(8, [2], new Uint8Array(3)))).toThrow(/trailing data/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 8, 3, 0, 0]))).toThrow(/truncated IDX header/);
    const images = parseIdx(idx(8, [3, 1, 1], new Uint8Array(3)));
    const labels = parseIdx(idx(8, [2], new Uint8Array(2)));
    expect(() => checkIdxPair(images, labels)).toThrow(/3 images but 2 labels/);
  });

  it('converts images to NCHW float32 with MNIST-style normalisation', () => {
    const hwc = parseIdx(idx(8, [1, 1, 2, 3], Uint8Array.from([0, 10, 20, 255, 30, 40])));
    const r = idxImagesToFloat32(hwc, { scale: 1, mean: 10, std: 2 });
    expect(r.shape).toEqual([1, 3, 1, 2]);
    expect([...r.data]).toEqual([-5, 122.5, 0, 10, 5, 15]);
    const g = idxImagesToFloat32(parseIdx(idx(8, [1, 1, 1], Uint8Array.from([255]))), {
      mean: 0.1307,
      std: 0.3081,
    });
    expect(g.data[0]).toBeCloseTo((1 - 0.1307) / 0.3081, 5);
    expect(() => idxImagesToFloat32(parseIdx(idx(8, [3], new Uint8Array(3))))).toThrow(/must be \[N, H, W\]/);
  });
});
