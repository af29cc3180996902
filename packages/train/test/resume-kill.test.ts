import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
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

describe('resume after SIGKILL (separate processes)', () => {
  it('continues a killed run so that its losses and final weights equal an uninterrupted run, bit for bit', async () => {
    const fullDir = await mkdtemp(join(tmpdir(), 'rt-full-'));
    const full = await run([fullDir, '0', '0']);
    expect(full.stderr).toBe('');
    expect(full.code).toBe(0);

    const dir = await mkdtemp(join(tmpdir(), 'rt-killed-'));
    // 12 steps per epoch; checkpoints every 5 steps. Kill at step 17: epoch 2, after the step-15 checkpoint.
    const killed = await run([dir, '0', '40'], (line, child) => {
      if (line === 'step 17') child.kill('SIGKILL');
    });
    expect(killed.signal).toBe('SIGKILL');
    const ckpts = (await readdir(join(dir, 'checkpoints'))).filter((f) => f.endsWith('.safetensors')).sort();
    expect(ckpts.at(-1)).toBe('epoch-0001-step-00000015.ckpt.safetensors');

    const resumed = await run([dir, '1', '0']);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);

    const stepLosses = async (d: string) =>
      (await readJsonl(join(d, 'metrics.jsonl')))
        .filter((r) => r.type === 'step')
        .map((r) => [r.step, r.loss, r.lr]);
    const a = await stepLosses(fullDir);
    expect(a).toHaveLength(36);
    expect(await stepLosses(dir)).toEqual(a);
    expect(JSON.parse(await readFile(join(dir, 'final.json'), 'utf8'))).toEqual(
      JSON.parse(await readFile(join(fullDir, 'final.json'), 'utf8')),
    );
  });
});
