import { randn } from '@rectifier/tensor';
import { describe, expect, it } from 'vitest';
import { Linear } from './layers/linear';
import { ReLU } from './layers/relu';
import { Sequential } from './sequential';

describe('Sequential', () => {
  it('applies children in order; positional children are named 0, 1, …', () => {
    const net = new Sequential(
      new Linear({ inFeatures: 4, outFeatures: 8 }),
      new ReLU(),
      new Linear({ inFeatures: 8, outFeatures: 2 }),
    );
    expect(net.call(randn([3, 4])).shape).toEqual([3, 2]);
    expect(net.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(net.length).toBe(3);
    expect(net.get(-1)).toBeInstanceOf(Linear);
    expect([...net].map((m) => m.typeName)).toEqual(['Linear', 'ReLU', 'Linear']);
  });

  it('named children from a record; append; get by name', () => {
    const net = new Sequential({ fc1: new Linear({ inFeatures: 2, outFeatures: 2 }), fc1_relu: new ReLU() });
    net.append(new Linear({ inFeatures: 2, outFeatures: 1 }), 'fc2');
    expect(net.namedChildren().map(([n]) => n)).toEqual(['fc1', 'fc1_relu', 'fc2']);
    expect(net.get('fc2')).toBeInstanceOf(Linear);
    expect(Object.keys(net.stateDict())).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
  });

  it('rejects duplicates, dotted names, non-modules and unknown children', () => {
    const net = new Sequential({ a: new ReLU() });
    expect(() => net.append(new ReLU(), 'a')).toThrow(/duplicate name 'a'/);
    expect(() => net.append(new ReLU(), 'a.b')).toThrow(/invalid name 'a.b'/);
    expect(() => net.append({} as never)).toThrow(/'1' is not a Module/);
    expect(() => net.get('b')).toThrow(/no child named 'b' \(have: a\)/);
    expect(() => net.get(3)).toThrow(/index 3 out of range for 1 children/);
  });
});
