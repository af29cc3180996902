import { describe, expect, it } from 'vitest';
import { applyTransform } from '../transform.js';
import { scaleInputToTensor, stack, toTensors } from './index.js';

describe('@rectifier/imagenet/batch', () => {
  it('wraps a batch as NCHW float32 and int32 labels', async () => {
    const data = Float32Array.from({ length: 2 * 3 * 2 * 2 }, (_, i) => i / 2);
    const { input, target } = toTensors({ data, shape: [2, 3, 2, 2], labels: Int32Array.from([7, 1]) });
    expect(input.shape).toEqual([2, 3, 2, 2]);
    expect(input.dtype).toBe('float32');
    expect(target.shape).toEqual([2]);
    expect(target.dtype).toBe('int32');
    expect([...(await input.data())]).toEqual([...data]);
    expect([...(await target.data())]).toEqual([7, 1]);
    expect(() => toTensors({ data, shape: [2, 3, 2, 3], labels: [1, 2] })).toThrow(/needs 36/);
    expect(() => toTensors({ data, shape: [2, 3, 2, 2], labels: [1, 2, 3] })).toThrow(
      /3 labels do not divide the batch of 2/,
    );
  });

  it('stacks transformed samples', async () => {
    const img = { data: new Uint8Array(40 * 40 * 3).fill(128), width: 40, height: 40 };
    const t = { kind: 'center', resize: 40, cropSize: 32 } as const;
    const xs = [applyTransform(img, t, 0, 0, 0), applyTransform(img, t, 0, 0, 1)];
    const { input, target } = stack(xs, [3, 32, 32], [3, 4]);
    expect(input.shape).toEqual([2, 3, 32, 32]);
    expect((await input.data())[3 * 32 * 32]).toBeCloseTo(128 - 0.485 * 255, 4);
    expect([...(await target.data())]).toEqual([3, 4]);
    expect(scaleInputToTensor({ data: new Float32Array(3 * 4 * 5), height: 4, width: 5 }).shape).toEqual([
      1, 3, 4, 5,
    ]);
  });
});
