import { describe, expect, it } from 'vitest';
import { UserError } from './errors';
import { importOptional, loadOnnxRuntime } from './optional-deps';

describe('optional peer dependencies', () => {
  it('turn a missing package into one line naming what needs it and how to install it', async () => {
    const missing = 'rectifier-no-such-package-for-tests';
    const err = await importOptional(missing, 'rectifier predict', '~1 MB', () => import(missing)).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      `rectifier predict needs the optional package ${missing} (~1 MB): npm install ${missing}`,
    );
  });

  it('let other failures through unchanged', async () => {
    const boom = new Error('the binding failed to load');
    await expect(importOptional('onnxruntime-node', 'x', '1 MB', () => Promise.reject(boom))).rejects.toBe(
      boom,
    );
  });

  it('load onnxruntime-node when it is installed (as in this workspace)', async () => {
    const ort = await loadOnnxRuntime('this test');
    expect(typeof ort.InferenceSession.create).toBe('function');
  });
});
