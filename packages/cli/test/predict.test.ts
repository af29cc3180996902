// `rectifier predict` on ONNX classifiers exported through the library's API (no rectifier
// metadata), with crafted metadata, and over many images with a bad one among them.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evalPreprocessing } from '@rectifier/imagenet';
import { preprocessImage } from '@rectifier/imagenet/node';
import { Conv2d, Flatten, Linear, Sequential } from '@rectifier/nn';
import { exportOnnx } from '@rectifier/onnx';
import { Generator } from '@rectifier/tensor';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from './helpers';

let dir: string;
let png: string;
let png2: string;

const classifier = () =>
  new Sequential(
    new Flatten(),
    new Linear({ inFeatures: 3 * 8 * 8, outFeatures: 4, generator: new Generator(3) }),
  );

async function model(name: string, metadata?: Record<string, string>, m = classifier()): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, exportOnnx(m, { inputShape: [1, 3, 8, 8], dynamicBatch: true, metadata }));
  return p;
}

function oneLine(stderr: string) {
  const lines = stderr.trim().split('\n');
  expect(lines.length).toBe(1);
  expect(stderr).not.toMatch(/internal error|undefined|NaN/);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rcli-predict-'));
  const px = Buffer.alloc(20 * 12 * 3);
  for (let i = 0; i < px.length; i++) px[i] = (i * 37) % 251;
  png = join(dir, 'a.png');
  png2 = join(dir, 'b.png');
  await sharp(px, { raw: { width: 20, height: 12, channels: 3 } })
    .png()
    .toFile(png);
  await sharp(px.reverse(), { raw: { width: 20, height: 12, channels: 3 } })
    .png()
    .toFile(png2);
});

describe('rectifier predict', () => {
  it('accepts a model exported through the API (no metadata): input size from the model, class indices', async () => {
    const p = await model('plain.onnx');
    const r = await cli('predict', p, png, '--top', '2');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/a\.png: class \d \d+\.\d%, class \d \d+\.\d%\n$/);
  });

  it('class names from --classes, preprocessing from flags, and the eval preprocessing by default', async () => {
    const p = await model('plain2.onnx');
    const names = join(dir, 'names.txt');
    await writeFile(names, 'cat\ndog\nfox\nowl\n');
    const r = await cli(
      'predict',
      p,
      png,
      '--classes',
      names,
      '--top',
      '4',
      '--mean',
      '0.5',
      '--std',
      '0.25',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/a\.png: (cat|dog|fox|owl) .*(cat|dog|fox|owl) \d+\.\d%\n$/);
    // The scores equal the model run on preprocessImage's tensor (resize 9, centre crop 8, bilinear).
    const x = await preprocessImage(
      new Uint8Array(await (await import('node:fs/promises')).readFile(png)),
      evalPreprocessing(8, { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] }),
    );
    const ort = await import('onnxruntime-node');
    const s = await ort.InferenceSession.create(join(dir, 'plain2.onnx'));
    const y = (await s.run({ input: new ort.Tensor('float32', x, [1, 3, 8, 8]) })).output
      .data as Float32Array;
    await s.release();
    const best = y.indexOf(Math.max(...y));
    expect(r.stdout).toMatch(new RegExp(`a\\.png: ${['cat', 'dog', 'fox', 'owl'][best]} `));
  });

  it('shows the probabilities of a model that ends in Softmax as they are', async () => {
    const p = join(dir, 'softmax.onnx');
    await writeFile(p, exportOnnx(classifier(), { inputShape: [1, 3, 8, 8], softmax: true }));
    const plain = await model('nosoftmax.onnx');
    const a = await cli('predict', p, png, '--top', '4');
    const b = await cli('predict', plain, png, '--top', '4');
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });

  it('over many images reports the bad one and classifies the others (exit 1)', async () => {
    const p = await model('many.onnx');
    const bad = join(dir, 'bad.png');
    await writeFile(bad, 'not an image');
    const r = await cli('predict', p, png, bad, join(dir, 'missing.png'), png2);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/a\.png: class/);
    expect(r.stdout).toMatch(/b\.png: class/);
    expect(r.stderr).toMatch(/bad\.png: not a JPEG or PNG/);
    expect(r.stderr).toMatch(/missing\.png: does not exist/);
    expect(r.stderr).toMatch(/2 of 4 images could not be read/);
  });

  it('validates crafted metadata and the output shape before running, with one-line errors', async () => {
    const pre = evalPreprocessing(8);
    const cases: [Record<string, string>, RegExp][] = [
      [{ classes: '{"a":1}' }, /metadata 'classes' must be a non-empty JSON array of strings/],
      [{ classes: '[1,2,3,4]' }, /metadata 'classes' must be a non-empty JSON array of strings/],
      [{ classes: '["a","b"]' }, /the output has 4 classes but 2 class names are given/],
      [
        { 'rectifier.preprocessing': JSON.stringify({ ...pre, std: [0, 0.2, 0.2] }) },
        /std must be 3 finite numbers > 0/,
      ],
      [
        { 'rectifier.preprocessing': JSON.stringify({ ...pre, cropSize: 30000, resize: 30000 }) },
        /cropSize must be an integer in \[1, 4096\]/,
      ],
      [{ 'rectifier.preprocessing': '{oops' }, /metadata 'rectifier.preprocessing' is not valid JSON/],
      [
        { model_config: '{"inChannels":3,"inputSize":30000}', input_normalization: '{"kind":"imagenet"}' },
        /model_config.inputSize must be an integer in \[1, 4096\], got 30000/,
      ],
      [
        {
          model_config: '{"inChannels":3,"inputSize":8}',
          input_normalization: '{"kind":"scaled","mean":0,"std":0}',
        },
        /input_normalization must be/,
      ],
    ];
    for (const [i, [meta, re]] of cases.entries()) {
      const p = await model(`crafted${i}.onnx`, meta);
      const r = await cli('predict', p, png);
      expect(r.code, JSON.stringify(meta)).toBe(1);
      expect(r.stderr).toMatch(re);
      oneLine(r.stderr);
      expect(r.stdout).toBe('');
    }
    const s = await cli('predict', await model('std.onnx'), png, '--std', '0');
    expect(s.stderr).toMatch(/std must be 3 finite numbers > 0/);
    oneLine(s.stderr);
    const big = await cli('predict', await model('big.onnx'), png, '--input-size', '30000');
    expect(big.stderr).toMatch(/--input-size must be at most 4096/);
  });

  it('refuses a model whose output is not [N, classes] before running it', async () => {
    const conv = new Sequential(
      new Conv2d({ inChannels: 3, outChannels: 2, kernelSize: 1, generator: new Generator(1) }),
    );
    const p = await model('conv.onnx', undefined, conv as never);
    const r = await cli('predict', p, png);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /the output must be class scores \[N, classes\], the model gives \[batch, 2, 8, 8\]/,
    );
    oneLine(r.stderr);
  });
});
