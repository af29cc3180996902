// eval / export / train --resume trust nothing in a checkpoint they have not checked: a header that
// asks for a huge model, a data source that names a directory to write, a bad step, or any single
// flipped bit is refused before anything is built or written.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint } from '@rectifier/train';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModelFromCheckpoint } from '../src/checkpoint-model';
import { cli, tinyIdxDir } from './helpers';

let data = '';
let run = '';
let ckpts: string[] = [];

beforeAll(async () => {
  data = await tinyIdxDir(64, 20);
  run = join(await mkdtemp(join(tmpdir(), 'rcli-trust-')), 'run');
  const r = await cli(
    'train',
    '--data',
    data,
    '--backend',
    'cpu',
    '--width',
    '0.25',
    '--batch-size',
    '16',
    '--epochs',
    '1',
    '--checkpoint-every',
    '2',
    '--schedule',
    'constant',
    '--out',
    run,
  );
  expect(r.stderr).toBe('');
  ckpts = (await readdir(join(run, 'checkpoints'))).sort().map((f) => join(run, 'checkpoints', f));
  expect(ckpts).toHaveLength(2);
});

/** A copy of `src` with edited metadata and a valid digest: a hand-made file, not a corrupt one. */
async function crafted(
  src: string,
  name: string,
  edit: (meta: Record<string, any>) => void,
): Promise<string> {
  const { tensors, meta } = await decodeCheckpoint(new Uint8Array(await readFile(src)), src);
  const { format: _f, version: _v, sha256: _s, ...rest } = meta;
  edit(rest);
  const path = join(run, name);
  await writeFile(path, await encodeCheckpoint(tensors, rest));
  for (const t of Object.values(tensors)) t.dispose();
  return path;
}

describe('checkpoint metadata the CLI acts on', () => {
  const cases: Array<[string, (m: Record<string, any>) => void, RegExp]> = [
    [
      'width 64',
      (m) => {
        m.extra.modelConfig.width = 64;
      },
      /extra\.modelConfig\.width must be a number in \(0, 8\], got 64/,
    ],
    [
      'numClasses 1e8',
      (m) => {
        m.extra.modelConfig.numClasses = 1e8;
      },
      /extra\.modelConfig\.numClasses must be an integer in \[1, 100000\], got 100000000/,
    ],
    [
      'width 4 (in range, but not the model the tensors hold)',
      (m) => {
        m.extra.modelConfig.width = 4;
      },
      /extra\.modelConfig describes a model of [\d,]+ parameters but the checkpoint holds [\d,]+/,
    ],
    [
      'class names that are not strings',
      (m) => {
        m.extra.data.classes = 7;
      },
      /extra\.data\.classes must be 10 class names/,
    ],
    [
      'std 0',
      (m) => {
        m.extra.data.normalization.std = 0;
      },
      /extra\.data\.normalization\.std must be a number > 0, got 0/,
    ],
    [
      '"step": "x"',
      (m) => {
        m.step = 'x';
      },
      /step must be an integer >= 0, got "x"/,
    ],
    [
      'meters: null',
      (m) => {
        m.meters = null;
      },
      /meters must be an object, got null/,
    ],
  ];
  for (const [what, edit, message] of cases) {
    it(`eval and export refuse ${what} in one line, before building anything`, async () => {
      const path = await crafted(ckpts[1], `${what.replace(/\W/g, '')}.ckpt.safetensors`, edit);
      const t0 = performance.now();
      const ev = await cli('eval', path, '--backend', 'cpu');
      const ex = await cli('export', path, '--out', join(run, 'x.onnx'));
      expect(performance.now() - t0).toBeLessThan(20_000); // not minutes of building a 4-8 GB model
      for (const r of [ev, ex]) {
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).toMatch(/^rectifier (eval|export): error: checkpoint .* is invalid: [^\n]*\n$/);
      }
      expect(existsSync(join(run, 'x.onnx'))).toBe(false);
    });
  }

  it('a checkpoint whose stored config lacks a key added since still evaluates (defaults fill it on resume)', async () => {
    const path = await crafted(ckpts[1], 'older.ckpt.safetensors', (m) => {
      delete m.extra.config.warmup;
      delete m.extra.config.backend;
    });
    const r = await cli('eval', path, '--backend', 'cpu', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).n).toBe(20);
  });

  it('eval never creates or writes the directory of a generated:<dir> data source named by a checkpoint', async () => {
    const target = join(run, 'should-not-exist');
    const path = await crafted(ckpts[1], 'gen.ckpt.safetensors', (m) => {
      m.extra.data.name = `generated:${target}`;
      m.extra.config.data = `generated:${target}`;
    });
    const r = await cli('eval', path, '--backend', 'cpu');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /the generated data set .*should-not-exist named by the checkpoint is not there.*pass --data/,
    );
    expect(existsSync(target)).toBe(false);
  });

  it('train --resume skips an invalid newest checkpoint with a warning and continues from the previous one', async () => {
    const newest = ckpts[1];
    const good = await readFile(newest);
    try {
      await crafted(newest, 'tmp.ckpt.safetensors', (m) => {
        m.step = 'x';
      });
      await writeFile(newest, await readFile(join(run, 'tmp.ckpt.safetensors')));
      const r = await cli('train', '--out', run, '--resume', '--backend', 'cpu', '--max-steps', '4');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(
        /^warning: checkpoint .*step-00000004.* is invalid: step must be an integer >= 0, got "x"; trying the previous checkpoint\n$/,
      );
      expect(r.stdout).toMatch(/resumed from .*step-00000002/);
    } finally {
      await writeFile(newest, good);
    }
  });

  it('no single bit flip in the header of a CLI checkpoint loads (300 flips)', async () => {
    const bytes = new Uint8Array(await readFile(ckpts[1]));
    const headerEnd = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const path = join(run, 'mutant.ckpt.safetensors');
    let loaded = 0;
    for (let i = 0; i < 300; i++) {
      const bit = Math.floor(((i + 0.5) * headerEnd * 8) / 300);
      const m = bytes.slice();
      m[bit >> 3] ^= 1 << (bit & 7);
      await writeFile(path, m);
      try {
        const l = await loadModelFromCheckpoint(path);
        l.model.dispose();
        loaded++;
      } catch (e) {
        expect((e as Error).name, (e as Error).message).toBe('UserError');
        expect(e).not.toBeInstanceOf(CheckpointError);
      }
    }
    expect(loaded).toBe(0);
  });
});
