import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagenetClasses } from '../classes.js';
import { tempDir } from '../test-helpers.js';
import { check } from './check.js';
import { byCodePoint, imageFolder, imagenetDataset } from './dataset.js';
import { generateImageNetLike } from './generate.js';

const t = tempDir('ds');
let gen: Awaited<ReturnType<typeof generateImageNetLike>>;

beforeAll(async () => {
  gen = await generateImageNetLike(t.dir, {
    classes: 4,
    trainPerClass: 3,
    valPerClass: 2,
    size: 32,
    seed: 5,
  });
});
afterAll(() => t.cleanup());

describe('generateImageNetLike + imagenetDataset', () => {
  it('writes real JPEGs in the ILSVRC layout with real wnids', async () => {
    const table = imagenetClasses();
    expect(gen.labels).toEqual([0, 250, 500, 750]);
    expect(gen.wnids).toEqual(gen.labels.map((l) => table.id(l)));
    expect(gen.wnids.map((w) => table.indexOf(w))).toEqual(gen.labels);
    const f = join(t.dir, 'train', gen.wnids[1], `${gen.wnids[1]}_2.JPEG`);
    const m = await sharp(f).metadata();
    expect(m.format).toBe('jpeg');
    expect(Math.min(m.width!, m.height!)).toBe(32);
  });

  it('train split uses the standard 1000-class indices', () => {
    const ds = imagenetDataset(t.dir, { split: 'train' });
    expect(ds.classes.size).toBe(1000);
    expect(ds.samples).toHaveLength(12);
    expect(ds.samples[3].label).toBe(250);
    expect(ds.skipped).toEqual([]);
  });

  it('flat val labels agree between the devkit ground truth (+ ID mapping) and LOC_val_solution.csv', () => {
    const viaCsv = imagenetDataset(t.dir, { split: 'val' });
    const viaDevkit = imagenetDataset(t.dir, {
      split: 'val',
      groundTruth: join(t.dir, 'ILSVRC2012_validation_ground_truth.txt'),
      idMapping: join(t.dir, 'ILSVRC2012_mapping.txt'),
    });
    expect(viaCsv.samples).toHaveLength(8);
    expect(viaDevkit.samples).toEqual(viaCsv.samples);
    // the devkit IDs are not sorted-wnid indices + 1
    const firstId = Number(
      readFileSync(join(t.dir, 'ILSVRC2012_validation_ground_truth.txt'), 'utf8').split('\n')[0],
    );
    expect(firstId - 1).not.toBe(viaCsv.samples[0].label);
    const counts = new Map<number, number>();
    for (const s of viaCsv.samples) counts.set(s.label, (counts.get(s.label) ?? 0) + 1);
    expect([...counts.values()]).toEqual([2, 2, 2, 2]);
  });

  it('reports labels outside the class table and missing files', () => {
    const d = tempDir('val');
    mkdirSync(join(d.dir, 'val'));
    writeFileSync(join(d.dir, 'val', 'ILSVRC2012_val_00000001.JPEG'), 'x');
    writeFileSync(join(d.dir, 'val', 'ILSVRC2012_val_00000002.JPEG'), 'x');
    writeFileSync(
      join(d.dir, 'LOC_val_solution.csv'),
      'ImageId,PredictionString\nILSVRC2012_val_00000001,n99999999 1 2 3 4\nILSVRC2012_val_00000002,n01440764 1\nILSVRC2012_val_00000003,n01440764 1\n',
    );
    const ds = imagenetDataset(d.dir, { split: 'val' });
    expect(ds.samples.map((s) => s.label)).toEqual([0]);
    expect(ds.skipped.map((s) => s.reason)).toEqual([
      "label 'n99999999' is not in the class table",
      'listed in the ground truth but missing',
    ]);
    d.cleanup();
  });
});

describe('imageFolder', () => {
  it('sorts classes, filters extensions, honours an explicit order, reports unreadable folders', () => {
    const d = tempDir('if');
    for (const c of ['dog', 'cat', 'emu']) mkdirSync(join(d.dir, c));
    writeFileSync(join(d.dir, 'cat', 'b.PNG'), '');
    writeFileSync(join(d.dir, 'cat', 'a.jpg'), '');
    writeFileSync(join(d.dir, 'cat', 'notes.txt'), '');
    writeFileSync(join(d.dir, 'dog', 'c.jpeg'), '');
    symlinkSync(join(d.dir, 'does-not-exist'), join(d.dir, 'ghost')); // unreadable class folder
    const ds = imageFolder(d.dir);
    expect(ds.classes.ids).toEqual(['cat', 'dog', 'emu']);
    expect(ds.samples.map((s) => [s.path.slice(d.dir.length + 1), s.label])).toEqual([
      ['cat/a.jpg', 0],
      ['cat/b.PNG', 0],
      ['dog/c.jpeg', 1],
    ]);
    expect(ds.skipped.map((s) => s.path.slice(d.dir.length + 1))).toEqual(['ghost']);
    const ex = imageFolder(d.dir, { classes: ['dog', 'cat'], extensions: ['.jpeg'] });
    expect(ex.samples.map((s) => s.label)).toEqual([0]);
    expect(ex.skipped.map((s) => s.reason)).toContain("folder 'emu' is not in the class table");
    // like torchvision's make_dataset: files in sub-folders of a class count, folders by path then names
    mkdirSync(join(d.dir, 'dog', 'puppies', 'small'), { recursive: true });
    mkdirSync(join(d.dir, 'dog', 'puppies-old'));
    writeFileSync(join(d.dir, 'dog', 'puppies', 'small', 'a.jpg'), '');
    writeFileSync(join(d.dir, 'dog', 'puppies', 'z.jpg'), '');
    writeFileSync(join(d.dir, 'dog', 'puppies-old', 'b.jpg'), '');
    writeFileSync(join(d.dir, 'dog', 'a.jpg'), '');
    symlinkSync(join(d.dir, 'dog'), join(d.dir, 'dog', 'puppies', 'loop')); // a link cycle is walked once
    const nested = imageFolder(d.dir);
    expect(nested.samples.filter((s) => s.label === 1).map((s) => s.path.slice(d.dir.length + 1))).toEqual([
      'dog/a.jpg',
      'dog/c.jpeg',
      // sorted folder paths: 'dog/puppies' < 'dog/puppies-old' < 'dog/puppies/small' ('-' < '/')
      'dog/puppies/z.jpg',
      'dog/puppies-old/b.jpg',
      'dog/puppies/small/a.jpg',
    ]);
    // Python's sorted() compares code points: U+FFFF sorts before U+1F600 (JS's default sort, by
    // UTF-16 units, would put the emoji's surrogate 0xD83D first)
    const cp = tempDir('cp');
    for (const c of ['a\u{1F600}', 'a\uFFFF', 'a', 'B']) mkdirSync(join(cp.dir, c));
    expect(imageFolder(cp.dir).classes.ids).toEqual(['B', 'a', 'a\uFFFF', 'a\u{1F600}']);
    expect(['a\u{1F600}b', 'a\u{1F600}', 'a\uFFFF'].sort(byCodePoint)).toEqual([
      'a\uFFFF',
      'a\u{1F600}',
      'a\u{1F600}b',
    ]);
    cp.cleanup();
    const missing = imageFolder(d.dir, { classes: ['cat', 'yak'] });
    expect(missing.skipped).toContainEqual({ path: join(d.dir, 'yak'), reason: 'class folder missing' });
    expect(missing.classes.indexOf('yak')).toBe(1);
    d.cleanup();
  });
});

describe('check', () => {
  it('counts per class and lists every bad file', async () => {
    const d = tempDir('check');
    await generateImageNetLike(d.dir, { classes: 2, trainPerClass: 3, valPerClass: 1, size: 24, seed: 1 });
    const cls = join(d.dir, 'train', 'n01440764');
    writeFileSync(join(cls, 'zero.JPEG'), '');
    writeFileSync(join(cls, 'text.JPEG'), 'not an image');
    const good = readFileSync(join(cls, 'n01440764_0.JPEG'));
    writeFileSync(join(cls, 'cut.JPEG'), good.subarray(0, good.length >> 1));
    writeFileSync(
      join(cls, 'png.JPEG'),
      await sharp({ create: { width: 9, height: 9, channels: 3, background: '#f00' } })
        .png()
        .toBuffer(),
    );
    symlinkSync(join(d.dir, 'nowhere'), join(d.dir, 'train', 'n01443537'));
    const [train, val] = await check(d.dir);
    expect(train.layout).toBe('imagenet-train');
    expect(train.classes.map((c) => [c.id, c.ok, c.bad])).toEqual([
      ['n01440764', 4, 3],
      [imagenetClasses().id(500), 3, 0],
    ]);
    const reasons = Object.fromEntries(train.bad.map((b) => [b.path.split('/').pop(), b.reason]));
    expect(reasons['zero.JPEG']).toMatch(/empty file/);
    expect(reasons['text.JPEG']).toMatch(/not a JPEG or PNG/);
    expect(reasons['cut.JPEG']).toMatch(/decode failed/);
    expect(reasons.n01443537).toMatch(/unreadable/);
    expect(val.ok).toBe(2);
    d.cleanup();
  });
});
