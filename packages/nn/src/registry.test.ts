import { describe, expect, it } from 'vitest';
import { buildLayer } from './build';
import { conv2dLayer } from './layers/conv2d';
import { builtinLayers } from './layers/index';
import { layerDefinition, layerTypes, registerLayer } from './registry';
import { inferLayer, specParameters } from './spec';

describe('the layer registry', () => {
  it('holds every built-in layer under its spec type, with its class name', () => {
    expect(layerTypes().slice(0, builtinLayers().length)).toEqual(builtinLayers().map((d) => d.type));
    for (const d of builtinLayers()) {
      expect(layerDefinition(d.type)).toBe(d);
      expect(d.className).toMatch(/^[A-Z]/);
    }
  });

  it('refuses a taken type, a definition without fromSpec/infer, and names unknown types', () => {
    expect(() => registerLayer({ ...conv2dLayer })).toThrow(
      /registerLayer: layer type 'conv2d' is already registered \(by Conv2d\)/,
    );
    expect(() => registerLayer(conv2dLayer)).not.toThrow(); // the same definition again is a no-op
    expect(() =>
      registerLayer({ type: 'x', className: 'X', infer: () => ({ outputShape: [] }) } as never),
    ).toThrow(/'x' needs a fromSpec function/);
    expect(() => registerLayer({ type: '' } as never)).toThrow(/type must be a non-empty string/);
    expect(() => inferLayer({ type: 'nope' }, [1])).toThrow(
      /inferLayer: unknown layer spec 'nope' \(registered types: conv2d, /,
    );
    expect(() => specParameters({ type: 'nope' })).toThrow(/specParameters: unknown layer spec 'nope'/);
  });

  it('a registered layer builds, infers and counts parameters through the same functions', () => {
    registerLayer<{ type: 'twice'; n: number }>({
      type: 'twice',
      className: 'Twice',
      fromSpec: () => buildLayer({ type: 'relu' }),
      infer: (spec, [x], fail) => {
        if (x.length !== 2) fail('expects [N, F]');
        return { outputShape: [x[0], x[1] * 2], multiplyAdds: x[0] * x[1] * spec.n };
      },
      parameters: (spec) => spec.n,
    });
    expect(inferLayer({ type: 'twice', n: 3 } as never, [2, 5])).toEqual({
      outputShape: [2, 10],
      parameters: 3,
      multiplyAdds: 30,
    });
    expect(() => inferLayer({ type: 'twice', n: 3 } as never, [2, 5, 1], 'head')).toThrow(
      /head \(twice\): expects \[N, F\] \(input \[2, 5, 1\]\)/,
    );
    expect(layerTypes()).toContain('twice');
  });
});
