// Hostile safetensors headers (issue 18): each must fail at once with a one-line reason, without
// parsing or allocating what the attacker wrote.
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensorsFile } from './file';
import { decodeSafetensors } from './format';
import { MAX_HEADER_BYTES, MAX_HEADER_DEPTH, MAX_HEADER_KEYS } from './header';
import { loadSafetensors } from './tensors';

/** A file from header text and a data section. */
function rawFile(json: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const text = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

const entry = (begin: number, end: number) =>
  `{"dtype":"F32","shape":[${(end - begin) / 4}],"data_offsets":[${begin},${end}]}`;

describe('safetensors: hostile headers', () => {
  it('limits are what real files need', () => {
    expect(MAX_HEADER_BYTES).toBe(16 * 1024 * 1024);
    expect(MAX_HEADER_DEPTH).toBe(3);
    expect(MAX_HEADER_KEYS).toBe(100_000);
  });

  it('refuses a file announcing a 100 MB header after reading 8 bytes of it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'st-hostile-'));
    try {
      const path = join(dir, 'nested.safetensors');
      // 100 MB header of nested arrays; the file is sparse beyond its first bytes
      const n = 100_000_000;
      const f = await open(path, 'w');
      const head = new Uint8Array(8 + 16);
      new DataView(head.buffer).setBigUint64(0, BigInt(n), true);
      head.set(new TextEncoder().encode('{"a":[[[[[[[[[[['), 8);
      await f.write(head, 0, head.length, 0);
      await f.truncate(8 + n);
      await f.close();
      const before = process.memoryUsage().arrayBuffers;
      await expect(readSafetensorsFile(path)).rejects.toThrow(
        /nested\.safetensors: safetensors: header length 100000000 exceeds the 16777216-byte limit/,
      );
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 1024 * 1024);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses deep nesting within the size limit at the first level too many', () => {
    const deep = `{"a":${'['.repeat(8_000_000)}`;
    expect(() => decodeSafetensors(rawFile(deep))).toThrow(/safetensors: header nests deeper than 3 levels/);
    // one level too deep inside an otherwise valid entry
    const shape = '{"t":{"dtype":"F32","shape":[[2]],"data_offsets":[0,8]}}';
    expect(() => decodeSafetensors(rawFile(shape, new Uint8Array(8)))).toThrow(/deeper than 3 levels/);
    expect(() => decodeSafetensors(rawFile('{"__metadata__":{"a":{"b":["c"]}}}'))).toThrow(
      /deeper than 3 levels/,
    );
  });

  it('refuses 200,000 empty tensor entries by count, before parsing them', () => {
    const parts: string[] = [];
    for (let i = 0; i < 200_000; i++) parts.push(`"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
    expect(() => decodeSafetensors(rawFile(`{${parts.join(',')}}`))).toThrow(
      /safetensors: the header has more than 100000 keys/,
    );
    const meta: string[] = [];
    for (let i = 0; i <= MAX_HEADER_KEYS; i++) meta.push(`"k${i}":""`);
    expect(() => decodeSafetensors(rawFile(`{"__metadata__":{${meta.join(',')}}}`))).toThrow(
      /'__metadata__' has more than 100000 keys/,
    );
  });

  it('still reads many tensors below the limit', () => {
    const parts: string[] = [];
    for (let i = 0; i < 2000; i++) parts.push(`"t${i}":${entry(i * 4, i * 4 + 4)}`);
    const dec = decodeSafetensors(rawFile(`{${parts.join(',')}}`, new Uint8Array(8000)));
    expect(Object.keys(dec.tensors)).toHaveLength(2000);
  });

  it('rejects duplicate keys instead of keeping the last one', () => {
    const d8 = new Uint8Array(8);
    const cases: [string, Uint8Array, RegExp][] = [
      [`{"a":${entry(0, 8)},"a":${entry(0, 8)}}`, d8, /duplicate key 'a'$/],
      // the escaped spelling is the same key
      [`{"a":${entry(0, 8)},"\\u0061":${entry(0, 8)}}`, d8, /duplicate key 'a'/],
      [
        `{"__metadata__":{"format":"pt"},"a":${entry(0, 8)},"__metadata__":{}}`,
        d8,
        /duplicate key '__metadata__'/,
      ],
      [
        `{"__metadata__":{"step":"1","step":"2"}}`,
        new Uint8Array(0),
        /duplicate key 'step' in '__metadata__'/,
      ],
      [
        '{"a":{"dtype":"F32","dtype":"I32","shape":[2],"data_offsets":[0,8]}}',
        d8,
        /duplicate key 'dtype' in 'a'/,
      ],
    ];
    for (const [json, data, re] of cases) {
      expect(() => decodeSafetensors(rawFile(json, data))).toThrow(re);
      expect(() => loadSafetensors(rawFile(json, data))).toThrow(re);
    }
    // keys that only look alike are distinct; braces and quotes inside strings are not structure
    const ok = decodeSafetensors(
      rawFile(`{"__metadata__":{"x":"{[\\"]}","X":"a,b:c"},"a":${entry(0, 4)},"a ":${entry(4, 8)}}`, d8),
    );
    expect(Object.keys(ok.tensors)).toEqual(['a', 'a ']);
    expect(ok.metadata).toEqual({ x: '{["]}', X: 'a,b:c' });
  });

  it('still reports syntax errors as invalid JSON', async () => {
    expect(() => decodeSafetensors(rawFile('{"a": [1, 2}'))).toThrow(/header is not valid UTF-8 JSON/);
    const dir = await mkdtemp(join(tmpdir(), 'st-hostile-'));
    try {
      const path = join(dir, 'bad.safetensors');
      await writeFile(path, rawFile('{"a":'));
      await expect(readSafetensorsFile(path)).rejects.toThrow(/bad\.safetensors: safetensors: header is not/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
