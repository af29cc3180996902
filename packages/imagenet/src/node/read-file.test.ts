// Odd files in a dataset (issue 18): a .JPEG link to /dev/zero, a FIFO named .JPEG, oversized files
// and non-images are reported and skipped: never read without bound, waited on, or echoed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeContent } from '../content-type.js';
import { disposeSourceWorker, sourceWorker, tempDir } from '../test-helpers.js';
import { check } from './check.js';
import { type BadEntry, imageFolder } from './dataset.js';
import { IDX_MAX_BYTES, readIdxFile } from './idx-file.js';
import { ImageLoader } from './loader.js';
import { DEFAULT_MAX_FILE_BYTES, readImageFile, readImageFileSync } from './read-file.js';

const t = tempDir('read-file');
const root = join(t.dir, 'data');
const cls = join(root, 'cat');
const posix = process.platform !== 'win32';
let workerUrl: string;

beforeAll(async () => {
  mkdirSync(cls, { recursive: true });
  const img = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#808080' } })
    .jpeg()
    .toBuffer();
  writeFileSync(join(cls, 'good.JPEG'), img);
  symlinkSync(join(cls, 'good.JPEG'), join(cls, 'linked-good.JPEG')); // followed, like torchvision
  writeFileSync(join(cls, 'passwd.JPEG'), 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin\n');
  writeFileSync(join(cls, 'anim.JPEG'), Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(64)]));
  writeFileSync(join(cls, 'big.JPEG'), Buffer.concat([img, Buffer.alloc(200_000)]));
  if (posix) {
    symlinkSync('/dev/zero', join(cls, 'zero.JPEG'));
    execFileSync('mkfifo', [join(cls, 'fifo.JPEG')]);
  }
  workerUrl = await sourceWorker();
});
afterAll(() => {
  t.cleanup();
  disposeSourceWorker();
});

const reasons = (bad: readonly BadEntry[]) =>
  Object.fromEntries(bad.map((b) => [b.path.slice(cls.length + 1), b.reason]));

describe('reading dataset files', () => {
  it('reads regular files and files behind symbolic links', async () => {
    const a = await readImageFile(join(cls, 'good.JPEG'));
    expect(await readImageFile(join(cls, 'linked-good.JPEG'))).toEqual(a);
    expect(readImageFileSync(join(cls, 'linked-good.JPEG'))).toEqual(a);
    expect(DEFAULT_MAX_FILE_BYTES).toBe(64 * 1024 * 1024);
  });

  it.runIf(posix)('refuses a link to /dev/zero and a FIFO without reading or waiting', async () => {
    const before = process.memoryUsage().arrayBuffers;
    for (const read of [readImageFile, async (p: string) => readImageFileSync(p)]) {
      await expect(read(join(cls, 'zero.JPEG'))).rejects.toThrow(
        /zero\.JPEG: not a regular file \(a character device\); only files are read$/,
      );
      // without O_NONBLOCK the open itself would wait forever for a writer
      await expect(read(join(cls, 'fifo.JPEG'))).rejects.toThrow(
        /fifo\.JPEG: not a regular file \(a FIFO \(named pipe\)\)/,
      );
    }
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1024 * 1024);
  });

  it.runIf(posix)('IDX files too must be regular files', () => {
    const fifo = join(t.dir, 'train-images-idx3-ubyte');
    execFileSync('mkfifo', [fifo]);
    expect(() => readIdxFile(fifo)).toThrow(/train-images-idx3-ubyte: not a regular file \(a FIFO/);
    expect(IDX_MAX_BYTES).toBe(2 ** 30);
  });

  it('enforces the size limit with the option name in the message', async () => {
    await expect(readImageFile(join(cls, 'big.JPEG'), 100_000)).rejects.toThrow(
      /big\.JPEG: \d+ bytes, over the 100000-byte limit for one image file \(option maxFileBytes\)/,
    );
    expect(() => readImageFileSync(join(cls, 'big.JPEG'), 100_000)).toThrow(/over the 100000-byte limit/);
    await expect(readImageFile(join(cls, 'missing.JPEG'))).rejects.toThrow(/unreadable \(ENOENT\)/);
  });

  it('names the type of a non-image instead of showing its bytes', () => {
    const text = new TextEncoder().encode('root:x:0:0:root:/root:/bin/bash\n');
    expect(describeContent(text)).toBe('text');
    expect(describeContent(new TextEncoder().encode('<!DOCTYPE html><html>'))).toBe('HTML page');
    expect(describeContent(new TextEncoder().encode('GIF87a....'))).toBe('GIF image');
    expect(describeContent(Uint8Array.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31]))).toBe('PDF document');
    expect(describeContent(Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1]))).toBe('ELF executable');
    expect(describeContent(Uint8Array.from([0, 1, 2, 0xff, 0xfe, 0]))).toBe('unrecognised binary data');
  });

  it('the loader skips every odd file, reports why, and delivers the images', async () => {
    const ds = imageFolder(root);
    for (const workers of [0, 1]) {
      const bad: BadEntry[] = [];
      const loader = new ImageLoader(ds, {
        transform: { kind: 'center', resize: 32, cropSize: 32 },
        batchSize: 4,
        shuffle: false,
        workers,
        workerUrl,
        maxFileBytes: 100_000,
        onBadFile: (e) => bad.push(e),
      });
      let images = 0;
      for await (const b of loader) images += b.labels.length;
      await loader.close();
      expect(images).toBe(2); // good.JPEG and the link to it
      const r = reasons(bad);
      expect(r['passwd.JPEG']).toBe('not a JPEG or PNG (text)');
      expect(r['anim.JPEG']).toBe('not a JPEG or PNG (GIF image)');
      expect(r['big.JPEG']).toMatch(/over the 100000-byte limit/);
      if (posix) {
        expect(r['zero.JPEG']).toMatch(/not a regular file \(a character device\)/);
        expect(r['fifo.JPEG']).toMatch(/not a regular file \(a FIFO/);
      }
      expect(JSON.stringify(bad)).not.toContain('root:');
    }
  });

  it('check reports the same files', async () => {
    const [report] = await check(root, { maxFileBytes: 100_000 });
    const r = reasons(report.bad);
    expect(Object.keys(r).sort()).toEqual(
      ['anim.JPEG', 'big.JPEG', 'passwd.JPEG', ...(posix ? ['fifo.JPEG', 'zero.JPEG'] : [])].sort(),
    );
    expect(
      () => new ImageLoader(imageFolder(root), { transform: { kind: 'center' }, maxFileBytes: 0 }),
    ).toThrow(/ImageLoader: maxFileBytes must be a positive integer \(bytes\), got 0/);
  });
});
