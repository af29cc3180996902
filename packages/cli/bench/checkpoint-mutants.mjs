#!/usr/bin/env node
// npm run bench (cli): single bit flips in the header of a real `rectifier train` checkpoint, each
// given to `rectifier eval` in-process. Reports how many load without complaint (goal 0), how many
// give an "internal error" (goal 0), and the worst time and memory growth one mutant costs.
// Uses the built package (dist/). Options (env): BENCH_MUTANTS (default 2000).
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../dist/index.js';

const mutants = Number(process.env.BENCH_MUTANTS ?? 2000);
const sink = () => {
  let text = '';
  return {
    write: (s) => {
      text += s;
    },
    text: () => text,
    isTTY: false,
  };
};
async function run(argv) {
  const stdout = sink();
  const stderr = sink();
  const code = await main(argv, { stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const dir = await mkdtemp(join(tmpdir(), 'rectifier-mutants-'));
const out = join(dir, 'run');
const t = await run([
  'train',
  '--data',
  'fashion-mnist',
  '--limit',
  '256',
  '--batch-size',
  '64',
  '--width',
  '0.25',
  '--epochs',
  '1',
  '--schedule',
  'constant',
  '--backend',
  'cpu',
  '--out',
  out,
]);
if (t.code !== 0) throw new Error(`training the reference run failed: ${t.stderr}`);
const name = (await readdir(join(out, 'checkpoints')))[0];
const bytes = new Uint8Array(await readFile(join(out, 'checkpoints', name)));
const headerBytes = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
const good = await run(['eval', join(out, 'checkpoints', name), '--backend', 'cpu', '--json']);
if (good.code !== 0) throw new Error(`eval of the unmodified checkpoint failed: ${good.stderr}`);

const path = join(dir, 'mutant.ckpt.safetensors');
const times = [];
let loaded = 0;
let internal = 0;
let multiLine = 0;
global.gc?.();
const rss0 = process.memoryUsage().rss;
let rssMax = rss0;
for (let i = 0; i < mutants; i++) {
  const bit = Math.floor(((i + 0.5) * headerBytes * 8) / mutants);
  const m = bytes.slice();
  m[bit >> 3] ^= 1 << (bit & 7);
  await writeFile(path, m);
  const t0 = performance.now();
  const r = await run(['eval', path, '--backend', 'cpu', '--json']);
  times.push(performance.now() - t0);
  if (r.code === 0) loaded++;
  if (/internal error/.test(r.stderr)) internal++;
  if (r.code !== 0 && r.stderr.split('\n').length !== 2) multiLine++;
  rssMax = Math.max(rssMax, process.memoryUsage().rss);
}
times.sort((a, b) => a - b);
await rm(dir, { recursive: true, force: true });
console.log(
  JSON.stringify(
    {
      benchmark: 'checkpoint header bit flips through rectifier eval',
      checkpointBytes: bytes.length,
      headerBytes,
      mutants,
      loadedWithoutComplaint: loaded,
      internalErrors: internal,
      messagesNotOneLine: multiLine,
      medianMs: Number(times[times.length >> 1].toFixed(2)),
      worstMs: Number(times[times.length - 1].toFixed(2)),
      rssGrowthMB: Number(((rssMax - rss0) / 2 ** 20).toFixed(1)),
    },
    null,
    2,
  ),
);
