import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCliFromSources, removeBundle } from './bundle-cli';

let bin = '';

beforeAll(async () => {
  bin = await bundleCliFromSources('rcli-bin-', ['sharp', 'onnxruntime-node']);
});

afterAll(() => removeBundle(bin));

function run(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
}

describe('the rectifier binary', () => {
  it('exits 2 on an unknown flag and 1 on missing data, with one error line and no stack trace', () => {
    const a = run('train', '--bogus');
    expect(a.status).toBe(2);
    expect(a.stderr.split('\n')[0]).toBe('rectifier train: error: unknown option --bogus');
    const b = run('train', '--data', '/no/such/dir', '--backend', 'cpu');
    expect(b.status).toBe(1);
    expect(b.stderr.trim().split('\n')).toHaveLength(1);
    for (const r of [a, b]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
