/**
 * Browser entry for the end-to-end test: trains a small PReLU conv net (conv -> prelu -> maxpool ->
 * linear -> crossEntropy) with plain SGD on the WebGPU backend inside the page and reports the losses.
 * Bundled with esbuild by browser.test.ts.
 */
import {
  conv2d,
  crossEntropy,
  Generator,
  linear,
  maxPool2d,
  mul,
  noGrad,
  prelu,
  randn,
  setBackend,
  sub,
  type Tensor,
  tensor,
} from '@rectifier/tensor';
import { createWebGPUBackend } from '@rectifier/tensor/webgpu';

async function train(steps: number): Promise<{ adapter: string; losses: number[] }> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) throw new Error('navigator.gpu is missing (is --enable-unsafe-webgpu set?)');
  const backend = await createWebGPUBackend({ gpu });
  setBackend(backend);
  const g = new Generator(3);
  const param = (shape: number[], std: number) =>
    randn(shape, { generator: g }).mul(std).detach().requiresGrad_();
  const w1 = param([8, 1, 3, 3], Math.sqrt(2 / 9));
  const a1 = tensor(new Float32Array(8).fill(0.25), { requiresGrad: true });
  const w2 = param([4, 8 * 4 * 4], Math.sqrt(1 / 128));
  const b2 = tensor(new Float32Array(4), { requiresGrad: true });
  // four classes of 8x8 images: a bright quadrant per class, plus noise
  const n = 16;
  const img = new Float32Array(n * 64);
  const labels = new Int32Array(n);
  const noise = await randn([n * 64], { generator: g }).data();
  for (let i = 0; i < n; i++) {
    const c = i % 4;
    labels[i] = c;
    for (let p = 0; p < 64; p++) {
      const r = Math.floor(p / 8);
      const q = p % 8;
      const inQuad = r < 4 === c < 2 && q < 4 === (c % 2 === 0);
      img[i * 64 + p] = (inQuad ? 1 : 0) + 0.1 * (noise[i * 64 + p] as number);
    }
  }
  const x = tensor(img, { shape: [n, 1, 8, 8] });
  const y = tensor(labels, { dtype: 'int32' });
  const params = [w1, a1, w2, b2];
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const h = maxPool2d(prelu(conv2d(x, w1, null, { padding: 1 }), a1), { kernelSize: 2 });
    const loss = crossEntropy(linear(h.flatten(1), w2, b2), y);
    loss.backward();
    losses.push(await loss.item());
    noGrad(() => {
      for (const p of params) {
        p.assign(sub(p, mul(p.grad as Tensor, 0.5)));
        p.zeroGrad();
      }
    });
  }
  return { adapter: backend.adapterInfo, losses };
}

(globalThis as unknown as { rectifierTrain: typeof train }).rectifierTrain = train;
