// oneDNN rejecting a configuration sends the call to the CPU kernel (and frees the unused output);
// any other error reaches the caller.
import { allocCpuStorage, cpuBackend } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { withFallback } from './fallback.js';

describe('withFallback', () => {
  it('returns the native result when the kernel succeeds', () => {
    const out = allocCpuStorage('float32', 4);
    let ran = false;
    const r = withFallback(
      out,
      () => {
        ran = true;
      },
      () => cpuBackend.fill(4, 'float32', 1),
    );
    expect(ran).toBe(true);
    expect(r).toBe(out);
    cpuBackend.dispose(out);
  });

  it('runs the CPU kernel and frees the output when oneDNN rejects the call', () => {
    const before = cpuBackend.memory().storages;
    const out = allocCpuStorage('float32', 4);
    const r = withFallback(
      out,
      () => {
        throw new Error('conv2d: oneDNN: could not create a primitive descriptor iterator');
      },
      () => cpuBackend.fill(4, 'float32', 7),
    );
    expect(r).not.toBe(out);
    expect(Array.from((r as unknown as { data: Float32Array }).data)).toEqual([7, 7, 7, 7]);
    expect(cpuBackend.memory().storages).toBe(before + 1);
    cpuBackend.dispose(r);
  });

  it('passes any other error through', () => {
    const out = allocCpuStorage('float32', 4);
    expect(() =>
      withFallback(
        out,
        () => {
          throw new Error('tensor-native: x holds 3 elements, the kernel needs 4');
        },
        () => cpuBackend.fill(4, 'float32', 0),
      ),
    ).toThrow('x holds 3 elements');
    cpuBackend.dispose(out);
  });
});
