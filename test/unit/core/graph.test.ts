import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeText } from '../../../src/core/analyze';
import { criticalPath, dependents, selectionClosure, topologicalOrder } from '../../../src/core/graph';
import type { Graph } from '../../../src/core/model';

const id = (i: number) => `n${i}`;

function graphOf(n: number, deps: number[][]): Graph {
  const actions = Array.from({ length: n }, (_, i) => `"${id(i)}": { "command": "x", "dependsOn": [${(deps[i] ?? []).map((d) => `"${id(d)}"`).join(', ')}] }`);
  return analyzeText(`{ "version": 1, "actions": {${actions.join(',')}} }`).graph;
}

const anyGraph = fc
  .integer({ min: 1, max: 9 })
  .chain((n) => fc.tuple(fc.constant(n), fc.array(fc.array(fc.nat({ max: n - 1 }), { maxLength: 4 }), { minLength: n, maxLength: n })));

/** DAGs: action i depends only on a permutation-earlier action. */
const dag = fc.integer({ min: 1, max: 9 }).chain((n) =>
  fc.tuple(
    fc.constant(n),
    fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: n, maxLength: n }),
    fc.array(fc.array(fc.nat({ max: 100 }), { maxLength: 3 }), { minLength: n, maxLength: n }),
    fc.array(fc.integer({ min: 0, max: 20 }), { minLength: n, maxLength: n }),
  ).map(([n, rank, picks, durations]) => {
    // rank[i] is i's position; i may depend on j when rank[j] < rank[i]
    const deps = picks.map((ps, i) => {
      const earlier = Array.from({ length: n }, (_, j) => j).filter((j) => rank[j]! < rank[i]!);
      return earlier.length ? ps.map((p) => earlier[p % earlier.length]!) : [];
    });
    return { n, deps, durations };
  }),
);

describe('graph algorithms', () => {
  it('selectionClosure = the ids plus everything reachable (property, brute force)', () => {
    fc.assert(
      fc.property(anyGraph, fc.array(fc.nat({ max: 12 }), { maxLength: 3 }), ([n, deps], picks) => {
        const g = graphOf(n, deps);
        const ids = picks.map(id); // some may be unknown (>= n)
        // brute force fixpoint over the raw edge lists (self edges are harmless)
        const want = new Set(ids.filter((x) => Number(x.slice(1)) < n));
        for (let changed = true; changed; ) {
          changed = false;
          for (const x of [...want]) for (const d of deps[Number(x.slice(1))]!) if (!want.has(id(d))) {
            want.add(id(d));
            changed = true;
          }
        }
        assert.deepEqual([...selectionClosure(g, ids)].sort(), [...want].sort());
      }),
      { numRuns: 400 },
    );
  });

  it('topologicalOrder = greedy "first free action in file order", cycles appended (property, brute force)', () => {
    fc.assert(
      fc.property(anyGraph, fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }), ([n, deps], mask) => {
        const g = graphOf(n, deps);
        const subset = new Set(Array.from({ length: n }, (_, i) => i).filter((i) => mask[i]).map(id));
        for (const sel of [undefined, subset]) {
          const inSel = (i: number) => !sel || sel.has(id(i));
          const out: number[] = [];
          const done = new Set<number>();
          for (;;) {
            const free = Array.from({ length: n }, (_, i) => i).find(
              (i) => inSel(i) && !done.has(i) && deps[i]!.every((d) => d === i || !inSel(d) || done.has(d)),
            );
            if (free === undefined) break;
            done.add(free);
            out.push(free);
          }
          for (let i = 0; i < n; i++) if (inSel(i) && !done.has(i)) out.push(i);
          assert.deepEqual(topologicalOrder(g, sel), out.map(id));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('dependents lists direct dependents in file order', () => {
    const g = graphOf(4, [[], [0], [0, 1], [1, 1]]);
    assert.deepEqual([...dependents(g)], [
      ['n0', ['n1', 'n2']],
      ['n1', ['n2', 'n3']],
      ['n2', []],
      ['n3', []],
    ]);
  });

  it('criticalPath: remaining and longest chain on DAGs (property, brute force)', () => {
    fc.assert(
      fc.property(dag, ({ n, deps, durations }) => {
        const g = graphOf(n, deps);
        const dur = (x: string) => durations[Number(x.slice(1))]!;
        const memo = new Map<number, number>();
        const rem = (i: number): number => {
          const m = memo.get(i);
          if (m !== undefined) return m;
          let best = 0;
          for (let j = 0; j < n; j++) if (deps[j]!.includes(i)) best = Math.max(best, rem(j));
          const r = durations[i]! + best;
          memo.set(i, r);
          return r;
        };
        const cp = criticalPath(g, dur);
        for (let i = 0; i < n; i++) assert.equal(cp.remaining.get(id(i)), rem(i));
        const longest = Math.max(...Array.from({ length: n }, (_, i) => rem(i)));
        assert.equal(cp.length, longest);
        assert.equal(cp.path.reduce((s, x) => s + dur(x), 0), longest);
        for (let k = 0; k + 1 < cp.path.length; k++) assert.ok(g.byId.get(cp.path[k + 1]!)!.deps.includes(cp.path[k]!));
        assert.equal(cp.remaining.get(cp.path[0]!), longest);
      }),
      { numRuns: 400 },
    );
  });

  it('criticalPath is finite on cycles and respects the selection', () => {
    const g = graphOf(4, [[1], [0], [1], []]);
    const cp = criticalPath(g, () => 1);
    for (const v of cp.remaining.values()) assert.ok(Number.isFinite(v));
    const sel = criticalPath(g, () => 2, new Set(['n3']));
    assert.deepEqual(sel.path, ['n3']);
    assert.equal(sel.length, 2);
    assert.deepEqual([...sel.remaining.keys()], ['n3']);
  });

  it('handles a 10,000-action chain and a wide graph iteratively', () => {
    const n = 10_000;
    const g = graphOf(n, Array.from({ length: n }, (_, i) => (i ? [i - 1] : [])));
    assert.equal(topologicalOrder(g)[n - 1], id(n - 1));
    assert.equal(criticalPath(g, () => 1).length, n);
    assert.equal(selectionClosure(g, [id(n - 1)]).size, n);
  });
});
