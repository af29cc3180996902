// When the binary cannot be loaded, nothing throws at import: `nativeAvailability` and
// `createNativeBackend` say why in one line, `selectBackend('native')` fails with that reason and
// 'auto' falls back to WASM with the reason in its own. (Its own file: the loader caches its result
// per process; vitest.config.ts runs this file in a process of its own.)
import { cpuBackend, selectBackend, setBackend } from '@rectifier/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { createNativeBackend, NativeUnavailableError, nativeAvailability } from '../src/index.js';

process.env.RECTIFIER_NATIVE_BINARY = '/nonexistent/tensor-native.node';
afterAll(() => {
  delete process.env.RECTIFIER_NATIVE_BINARY;
});

describe('without a loadable binary', () => {
  it('nativeAvailability and createNativeBackend give the reason', async () => {
    expect(nativeAvailability()).toEqual({
      available: false,
      reason: 'RECTIFIER_NATIVE_BINARY=/nonexistent/tensor-native.node does not exist',
    });
    const e = await createNativeBackend().catch((err: Error) => err);
    expect(e).toBeInstanceOf(NativeUnavailableError);
    expect((e as Error).message).toBe(
      'native backend unavailable: RECTIFIER_NATIVE_BINARY=/nonexistent/tensor-native.node does not exist',
    );
  });

  it("selectBackend('native') throws the reason; 'auto' falls back to WASM and reports it", async () => {
    await expect(selectBackend('native')).rejects.toThrow(
      'selectBackend: no native backend: RECTIFIER_NATIVE_BINARY=/nonexistent/tensor-native.node does not exist',
    );
    const s = await selectBackend('auto', { gpu: { requestAdapter: async () => null }, threads: 1 });
    expect(s.name).toBe('wasm');
    expect(s.reason).toBe(
      'auto: no WebGPU adapter; no native backend (RECTIFIER_NATIVE_BINARY=/nonexistent/tensor-native.node does not exist)',
    );
    (s.backend as { close?: () => void }).close?.();
    setBackend(cpuBackend);
  });
});
