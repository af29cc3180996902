import { noGrad, Parameter, tensor } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { PReLU } from './prelu';

describe('PReLU', () => {
  it('Eq. 1 channel-wise: f(y) = y for y > 0, a_c·y for y <= 0 (axis 1)', async () => {
    const act = new PReLU({ numParameters: 2 });
    noGrad(() => act.weight.assign(tensor([0.25, -0.5])));
    const x = tensor([[[[-2, 0]], [[3, -4]]]]); // [1, 2, 1, 2]
    expect(Array.from(await act.call(x).data())).toEqual([-0.5, 0, 3, 2]);
  });

  it('channel-shared (default numParameters 1, init 0.25) and 1-D inputs use axis 0', async () => {
    const act = new PReLU();
    expect(act.weight.shape).toEqual([1]);
    expect(Array.from(await act.weight.data())).toEqual([0.25]);
    expect(
      Array.from(
        await act
          .call(
            tensor([
              [-4, 4],
              [8, -8],
            ]),
          )
          .data(),
      ),
    ).toEqual([-1, 4, 8, -2]);
    const cw = new PReLU({ numParameters: 3, init: 0.5 });
    expect(Array.from(await cw.call(tensor([-2, 2, -4])).data())).toEqual([-1, 2, -2]);
  });

  it('gradients: dx = a·dy at y <= 0 (also at exactly 0), da = Σ y·dy over y <= 0 (Eqs. 2-4)', async () => {
    const act = new PReLU({ numParameters: 2 });
    const x = new Parameter(
      tensor([
        [[[-2, 0]], [[3, -4]]],
        [[[1, -1]], [[0, 5]]],
      ]),
    ); // [2, 2, 1, 2]
    // A distinct upstream gradient per element (not ones), so a rule that ignores dy fails.
    const dy = [0.5, -3, 2, 7, 1.5, 4, -0.25, 6];
    act
      .call(x)
      .mul(tensor(dy, { shape: [2, 2, 1, 2] }))
      .sum()
      .backward();
    const a = [0.25, 0.25];
    const xs = [-2, 0, 3, -4, 1, -1, 0, 5];
    const channel = (i: number) => Math.floor(i / 2) % 2;
    expect(Array.from(await x.grad!.data())).toEqual(
      xs.map((v, i) => (v > 0 ? dy[i] : a[channel(i)] * dy[i])),
    );
    // channel 0: x <= 0 at -2 (dy 0.5), 0 (dy -3), -1 (dy 4); channel 1: -4 (dy 7), 0 (dy -0.25)
    expect(Array.from(await act.weight.grad!.data())).toEqual([
      -2 * 0.5 + 0 * -3 + -1 * 4,
      -4 * 7 + 0 * -0.25,
    ]);
  });

  it('slopes are excluded from weight decay, never clamped, and printed like PyTorch', async () => {
    const act = new PReLU({ numParameters: 64 });
    expect(act.weight).toBeInstanceOf(Parameter);
    expect(act.weight.weightDecay).toBe(false);
    expect(act.toString()).toBe('PReLU(numParameters=64)');
    expect(act.spec).toEqual({ type: 'prelu', numParameters: 64, init: 0.25 });
    const neg = new PReLU({ init: -1.5 });
    expect(Array.from(await neg.call(tensor([-2])).data())).toEqual([3]);
  });

  it('rejects a slope count that is neither 1 nor the channel count', () => {
    const act = new PReLU({ numParameters: 3 });
    expect(() => act.call(tensor([[1, 2, 3, 4]]))).toThrow(
      /PReLU \(prelu\): has 3 slopes but the input has 4 channels \(dim 1\)/,
    );
    expect(() => new PReLU({ numParameters: 0 })).toThrow(/numParameters must be an integer >= 1/);
    expect(() => new PReLU({ init: Number.NaN })).toThrow(/init must be a finite number/);
    expect(() => new PReLU({ num_parameters: 3 } as never)).toThrow(/unknown option 'num_parameters'/);
  });
});
