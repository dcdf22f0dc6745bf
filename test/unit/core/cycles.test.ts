import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeText } from '../../../src/core/analyze';
import { cycleEdges, formatCycle, stronglyConnectedComponents } from '../../../src/core/cycles';

/** Random small graph: n actions, each with a list of dependency indices (may repeat, may be self). */
const smallGraph = fc
  .integer({ min: 1, max: 8 })
  .chain((n) => fc.tuple(fc.constant(n), fc.array(fc.array(fc.nat({ max: n - 1 }), { maxLength: 4 }), { minLength: n, maxLength: n })));

const id = (i: number) => `n${i}`;

function textOf(n: number, deps: number[][]): string {
  const actions = Array.from({ length: n }, (_, i) => `"${id(i)}": { "command": "x", "dependsOn": [${(deps[i] ?? []).map((d) => `"${id(d)}"`).join(', ')}] }`);
  return `{ "version": 1, "actions": {\n${actions.join(',\n')}\n} }`;
}

/** Brute force: reach[v] = nodes reachable from v by one or more edges. */
function reachability(n: number, deps: number[][]): boolean[][] {
  const r = Array.from({ length: n }, () => new Array<boolean>(n).fill(false));
  for (let s = 0; s < n; s++) {
    const stack = [...(deps[s] ?? [])];
    while (stack.length) {
      const x = stack.pop()!;
      if (r[s]![x]) continue;
      r[s]![x] = true;
      stack.push(...(deps[x] ?? []));
    }
  }
  return r;
}

/** Brute force BFS distance from a to b over edges without self-loops. */
function dist(n: number, deps: number[][], a: number, b: number): number {
  const d = new Array<number>(n).fill(-1);
  d[a] = 0;
  const q = [a];
  while (q.length) {
    const x = q.shift()!;
    for (const y of deps[x] ?? []) if (d[y] === -1) {
      d[y] = d[x]! + 1;
      q.push(y);
    }
  }
  return d[b]!;
}

function cycleOfMessage(message: string): string[] {
  const m = /^cycle: (.*)$/.exec(message);
  assert.ok(m, message);
  return m[1]!.split(' → ');
}

describe('cycles', () => {
  it('flags exactly the edges that lie on a cycle, with a shortest cycle through each (property, brute force)', () => {
    fc.assert(
      fc.property(smallGraph, ([n, deps]) => {
        const a = analyzeText(textOf(n, deps));
        const reach = reachability(n, deps);
        const expected = new Set<string>();
        let anyCycle = false;
        deps.forEach((ds, u) => {
          for (const v of ds) {
            if (u !== v && reach[v]![u]) {
              expected.add(`${id(u)}>${id(v)}`);
              anyCycle = true;
            }
          }
        });
        const cyc = a.diagnostics.filter((d) => d.code === 'cycle');
        assert.equal(cyc.length > 0, anyCycle);
        const flagged = cyc.map((d) => `${d.data!.action}>${d.data!.dependency}`);
        assert.equal(new Set(flagged).size, flagged.length, 'an edge flagged twice');
        assert.deepEqual(new Set(flagged), expected);
        for (const d of cyc) {
          const u = Number(d.data!.action!.slice(1));
          const v = Number(d.data!.dependency!.slice(1));
          const members = cycleOfMessage(d.message);
          assert.equal(members[0], id(u));
          assert.equal(members[1], id(v));
          assert.equal(members[members.length - 1], id(u));
          for (let k = 0; k + 1 < members.length; k++) {
            const x = Number(members[k]!.slice(1));
            const y = Number(members[k + 1]!.slice(1));
            assert.ok(deps[x]!.includes(y), `${members[k]} does not depend on ${members[k + 1]}`);
          }
          assert.equal(new Set(members.slice(0, -1)).size, members.length - 1, 'cycle repeats a member');
          assert.equal(members.length - 1, 1 + dist(n, deps, v, u), 'not a shortest cycle through the edge');
          // Related information: all members, on exactly one edge per cycle (issue 11, item 9).
          assert.ok(d.related.length === 0 || d.related.length === members.length - 1, 'related: none or every member');
          assert.equal(d.severity, 'error');
        }
        const byCycle = new Map<string, number>();
        for (const d of cyc) {
          const key = cycleOfMessage(d.message).slice(0, -1).sort().join(',');
          byCycle.set(key, (byCycle.get(key) ?? 0) + (d.related.length > 0 ? 1 : 0));
        }
        for (const [key, withRelated] of byCycle) assert.equal(withRelated, 1, `cycle {${key}}: related information on exactly one edge`);
      }),
      { numRuns: 600 },
    );
  });

  it('messages do not change when dependencies or actions are reordered (property)', () => {
    fc.assert(
      fc.property(
        smallGraph.chain(([n, deps]) =>
          fc.tuple(fc.constant(n), fc.constant(deps), fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: n, maxLength: n }), fc.nat()),
        ),
        ([n, deps, perm, seed]) => {
          const byEdge = (text: string) =>
            new Map(analyzeText(text).diagnostics.filter((d) => d.code === 'cycle').map((d) => [`${d.data!.action}>${d.data!.dependency}`, d.message]));
          const base = byEdge(textOf(n, deps));
          // reorder actions (keep names) and rotate each dependsOn list
          const names = perm.map((p) => p);
          const actions = names.map((i) => {
            const ds = [...deps[i]!];
            const r = ds.length ? seed % ds.length : 0;
            const rotated = [...ds.slice(r), ...ds.slice(0, r)];
            return `"${id(i)}": { "command": "x", "dependsOn": [${rotated.map((d) => `"${id(d)}"`).join(', ')}] }`;
          });
          const other = byEdge(`{ "version": 1, "actions": {\n${actions.join(',\n')}\n} }`);
          assert.deepEqual(new Map([...other].sort()), new Map([...base].sort()));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a 4-edge cycle: 4 short diagnostics, related information once (8 Problems rows, was 20)', () => {
    const cyc = analyzeText(textOf(4, [[1], [2], [3], [0]])).diagnostics.filter((d) => d.code === 'cycle');
    assert.deepEqual(cyc.map((d) => d.message), ['cycle: n0 → n1 → n2 → n3 → n0', 'cycle: n1 → n2 → n3 → n0 → n1', 'cycle: n2 → n3 → n0 → n1 → n2', 'cycle: n3 → n0 → n1 → n2 → n3']);
    assert.equal(cyc.reduce((rows, d) => rows + 1 + d.related.length, 0), 8);
  });

  it('reports every strongly connected component, not only the first', () => {
    const text = textOf(6, [[1], [0], [3], [2], [5], [4]]);
    const cyc = analyzeText(text).diagnostics.filter((d) => d.code === 'cycle');
    assert.equal(cyc.length, 6);
  });

  it('Tarjan finds components on a 100,000-node ring without recursion', () => {
    const n = 100_000;
    const adj = Array.from({ length: n }, (_, i) => [(i + 1) % n]);
    const { components } = stronglyConnectedComponents(adj);
    assert.equal(components.length, 1);
    assert.equal(components[0]!.length, n);
  });

  it('elides the middle of long cycles past 10 members and relates at most 20', () => {
    const n = 30;
    const deps = Array.from({ length: n }, (_, i) => [(i + 1) % n]);
    const a = analyzeText(textOf(n, deps));
    const d = a.diagnostics.find((x) => x.code === 'cycle' && x.data!.action === 'n0')!;
    assert.equal(d.message, "cycle: n0 → n1 → n2 → n3 → n4 → … (20 more) → n25 → n26 → n27 → n28 → n29 → n0");
    assert.equal(d.related.length, 20, 'the first edge in the file carries the members');
    assert.equal(a.diagnostics.filter((x) => x.code === 'cycle' && x.related.length > 0).length, 1, 'and only it');
    assert.equal(a.diagnostics.filter((x) => x.code === 'cycle').length, n);
  });

  it('a 10-member cycle is shown in full', () => {
    const n = 10;
    const a = analyzeText(textOf(n, Array.from({ length: n }, (_, i) => [(i + 1) % n])));
    const d = a.diagnostics.find((x) => x.code === 'cycle' && x.data!.action === 'n3')!;
    assert.equal(d.message, "cycle: n3 → n4 → n5 → n6 → n7 → n8 → n9 → n0 → n1 → n2 → n3");
  });

  it('a huge component falls back to a (not necessarily shortest) valid cycle per edge, quickly', () => {
    const n = 5000;
    const adj = Array.from({ length: n }, (_, i) => [(i + 1) % n, (i + 7) % n]);
    const names = adj.map((_, i) => `a${i}`);
    const { edges } = cycleEdges(adj, names);
    assert.equal(edges.length, 2 * n);
    for (const e of edges.slice(0, 50).concat(edges.slice(-50))) {
      const seq = [...e.cycle.head, ...e.cycle.tail];
      assert.equal(seq[0], e.from);
      assert.equal(seq[1], e.to);
      // consecutive members of head (and of tail) are edges; the tail ends at a node that depends on `from`
      for (const part of [e.cycle.head, e.cycle.tail]) {
        for (let k = 0; k + 1 < part.length; k++) assert.ok(adj[part[k]!]!.includes(part[k + 1]!));
      }
      const last = e.cycle.tail.length ? e.cycle.tail[e.cycle.tail.length - 1]! : e.cycle.head[e.cycle.head.length - 1]!;
      assert.ok(adj[last]!.includes(e.from));
      assert.ok(e.cycle.total >= seq.length);
      assert.match(formatCycle(e.cycle, (i) => names[i]!), /^a\d+ → a\d+ → .* → a\d+$/);
    }
  });
});
