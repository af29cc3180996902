import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { readJsonl } from '../src/checkpoint/atomic';

const packages = resolve(__dirname, '../..');
let script = '';

/** Bundles the child with @rectifier/* resolved to the sibling packages' sources (no build needed). */
beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rt-child-'));
  script = join(dir, 'child.mjs');
  await build({
    entryPoints: [resolve(__dirname, 'resume-child.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: script,
    logLevel: 'error',
    plugins: [
      {
        name: 'rectifier-sources',
        setup(b) {
          b.onResolve({ filter: /^@rectifier\// }, (a) => {
            const m = /^@rectifier\/([^/]+)(?:\/(.+))?$/.exec(a.path) as RegExpExecArray;
            return {
              path: m[2] ? `${packages}/${m[1]}/src/${m[2]}/index.ts` : `${packages}/${m[1]}/src/index.ts`,
            };
          });
        },
      },
    ],
  });
});

function run(
  args: string[],
  onLine?: (line: string, child: ChildProcess) => void,
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i = buf.indexOf('\n');
      while (i >= 0) {
        onLine?.(buf.slice(0, i), child);
        buf = buf.slice(i + 1);
        i = buf.indexOf('\n');
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('exit', (code, signal) => ok({ code, signal, stderr }));
  });
}

const stepLosses = async (d: string) =>
  (await readJsonl(join(d, 'metrics.jsonl')))
    .filter((r) => r.type === 'step')
    .map((r) => [r.step, r.loss, r.lr]);
const finalWeights = async (d: string) => JSON.parse(await readFile(join(d, 'final.json'), 'utf8'));
const checkpoints = (d: string) =>
  existsSync(join(d, 'checkpoints'))
    ? readdirSync(join(d, 'checkpoints')).filter((f) => f.endsWith('.safetensors'))
    : [];

/** Kill steps of the trials: seeded, after the first checkpoint (every 5 steps) of 36 steps. */
function killSteps(trials: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: trials }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return 6 + (s % 29); // 6..34
  });
}

/**
 * RESUME_TRIALS=n (default 1) kills n runs per backend at seeded random steps, each when the step
 * is logged and a checkpoint exists, then resumes it and compares with an uninterrupted run.
 * The summary line is the figure the issue asks for (bit-identical / total).
 */
const trials = Math.max(1, Number(process.env.RESUME_TRIALS ?? 1) || 1);

describe.each(['cpu', 'wasm'])('resume after SIGKILL on the %s backend (separate processes)', (backend) => {
  let fullDir = '';
  beforeAll(async () => {
    fullDir = await mkdtemp(join(tmpdir(), `rt-full-${backend}-`));
    const full = await run([fullDir, '0', '0', backend]);
    expect(full.stderr).toBe('');
    expect(full.code).toBe(0);
  });

  it.runIf(backend === 'cpu')(
    'continues a killed run so that its losses and final weights equal an uninterrupted run, bit for bit',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'rt-killed-'));
      // 12 steps per epoch; checkpoints every 5 steps. Kill at step 17: epoch 2, after the step-15 checkpoint.
      const killed = await run([dir, '0', '40'], (line, child) => {
        if (line === 'step 17') child.kill('SIGKILL');
      });
      expect(killed.signal).toBe('SIGKILL');
      const ckpts = checkpoints(dir).sort();
      expect(ckpts.at(-1)).toBe('epoch-0002-step-00000015.ckpt.safetensors'); // the bar's epoch 2

      const resumed = await run([dir, '1', '0']);
      expect(resumed.stderr).toBe('');
      expect(resumed.code).toBe(0);
      const a = await stepLosses(fullDir);
      expect(a).toHaveLength(36);
      expect(await stepLosses(dir)).toEqual(a);
      expect(await finalWeights(dir)).toEqual(await finalWeights(fullDir));
    },
  );

  it(`${trials} killed run(s) at random steps resume bit-identical`, async () => {
    const full = await stepLosses(fullDir);
    expect(full).toHaveLength(36);
    const fullWeights = await finalWeights(fullDir);
    const outcomes: string[] = [];
    for (const k of killSteps(trials, backend === 'cpu' ? 1 : 2)) {
      const dir = await mkdtemp(join(tmpdir(), `rt-trial-${backend}-`));
      let killedAt = 0;
      const killed = await run([dir, '0', '40', backend], (line, child) => {
        const m = /^step (\d+)$/.exec(line);
        if (killedAt || !m || Number(m[1]) < k || checkpoints(dir).length === 0) return;
        killedAt = Number(m[1]);
        child.kill('SIGKILL');
      });
      expect(killed.signal).toBe('SIGKILL');
      const resumed = await run([dir, '1', '0', backend]);
      expect(resumed.stderr).toBe('');
      expect(resumed.code).toBe(0);
      const same =
        JSON.stringify(await stepLosses(dir)) === JSON.stringify(full) &&
        JSON.stringify(await finalWeights(dir)) === JSON.stringify(fullWeights);
      outcomes.push(`${killedAt}:${same ? 'same' : 'DIFFERENT'}`);
    }
    const identical = outcomes.filter((o) => o.endsWith(':same')).length;
    console.log(
      `kill/resume trials (${backend}): ${identical}/${outcomes.length} bit-identical; killed at steps ${outcomes.join(', ')}`,
    );
    expect(identical).toBe(outcomes.length);
  });
});
