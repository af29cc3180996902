// Activations kept in oneDNN's blocked layout between kernels. The reproduction is a convnet
// training step (conv -> relu or PReLU, max pooling, global average pooling, as in convnet8x32 and
// the paper's models), whose convolutions reordered every activation in and out. It must give the
// same bits with and without blocked layouts, keep them where it should, and hand row-major NCHW to
// every other reader.
import {
  type CpuStorage,
  conv2d,
  crossEntropy,
  Generator,
  linear,
  maxPool2d,
  Parameter,
  prelu,
  randint,
  randn,
  sgdStep,
  type Tensor,
  tidy,
  withBackend,
  zeros,
} from '@rectifier/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAddon } from './addon.js';
import { createNativeBackend, type NativeBackend } from './backend.js';
import { BlockedLayout } from './blocked.js';

let blocked: NativeBackend;
let plain: NativeBackend;
beforeAll(async () => {
  blocked = await createNativeBackend({ threads: 2 });
  plain = await createNativeBackend({ threads: 2, blockedLayouts: false });
});

/**
 * Rewrites a contiguous float32 tensor's storage, in place, as nChw16c: the layout oneDNN picks on
 * AVX-512, which this (AVX2) machine's convolutions never produce, so its code paths get exercised.
 */
function reblock16(t: Tensor): void {
  const loaded = loadAddon();
  if ('error' in loaded) throw new Error(loaded.error);
  const k = loaded.addon;
  const s = t.storage as CpuStorage;
  const nchw = Float32Array.from(s.data as Float32Array);
  k.toBlocked(nchw, 0, s.rawData as Float32Array, 0, 16, Float64Array.from(t.shape));
  s.setLayout(new BlockedLayout(16, t.shape, (from, to, b, d) => k.toPlain(from, 0, to, 0, b, d)));
}

const layoutOf = (t: Tensor) => (t.storage as CpuStorage).layout?.name ?? null;
const bits = (t: Tensor) => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer));

/** A few SGD steps of a small conv -> relu (or PReLU) net; the losses and the final weights. */
function train(steps: number, act: 'relu' | 'prelu'): { losses: number[]; weights: number[][] } {
  const g = new Generator(3);
  const ws = [8, 16, 16].map(
    (o, i) => new Parameter(randn([o, i === 0 ? 3 : [8, 16][i - 1], 3, 3], { generator: g }).mul(0.2)),
  );
  const bs = [8, 16, 16].map((o) => new Parameter(zeros([o])));
  const fc = new Parameter(randn([4, 16], { generator: g }).mul(0.2));
  // Channel-wise PReLU slopes (the paper's), 0.25 apart from a little noise so that they differ.
  const slopes = [8, 16, 16].map((o) => new Parameter(randn([o], { generator: g }).mul(0.05).add(0.25)));
  const params = [...ws, ...bs, fc, ...(act === 'prelu' ? slopes : [])];
  const x = randn([8, 3, 16, 16], { generator: g });
  const y = randint(0, 4, [8], { generator: g });
  const losses: number[] = [];
  const hyper = { lr: 0.05, momentum: 0, weightDecay: 0, nesterov: false };
  for (let s = 0; s < steps; s++) {
    const loss = tidy(() => {
      let h: Tensor = x;
      for (let i = 0; i < ws.length; i++) {
        h = conv2d(h, ws[i], bs[i], { padding: 1 });
        h = act === 'relu' ? h.relu() : prelu(h, slopes[i]);
        // 16x16 -> 8x8 (2x2 windows) after the first layer, 8x8 -> 4x4 (overlapping 3x3) after the second
        if (i === 0) h = maxPool2d(h, { kernelSize: 2 });
        if (i === 1) h = maxPool2d(h, { kernelSize: 3, stride: 2, padding: 1 });
      }
      return crossEntropy(linear(h.mean([2, 3]), fc), y);
    });
    loss.backward();
    losses.push(loss.dataSync()[0]);
    loss.dispose();
    sgdStep(
      params,
      params.map((p) => p.grad as Tensor),
      params.map(() => null),
      params.map(() => hyper),
    );
    for (const p of params) p.zeroGrad();
  }
  const weights = params.map((p) => Array.from(p.dataSync()));
  for (const t of [...params, ...slopes, x, y]) t.dispose();
  return { losses, weights };
}

describe('blocked activations', () => {
  const trainsAlike = (act: 'relu' | 'prelu') => {
    const a = withBackend(blocked, () => train(3, act));
    const b = withBackend(plain, () => train(3, act));
    expect(a.losses).toEqual(b.losses);
    expect(a.weights).toEqual(b.weights);
    expect(a.losses.every(Number.isFinite)).toBe(true);
  };
  it('a relu convnet trains to the same bits with and without blocked layouts', () => trainsAlike('relu'));
  it('a prelu convnet trains to the same bits with and without blocked layouts', () => trainsAlike('prelu'));

  it('a convolution with channels a multiple of the block leaves its output blocked; relu keeps it', () => {
    // Tensors run on the backend that made them, so each backend makes its own (same seed).
    const convRelu = () => {
      const g = new Generator(1);
      const y = conv2d(
        randn([2, 3, 16, 16], { generator: g }),
        randn([16, 3, 3, 3], { generator: g }),
        null,
        {
          padding: 1,
        },
      );
      return { y, r: y.relu(), yLayout: layoutOf(y) };
    };
    const got = withBackend(blocked, convRelu);
    const want = withBackend(plain, convRelu);
    expect(got.yLayout).toMatch(/^nChw(8|16)c \[2, 16, 16, 16\]$/);
    expect(layoutOf(got.r)).toBe(got.yLayout);
    expect(want.yLayout).toBeNull();
    // Reading restores NCHW once: the same bits as the plain backend's output.
    expect(bits(got.y)).toEqual(bits(want.y));
    expect(layoutOf(got.y)).toBeNull();
    expect(bits(got.r)).toEqual(bits(want.r));
  });

  it('channels that are not a multiple of the block stay plain', () => {
    withBackend(blocked, () => {
      const g = new Generator(2);
      const y = conv2d(randn([2, 4, 9, 9], { generator: g }), randn([12, 4, 3, 3], { generator: g }), null, {
        padding: 1,
      });
      expect(layoutOf(y)).toBeNull();
    });
  });

  it('max pooling over blocked activations picks the same window elements (ties, NaN) as over NCHW', () => {
    // relu(y) has windows of tied zeros; relu(y) / relu(y) has tied ones and NaN (0 / 0). A leaf that
    // shares the blocked storage routes the pooled gradient to the chosen elements.
    const pooled = () => {
      const g = new Generator(5);
      const y = conv2d(
        randn([4, 8, 16, 16], { generator: g }),
        randn([16, 8, 3, 3], { generator: g }),
        null,
        {
          padding: 1,
        },
      );
      const r = y.relu();
      return [r, r.div(r)].map((t) => {
        const leaf = new Parameter(t);
        const blockedIn = layoutOf(leaf) !== null;
        const z = maxPool2d(leaf, { kernelSize: 3, stride: 2, padding: 1 });
        z.sum().backward();
        return { blockedIn, z: bits(z), grad: bits(leaf.grad as Tensor) };
      });
    };
    const got = withBackend(blocked, pooled);
    const want = withBackend(plain, pooled);
    expect(got.map((p) => p.blockedIn)).toEqual([true, true]);
    expect(want.map((p) => p.blockedIn)).toEqual([false, false]);
    expect(got).toEqual(want.map((p) => ({ ...p, blockedIn: true })));
  });

  it('16-channel blocks (AVX-512) give the same bits as NCHW through every blocked kernel', () => {
    // PReLU and its gradients, max pooling both ways, the slope's sum, and a convolution taking a
    // 16-blocked input and gradient (oneDNN reorders them to its 8-channel blocks here).
    const run = (reblock: boolean) => {
      const g = new Generator(11);
      const x = new Parameter(randn([4, 32, 12, 12], { generator: g }));
      const slope = new Parameter(randn([32], { generator: g }).mul(0.1).add(0.25));
      const w = new Parameter(randn([32, 32, 3, 3], { generator: g }).mul(0.1));
      const gy = randn([4, 32, 12, 12], { generator: g });
      const gp = randn([4, 32, 6, 6], { generator: g });
      if (reblock) for (const t of [x, gy, gp]) reblock16(t);
      const blockedIn = layoutOf(x);
      const pooled = maxPool2d(prelu(x, slope), { kernelSize: 2 });
      const pooledLayout = layoutOf(pooled);
      const y = conv2d(x, w, null, { padding: 1 });
      if (reblock) reblock16(y);
      const loss = pooled.mul(gp).sum().add(y.mul(gy).sum());
      loss.backward();
      const grads = [x, slope, w].map((p) => bits(p.grad as Tensor));
      return { blockedIn, pooledLayout, loss: bits(loss), grads };
    };
    const got = withBackend(blocked, () => run(true));
    const want = withBackend(plain, () => run(false));
    expect(got.blockedIn).toBe('nChw16c [4, 32, 12, 12]');
    expect(got.pooledLayout).toBe('nChw16c [4, 32, 6, 6]');
    expect(got.loss).toEqual(want.loss);
    expect(got.grads).toEqual(want.grads);
  });

  it('views, broadcasts, JS kernels and other backends see NCHW', () => {
    /** A convolution output: blocked on one backend, plain on the other, the same numbers. */
    const convOut = () => {
      const g = new Generator(4);
      const x = randn([4, 8, 16, 16], { generator: g });
      const w = randn([16, 8, 3, 3], { generator: g });
      return conv2d(x, w, null, { padding: 1 });
    };
    const uses = [
      (y: Tensor) => y.slice(1, 4, 12), // a view into the middle of the storage
      (y: Tensor) => y.add(y.sum([0, 2, 3], true)), // a per-channel operand
      (y: Tensor) => y.mul(y.mean([2, 3], true)), // a per-row operand ([N, C, 1, 1])
      (y: Tensor) => prelu(y, y.slice(1, 0, 16).mean([0, 2, 3])), // PReLU with per-channel slopes
      (y: Tensor) => y.add(y.slice(0, 0, 1)), // an operand broadcast over the batch: row-major
      (y: Tensor) => y.sub(randn(y.shape, { generator: new Generator(9) })), // an NCHW operand, reordered
      (y: Tensor) => maxPool2d(y, { kernelSize: 3, stride: 2, padding: 1 }), // pooled values stay blocked
      (y: Tensor) => y.permute([0, 2, 3, 1]).contiguous(), // NHWC, a JS copy
      (y: Tensor) => y.mul(2).sum([1]), // a scalar operand stays blocked, then a sum over channels
      (y: Tensor) => y.relu().sum([0, 2, 3]), // bias-gradient sum over a blocked activation
      (y: Tensor) => y.relu().mean([2, 3]), // global average pool over a blocked activation
      (y: Tensor) => y.max(), // the JS reduction
      // A reshape that regroups channels covers the whole storage but is not the layout's [N, C, H, W]:
      (y: Tensor) => y.reshape([4, 8, 32, 16]).sum([2, 3]),
      (y: Tensor) =>
        conv2d(y.reshape([4, 8, 32, 16]), randn([8, 8, 3, 3], { generator: new Generator(12) }), null, {
          padding: 1,
        }),
      (y: Tensor) => maxPool2d(y.reshape([4, 8, 32, 16]), { kernelSize: 2 }),
    ];
    for (const use of uses) {
      const got = withBackend(blocked, () => {
        const y = convOut();
        expect(layoutOf(y)).not.toBeNull();
        return use(y);
      });
      const want = withBackend(plain, () => use(convOut()));
      expect(got.shape).toEqual(want.shape);
      expect(bits(got)).toEqual(bits(want));
    }
  });
});
