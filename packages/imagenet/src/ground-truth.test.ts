import { describe, expect, it } from 'vitest';
import { parseDevkitGroundTruth, parseIdMapping, parseLocValSolution, valFileName } from './ground-truth.js';

describe('ground truth parsing', () => {
  it('reads ID mappings in all three forms', () => {
    expect([...parseIdMapping('# meta\n1 n02119789 kit fox\n2,n02100735\n')]).toEqual([
      [1, 'n02119789'],
      [2, 'n02100735'],
    ]);
    expect(parseIdMapping('n02119789\nn02100735\n').get(2)).toBe('n02100735');
    expect(() => parseIdMapping('1 kitfox')).toThrow(/line 1: 'kitfox' is not a wnid/);
    expect(() => parseIdMapping('1 n00000001\n1 n00000002')).toThrow(/ID 1 appears twice/);
  });

  it('skips a header row (the devkit export ILSVRC2012_ID<TAB>wnid, or a csv header)', () => {
    expect([...parseIdMapping('ILSVRC2012_ID\twnid\n1\tn02119789\n2\tn02100735\n')]).toEqual([
      [1, 'n02119789'],
      [2, 'n02100735'],
    ]);
    expect([...parseIdMapping('# from meta.mat\nid,wnid\n1,n02119789\n')]).toEqual([[1, 'n02119789']]);
    expect(parseIdMapping('WNID\nn02119789\nn02100735\n').get(2)).toBe('n02100735');
    // only the first row may be a header
    expect(() => parseIdMapping('1 n02119789\nILSVRC2012_ID wnid')).toThrow(
      /line 2: 'ILSVRC2012_ID' is not a wnid/,
    );
  });

  it('maps devkit IDs (not sorted indices) to wnids and reports unknown IDs', () => {
    const map = parseIdMapping('1 n02119789\n2 n01440764');
    const r = parseDevkitGroundTruth('2\n1\n7\nx\n', map);
    expect(r.labels).toEqual([
      { file: 'ILSVRC2012_val_00000001.JPEG', wnid: 'n01440764' },
      { file: 'ILSVRC2012_val_00000002.JPEG', wnid: 'n02119789' },
    ]);
    expect(r.bad.map((b) => b.file)).toEqual([valFileName(3), valFileName(4)]);
    expect(r.bad[0].reason).toMatch(/ID 7 is not in the ID mapping/);
  });

  it('reads LOC_val_solution.csv', () => {
    const csv =
      'ImageId,PredictionString\nILSVRC2012_val_00008726,n02119789 255 142 454 329 n02119789 44 21 322 295\n';
    expect(parseLocValSolution(csv)).toEqual([{ file: 'ILSVRC2012_val_00008726.JPEG', wnid: 'n02119789' }]);
    expect(() => parseLocValSolution('a,b\n')).toThrow(/expected header 'ImageId,PredictionString'/);
  });
});
