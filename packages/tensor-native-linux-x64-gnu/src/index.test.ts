// The package's entry names its binary; when the build produced one (it must in CI, where .ci/run
// installs the toolchain), it is a loadable Node-API addon that reports oneDNN.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { binaryPath, target } from './index.js';

describe('@rectifier/tensor-native-linux-x64-gnu', () => {
  it('names its target and a binary inside the package', () => {
    expect(target).toBe('linux-x64-gnu');
    expect(binaryPath).toMatch(/tensor-native-linux-x64-gnu[\\/]tensor-native\.node$/);
  });

  it.skipIf(!existsSync(binaryPath) && !process.env.CI)('the built binary loads and reports oneDNN', () => {
    const addon = createRequire(import.meta.url)(binaryPath) as {
      info(): { onednn: string; isa: string; maxThreads: number };
    };
    const info = addon.info();
    expect(info.onednn).toMatch(/^\d+\.\d+\.\d+$/);
    expect(info.isa).not.toBe('');
    expect(info.maxThreads).toBeGreaterThan(0);
  });
});
