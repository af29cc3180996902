// Test helpers: an in-process CLI runner and a tiny IDX dataset on disk.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/main';

/** Runs the CLI in-process; returns the exit code and what went to stdout and stderr. */
export async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: {
      write: (s: string) => {
        stdout += s;
      },
      isTTY: false,
    },
    stderr: {
      write: (s: string) => {
        stderr += s;
      },
    },
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

function idx(magicType: number, dims: number[], data: Uint8Array): Uint8Array {
  const head = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  head.setUint8(2, magicType);
  head.setUint8(3, dims.length);
  for (const [i, d] of dims.entries()) head.setUint32(4 + 4 * i, d);
  const out = new Uint8Array(head.byteLength + data.length);
  out.set(new Uint8Array(head.buffer), 0);
  out.set(data, head.byteLength);
  return out;
}

/**
 * A Fashion-MNIST-shaped IDX directory with `nTrain` / `nTest` 28x28 images whose class is drawn as
 * a bright horizontal band at row 2 + 2 * label (learnable in a few steps).
 */
export async function tinyIdxDir(nTrain = 128, nTest = 40): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rcli-idx-'));
  const make = (n: number, seed: number) => {
    const img = new Uint8Array(n * 784);
    const lbl = new Uint8Array(n);
    let s = seed;
    for (let i = 0; i < n; i++) {
      const y = i % 10;
      lbl[i] = y;
      for (let p = 0; p < 784; p++) {
        s = (s * 1103515245 + 12345) >>> 0;
        img[i * 784 + p] = (s >>> 24) & 0x3f;
      }
      for (let c = 0; c < 28; c++) img[i * 784 + (2 + 2 * y) * 28 + c] = 250;
    }
    return { img, lbl };
  };
  const tr = make(nTrain, 1);
  const te = make(nTest, 2);
  await writeFile(join(dir, 'train-images-idx3-ubyte'), idx(8, [nTrain, 28, 28], tr.img));
  await writeFile(join(dir, 'train-labels-idx1-ubyte'), idx(8, [nTrain], tr.lbl));
  await writeFile(join(dir, 't10k-images-idx3-ubyte'), idx(8, [nTest, 28, 28], te.img));
  await writeFile(join(dir, 't10k-labels-idx1-ubyte'), idx(8, [nTest], te.lbl));
  return dir;
}
