import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { closest, editDistance } from '../../../src/core/suggest';

/** Plain recursive-definition OSA distance, memoized: the independent reference. */
function reference(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    d.push([]);
    for (let j = 0; j <= b.length; j++) {
      if (i === 0) d[i]![j] = j;
      else if (j === 0) d[i]![j] = i;
      else {
        let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
        d[i]![j] = v;
      }
    }
  }
  return d[a.length]![b.length]!;
}

describe('did-you-mean', () => {
  it('editDistance counts a transposition as one edit', () => {
    assert.equal(editDistance('tset', 'test'), 1);
    assert.equal(editDistance('build', 'biuld'), 1);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });

  it('editDistance equals the reference on random strings (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 8, unit: fc.constantFrom('a', 'b', 'c') }), fc.string({ maxLength: 8, unit: fc.constantFrom('a', 'b', 'c') }), (a, b) => {
        assert.equal(editDistance(a, b), reference(a, b));
        const lim = 2;
        const r = reference(a, b);
        assert.equal(editDistance(a, b, lim), r <= lim ? r : lim + 1);
      }),
    );
  });

  it('closest suggests near ids only, case differences first, ties in order', () => {
    assert.equal(closest('tset', ['lint', 'test', 'build']), 'test');
    assert.equal(closest('BUILD', ['builds', 'build']), 'build');
    assert.equal(closest('deploy', ['lint', 'test']), undefined);
    assert.equal(closest('a', ['b']), undefined);
    assert.equal(closest('lnt', ['lit', 'lint']), 'lit');
    assert.equal(closest('', ['a']), undefined);
  });
});
