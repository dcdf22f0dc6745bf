import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IdTable, PVec } from '../../../src/core/run/table';

describe('PVec (persistent vector)', () => {
  it('matches an array model across push/set, and old versions never change', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.record({ op: fc.constant('push' as const), v: fc.integer() }), fc.record({ op: fc.constant('set' as const), i: fc.nat(), v: fc.integer() })), { maxLength: 300 }),
        fc.nat({ max: 1100 }),
        (ops, initial) => {
          const start = Array.from({ length: initial }, (_, i) => -i);
          let v = PVec.from(start);
          let model = start.slice();
          const history: [PVec<number>, number[]][] = [[v, model.slice()]];
          for (const o of ops) {
            if (o.op === 'push') {
              v = v.push(o.v);
              model.push(o.v);
            } else if (model.length > 0) {
              const i = o.i % model.length;
              v = v.set(i, o.v);
              model = model.slice();
              model[i] = o.v;
            }
            history.push([v, model.slice()]);
          }
          for (const [ver, m] of history) {
            assert.equal(ver.size, m.length);
            assert.deepEqual([...ver], m);
            assert.equal(ver.get(m.length), undefined);
            assert.equal(ver.get(-1), undefined);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('grows through several trie levels by push alone', () => {
    let v = PVec.empty<number>();
    for (let i = 0; i < 40_000; i++) v = v.push(i);
    assert.equal(v.size, 40_000);
    for (const i of [0, 31, 32, 1023, 1024, 32767, 32768, 39_999]) assert.equal(v.get(i), i);
    assert.equal([...v].length, 40_000);
  });
});

describe('IdTable', () => {
  it('any string is an id, in insertion order; a repeated id keeps its first place', () => {
    const t = IdTable.from<number>([
      ['__proto__', 1],
      ['constructor', 2],
      ['toString', 3],
      ['__proto__', 4],
    ]);
    assert.deepEqual(t.order, ['__proto__', 'constructor', 'toString']);
    assert.equal(t.get('__proto__'), 4);
    assert.equal(t.get('valueOf'), undefined);
    assert.equal(t.has('hasOwnProperty'), false);
    const u = t.with('hasOwnProperty', 5).with('constructor', 6);
    assert.deepEqual([...u.entries()], [['__proto__', 4], ['constructor', 6], ['toString', 3], ['hasOwnProperty', 5]]);
    assert.equal(t.get('constructor'), 2);
    assert.equal(t.has('hasOwnProperty'), false);
    assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(u))), ['__proto__', 'constructor', 'toString', 'hasOwnProperty']);
  });
});
