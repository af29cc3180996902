import { afterEach, describe, expect, it, vi } from 'vitest';
import { isCI, missingRequirement, testChromium } from './index.js';

describe('test requirements: one rule, fail under CI, skip visibly elsewhere', () => {
  const saved = { CI: process.env.CI, CHROMIUM_PATH: process.env.CHROMIUM_PATH };
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    vi.restoreAllMocks();
  });

  it('CI=true (as .ci/run sets it) throws, naming what, why and how to install it', () => {
    process.env.CI = 'true';
    expect(isCI()).toBe(true);
    expect(() => missingRequirement('browser tests', 'no chromium', 'apt-get install chromium')).toThrow(
      'browser tests: no chromium (CI is set, so this fails the run; apt-get install chromium)',
    );
    process.env.CHROMIUM_PATH = '/nonexistent/chromium';
    expect(() => testChromium('browser tests')).toThrow(
      /^browser tests: CHROMIUM_PATH=\/nonexistent\/chromium does not exist \(CI is set/,
    );
  });

  it('without CI it warns and returns the reason for skipIf', () => {
    for (const off of [undefined, '', 'false', '0']) {
      if (off === undefined) delete process.env.CI;
      else process.env.CI = off;
      expect(isCI(), String(off)).toBe(false);
    }
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    process.env.CHROMIUM_PATH = '/nonexistent/chromium';
    const c = testChromium('browser tests');
    expect(c).toEqual({
      path: null,
      skip: 'browser tests skipped: CHROMIUM_PATH=/nonexistent/chromium does not exist (apt-get install chromium to run it)',
    });
    expect(warn).toHaveBeenCalledWith(c.skip);
  });

  it('finds an executable that exists (CHROMIUM_PATH wins)', () => {
    process.env.CI = 'true';
    process.env.CHROMIUM_PATH = process.execPath;
    expect(testChromium('browser tests')).toEqual({ path: process.execPath, skip: '' });
  });
});
