import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The docs and the quickstart's "Next:" lines tell users to run `npx rectifier ...` in a clone of the
// repository. npx must find this workspace's CLI (linked by the root devDependency), never fetch the
// unrelated npm package of the same name: `--no-install` makes a missing link fail instead.
const root = join(import.meta.dirname, '..', '..', '..');

describe('npx rectifier in the repository', () => {
  it('is linked to this workspace', () => {
    const link = realpathSync(join(root, 'node_modules', '.bin', 'rectifier'));
    expect(link).toBe(realpathSync(join(root, 'packages', 'cli', 'bin', 'rectifier.js')));
  });

  it('runs the workspace CLI without fetching anything', async () => {
    const { stdout } = await promisify(execFile)('npx', ['--no-install', 'rectifier', '--help'], {
      cwd: root,
      env: { ...process.env, npm_config_offline: 'true' },
      timeout: 60_000,
    });
    expect(stdout).toMatch(/^Usage: rectifier <command>/m);
    expect(stdout).toMatch(/quickstart/);
  }, 90_000);
});
