import { describe, expect, it } from 'vitest';
import { ClassTable, imagenetClasses, isWnid } from './classes.js';

describe('imagenetClasses', () => {
  it('has the 1000 classes in sorted-wnid order with known anchors', () => {
    const t = imagenetClasses();
    expect(t.size).toBe(1000);
    expect([...t.ids].sort()).toEqual([...t.ids]);
    expect(t.id(0)).toBe('n01440764');
    expect(t.name(0)).toBe('tench, Tinca tinca');
    expect(t.indexOf('n01443537')).toBe(1);
    expect(t.id(999)).toBe('n15075141');
    expect(t.name(999)).toMatch(/^toilet tissue/);
    expect(t.ids.every(isWnid)).toBe(true);
    expect(t.indexOf('n99999999')).toBe(-1);
    expect(() => t.name(1000)).toThrow(/outside \[0, 1000\)/);
  });

  it('ClassTable rejects duplicates and mismatched names', () => {
    expect(() => new ClassTable(['a', 'a'])).toThrow(/duplicate class id 'a'/);
    expect(() => new ClassTable(['a'], ['x', 'y'])).toThrow(/1 ids but 2 names/);
    expect(new ClassTable(['cat', 'dog']).list()).toEqual([
      { index: 0, id: 'cat', name: 'cat' },
      { index: 1, id: 'dog', name: 'dog' },
    ]);
  });
});
