import * as assert from 'node:assert/strict';
import { analyzeText, hasErrors } from '../../../src/core/analyze';
import {
  MAX_COMBINATIONS,
  escapeValue,
  expandGraph,
  expansions,
  parseSelector,
  resolveRequested,
  selectorMatches,
  substitute,
} from '../../../src/core/matrix';
import type { Graph } from '../../../src/core/model';
import { planRun } from '../../../src/core/run/plan';

function graphOf(actions: Record<string, unknown>, extra: Record<string, unknown> = {}): { graph: Graph; text: string; diagnostics: ReturnType<typeof analyzeText>['diagnostics'] } {
  const text = JSON.stringify({ version: 1, ...extra, actions }, null, 2);
  const a = analyzeText(text);
  return { graph: a.graph, text, diagnostics: a.diagnostics };
}

const at = (text: string, d: { span: { offset: number; length: number } }): string => text.slice(d.span.offset, d.span.offset + d.span.length);

describe('matrix: expansion ids and order', () => {
  it('one expansion per combination, axes in written order, the first axis varying slowest', () => {
    const { graph, diagnostics } = graphOf({ test: { command: 'x', matrix: { python: ['3.11', '3.12'], os: ['linux', 'mac'] } } });
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(
      expansions(graph.byId.get('test')!).map((e) => e.id),
      ['test[python=3.11,os=linux]', 'test[python=3.11,os=mac]', 'test[python=3.12,os=linux]', 'test[python=3.12,os=mac]'],
    );
    assert.deepEqual({ ...expansions(graph.byId.get('test')!)[1]!.values }, { python: '3.11', os: 'mac' });
  });

  it('an action without a matrix has one expansion: itself', () => {
    const { graph } = graphOf({ lint: { command: 'x' } });
    assert.deepEqual(expansions(graph.byId.get('lint')!).map((e) => e.id), ['lint']);
  });

  it('numbers are values as JavaScript prints them', () => {
    const { graph } = graphOf({ t: { command: 'x', matrix: { n: [1, 2.5] } } });
    assert.deepEqual(expansions(graph.byId.get('t')!).map((e) => e.id), ['t[n=1]', 't[n=2.5]']);
  });

  it('exclude removes every combination an entry matches (partial entries match more)', () => {
    const { graph, diagnostics } = graphOf({
      t: { command: 'x', matrix: { a: ['1', '2', '3'], b: ['x', 'y'], exclude: [{ a: '2' }, { a: '3', b: 'y' }] } },
    });
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(expansions(graph.byId.get('t')!).map((e) => e.id), ['t[a=1,b=x]', 't[a=1,b=y]', 't[a=3,b=x]']);
  });

  it('include adds combinations (new values of declared axes too), after exclude, without repeats', () => {
    const { graph, diagnostics } = graphOf({
      t: {
        command: 'x',
        matrix: { a: ['1', '2'], b: ['x'], exclude: [{ a: '2' }], include: [{ a: '2', b: 'x' }, { b: 'z', a: '9' }, { a: '1', b: 'x' }] },
      },
    });
    assert.deepEqual(diagnostics, []);
    // include wins over exclude (processed after it); {a:1,b:x} is already there; keys in any order.
    assert.deepEqual(expansions(graph.byId.get('t')!).map((e) => e.id), ['t[a=1,b=x]', 't[a=2,b=x]', 't[a=9,b=z]']);
    assert.deepEqual(selectorMatches(graph, 't[a=9]'), ['t[a=9,b=z]']);
  });

  it('escapes \\ , = [ ] in values; selectors read the escapes back', () => {
    assert.equal(escapeValue('a,b=c]d[e\\f'), 'a\\,b\\=c\\]d\\[e\\\\f');
    const { graph } = graphOf({ t: { command: 'echo ${matrix.v}', matrix: { v: ['a,b', 'x]y', 'p=q', 'plain'] } } });
    const ids = expansions(graph.byId.get('t')!).map((e) => e.id);
    assert.deepEqual(ids, ['t[v=a\\,b]', 't[v=x\\]y]', 't[v=p\\=q]', 't[v=plain]']);
    for (const id of ids) assert.deepEqual(selectorMatches(graph, id), [id], id);
    const sel = parseSelector('t[v=a\\,b]');
    assert.ok(sel.ok);
    assert.deepEqual(sel.parts.map((p) => p.value), ['a,b']);
    // The substituted command gets the raw value, not the escaped one.
    const x = expandGraph(graph).byId.get('t[v=a\\,b]')!;
    assert.deepEqual(x.command, { kind: 'shell', line: 'echo a,b' });
  });
});

describe('matrix: substitution in the expanded graph', () => {
  it('substitutes ${matrix.x} in command (shell and argv), cwd, env values, inputs, outputs, description', () => {
    const { graph, diagnostics } = graphOf(
      {
        build: { command: 'make' },
        test: {
          command: 'pytest --py ${matrix.python} ${matrix.python}',
          cwd: 'pkg/${matrix.os}',
          env: { PY: 'python${matrix.python}', FIXED: 'same' },
          inputs: ['src/${matrix.os}/**'],
          outputs: ['out/${matrix.python}.xml'],
          description: 'tests on ${matrix.os}',
          dependsOn: ['build'],
          matrix: { python: ['3.11'], os: ['linux', 'mac'] },
        },
        argv: { command: ['echo', '${matrix.v}'], matrix: { v: ['a b'] } },
      },
      { defaults: { env: { CI: '1' } } },
    );
    assert.deepEqual(diagnostics, []);
    const g = expandGraph(graph);
    assert.equal(g.expandedFrom, graph);
    assert.deepEqual(g.actions.map((a) => [a.id, a.index]), [
      ['build', 0],
      ['test[python=3.11,os=linux]', 1],
      ['test[python=3.11,os=mac]', 2],
      ['argv[v=a b]', 3],
    ]);
    const mac = g.byId.get('test[python=3.11,os=mac]')!;
    assert.deepEqual(mac.command, { kind: 'shell', line: 'pytest --py 3.11 3.11' });
    assert.equal(mac.cwd, 'pkg/mac');
    assert.deepEqual({ ...mac.env }, { CI: '1', PY: 'python3.11', FIXED: 'same' });
    assert.deepEqual(mac.inputs, ['src/mac/**']);
    assert.deepEqual(mac.outputs, ['out/3.11.xml']);
    assert.equal(mac.description, 'tests on mac');
    assert.deepEqual(mac.deps, ['build']);
    assert.equal(mac.matrix, undefined);
    assert.deepEqual(mac.expansionOf && { action: mac.expansionOf.action, values: { ...mac.expansionOf.values } }, { action: 'test', values: { python: '3.11', os: 'mac' } });
    assert.deepEqual(g.byId.get('argv[v=a b]')!.command, { kind: 'argv', argv: ['echo', 'a b'] });
    // Idempotent; a graph without matrices is returned as is.
    assert.equal(expandGraph(g), g);
    const plain = graphOf({ a: { command: 'x' } }).graph;
    assert.equal(expandGraph(plain), plain);
  });

  it('substitute leaves references to no axis as written', () => {
    assert.equal(substitute('${matrix.a}-${matrix.b}-${matrix.a}', Object.assign(Object.create(null), { a: '1' })), '1-${matrix.b}-1');
    assert.equal(substitute('${matrix.__proto__}', Object.create(null)), '${matrix.__proto__}');
  });
});

describe('matrix: selectors in dependsOn', () => {
  const { graph, diagnostics } = graphOf({
    test: { command: 'x', matrix: { python: ['3.11', '3.12'], os: ['linux', 'mac'] } },
    all: { command: 'x', dependsOn: ['test'] },
    py311: { command: 'x', dependsOn: ['test[python=3.11]'] },
    both: { command: 'x', dependsOn: ['test[os=mac,python=3.12]', 'test[python=3.11]', 'test'] },
  });

  it('validates without diagnostics; the source graph has one edge per dependency on the action as written', () => {
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(graph.byId.get('both')!.deps, ['test']);
  });

  it('"test" is every expansion; "test[python=3.11]" every expansion with that value; repeats are merged', () => {
    const g = expandGraph(graph);
    assert.deepEqual(g.byId.get('all')!.deps, ['test[python=3.11,os=linux]', 'test[python=3.11,os=mac]', 'test[python=3.12,os=linux]', 'test[python=3.12,os=mac]']);
    assert.deepEqual(g.byId.get('py311')!.deps, ['test[python=3.11,os=linux]', 'test[python=3.11,os=mac]']);
    assert.deepEqual(g.byId.get('both')!.deps, ['test[python=3.12,os=mac]', 'test[python=3.11,os=linux]', 'test[python=3.11,os=mac]', 'test[python=3.12,os=linux]']);
  });

  it('selectorMatches works on the source and on the expanded graph', () => {
    assert.deepEqual(selectorMatches(graph, 'test[os=linux]'), ['test[python=3.11,os=linux]', 'test[python=3.12,os=linux]']);
    assert.deepEqual(selectorMatches(expandGraph(graph), 'test[os=linux]'), ['test[python=3.11,os=linux]', 'test[python=3.12,os=linux]']);
    assert.deepEqual(selectorMatches(graph, 'test[os=windows]'), []);
    assert.deepEqual(selectorMatches(graph, 'nope'), []);
    assert.deepEqual(selectorMatches(graph, 'all'), ['all']);
  });

  it('planRun accepts action ids, selectors and expansion ids; names that select nothing are unknown', () => {
    const p = planRun(graph, ['py311'], new Map());
    assert.deepEqual(p.selection, ['test[python=3.11,os=linux]', 'test[python=3.11,os=mac]', 'py311']);
    assert.deepEqual(p.jobs.map((j) => [j.id, j.actionId]), [
      ['test[python=3.11,os=linux]', 'test'],
      ['test[python=3.11,os=mac]', 'test'],
      ['py311', 'py311'],
    ]);
    assert.deepEqual(p.jobs[2]!.deps, ['test[python=3.11,os=linux]', 'test[python=3.11,os=mac]']);
    assert.deepEqual(planRun(graph, ['test[os=mac]'], new Map()).selection, ['test[python=3.11,os=mac]', 'test[python=3.12,os=mac]']);
    assert.deepEqual(planRun(graph, ['test[python=3.12,os=linux]'], new Map(), true).selection, ['test[python=3.12,os=linux]']);
    assert.deepEqual(planRun(graph, ['test[os=bsd]', 'tset', 'all'], new Map()).unknown, ['test[os=bsd]', 'tset']);
    assert.equal(planRun(graph, [], new Map()).jobs.length, 4 + 3);
    assert.deepEqual(resolveRequested(expandGraph(graph), ['test[python=3.11,os=mac]']).ids, ['test[python=3.11,os=mac]']);
  });

  it('a cycle through a selector is reported on the selector string, as written', () => {
    const { text, diagnostics: d } = graphOf({
      test: { command: 'x', dependsOn: ['report'], matrix: { os: ['linux'] } },
      report: { command: 'x', dependsOn: ['test[os=linux]'] },
    });
    const cycles = d.filter((x) => x.code === 'cycle');
    assert.deepEqual(cycles.map((x) => [at(text, x), x.message]), [
      ['"report"', 'cycle: test → report → test'],
      ['"test[os=linux]"', 'cycle: report → test → report'],
    ]);
  });

  it('a matrix action selecting its own expansions is a self-dependency', () => {
    const { text, diagnostics: d } = graphOf({ test: { command: 'x', dependsOn: ['test[os=linux]'], matrix: { os: ['linux', 'mac'] } } });
    assert.deepEqual(d.map((x) => [x.code, at(text, x)]), [['self-dependency', '"test[os=linux]"']]);
  });
});

describe('matrix: diagnostics', () => {
  it('more than MAX_COMBINATIONS combinations: one error on the "matrix" key, and no expansion', () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
    const { graph, text, diagnostics } = graphOf({ t: { command: 'x', matrix: { a: values(101), b: values(100) } }, u: { command: 'x', dependsOn: ['t[a=v1]'] } });
    assert.equal(MAX_COMBINATIONS, 10_000);
    assert.deepEqual(diagnostics.map((d) => [d.code, d.severity, at(text, d)]), [['matrix-too-large', 'error', '"matrix"']]);
    assert.equal(diagnostics[0]!.message, "the matrix of action 't' has 101 × 100 = 10,100 combinations; at most 10,000 are allowed per action");
    assert.deepEqual(expansions(graph.byId.get('t')!), []);
    // Exactly the limit is fine.
    const ok = graphOf({ t: { command: 'x', matrix: { a: values(100), b: values(100) } } });
    assert.deepEqual(ok.diagnostics, []);
    assert.equal(expansions(ok.graph.byId.get('t')!).length, 10_000);
  });

  it("'matrix' in defaults is an error on its key", () => {
    const { text, diagnostics } = graphOf({ t: { command: 'x' } }, { defaults: { matrix: { a: ['1'] } } });
    assert.deepEqual(diagnostics.map((d) => [d.code, at(text, d), d.message]), [['schema', '"matrix"', "'matrix' cannot be set in defaults"]]);
  });

  it('unknown-dependency on a selector suggests the closest action with the same selector (quick fix data)', () => {
    const { diagnostics } = graphOf({ test: { command: 'x', matrix: { os: ['linux'] } }, r: { command: 'x', dependsOn: ['tset[os=linux]'] } });
    assert.deepEqual(diagnostics.map((d) => [d.code, d.data]), [['unknown-dependency', { action: 'r', dependency: 'tset[os=linux]', suggestion: 'test[os=linux]' }]]);
  });

  it('a graph with matrix errors does not run (hasErrors)', () => {
    const { diagnostics } = graphOf({ t: { command: 'x', matrix: { a: [] } } });
    assert.ok(hasErrors(diagnostics));
  });

  it('a range inside a string with escapes falls back to the whole string', () => {
    const text = '{"version":1,"actions":{"t":{"command":"echo \\"${matrix.nope}\\"","matrix":{"a":["1"]}}}}';
    const d = analyzeText(text).diagnostics;
    assert.deepEqual(d.map((x) => [x.code, at(text, x)]), [['unknown-matrix-axis', '"echo \\"${matrix.nope}\\""']]);
  });
});

describe('matrix: a 20 × 20 × 5 matrix', () => {
  it('expands to 2,000 actions with correct ids, substitution and dependencies, and validates', () => {
    const axis = (p: string, n: number) => Array.from({ length: n }, (_, i) => `${p}${i}`);
    const { graph, diagnostics } = graphOf({
      prep: { command: 'true' },
      big: { command: 'echo ${matrix.a} ${matrix.b} ${matrix.c}', dependsOn: ['prep'], matrix: { a: axis('a', 20), b: axis('b', 20), c: axis('c', 5) } },
      some: { command: 'true', dependsOn: ['big[a=a3,c=c4]'] },
      all: { command: 'true', dependsOn: ['big'] },
    });
    assert.deepEqual(diagnostics, []);
    const g = expandGraph(graph);
    assert.equal(g.actions.length, 2 + 2000 + 1);
    const ids = new Set(g.actions.map((a) => a.id));
    assert.equal(ids.size, g.actions.length);
    assert.equal(g.actions[1]!.id, 'big[a=a0,b=b0,c=c0]');
    assert.equal(g.actions[2000]!.id, 'big[a=a19,b=b19,c=c4]');
    const x = g.byId.get('big[a=a7,b=b13,c=c2]')!;
    assert.deepEqual(x.command, { kind: 'shell', line: 'echo a7 b13 c2' });
    assert.deepEqual(x.deps, ['prep']);
    assert.deepEqual(g.byId.get('some')!.deps, Array.from({ length: 20 }, (_, i) => `big[a=a3,b=b${i},c=c4]`));
    assert.equal(g.byId.get('all')!.deps.length, 2000);
    const p = planRun(graph, ['some'], new Map());
    assert.equal(p.jobs.length, 1 + 20 + 1);
  });
});

describe('matrix: per-combination dependencies (${matrix.x} in a selector)', () => {
  const ids = (g: Graph, id: string): string[] => [...expandGraph(g).byId.get(id)!.deps];

  it('each expansion depends on the expansions with its own values: build[os=${matrix.os}]', () => {
    const { graph, diagnostics } = graphOf({
      build: { command: 'x', matrix: { os: ['linux', 'mac'] } },
      lint: { command: 'x' },
      test: { command: 'x', dependsOn: ['build[os=${matrix.os}]', 'lint'], matrix: { os: ['linux', 'mac'], node: ['20', '22'] } },
    });
    assert.deepEqual(diagnostics, []);
    // The graph as written has one edge test -> build (cycles, views).
    assert.deepEqual(graph.byId.get('test')!.deps, ['build', 'lint']);
    assert.deepEqual(ids(graph, 'test[os=linux,node=20]'), ['build[os=linux]', 'lint']);
    assert.deepEqual(ids(graph, 'test[os=mac,node=22]'), ['build[os=mac]', 'lint']);
    // Selecting one expansion brings only its own build.
    const p = planRun(graph, ['test[os=mac,node=20]'], new Map());
    assert.deepEqual(p.selection, ['build[os=mac]', 'lint', 'test[os=mac,node=20]']);
  });

  it('mixed with fixed values, several axes, and values that need escapes', () => {
    const { graph, diagnostics } = graphOf({
      build: { command: 'x', matrix: { os: ['a,b', 'c]'], arch: ['x64', 'arm'] } },
      test: { command: 'x', dependsOn: ['build[os=${matrix.os},arch=x64]'], matrix: { os: ['a,b', 'c]'] } },
      pack: { command: 'x', dependsOn: ['build[arch=${matrix.arch},os=${matrix.os}]'], matrix: { os: ['c]'], arch: ['arm'] } },
    });
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(ids(graph, 'test[os=a\\,b]'), ['build[os=a\\,b,arch=x64]']);
    assert.deepEqual(ids(graph, 'test[os=c\\]]'), ['build[os=c\\],arch=x64]']);
    assert.deepEqual(ids(graph, 'pack[os=c\\],arch=arm]'), ['build[os=c\\],arch=arm]']);
  });

  it('an expansion whose value the target lacks is an empty-selector error naming it; excluding it clears the error', () => {
    const build = { command: 'x', matrix: { os: ['linux', 'mac'] } };
    const { text, diagnostics } = graphOf({ build, test: { command: 'x', dependsOn: ['build[os=${matrix.os}]'], matrix: { os: ['linux', 'windows'] } } });
    assert.deepEqual(diagnostics.map((d) => [d.code, at(text, d)]), [['empty-selector', '"build[os=${matrix.os}]"']]);
    assert.match(diagnostics[0]!.message, /selects nothing for 'test\[os=windows\]': no expansion of 'build' has 'os=windows'/);
    const fixed = graphOf({ build, test: { command: 'x', dependsOn: ['build[os=${matrix.os}]'], matrix: { os: ['linux', 'windows'], exclude: [{ os: 'windows' }] } } });
    assert.deepEqual(fixed.diagnostics, []);
  });

  it('an axis the depending action does not have: unknown-matrix-axis on the reference, with a suggestion', () => {
    const { text, diagnostics } = graphOf({
      build: { command: 'x', matrix: { os: ['linux'] } },
      test: { command: 'x', dependsOn: ['build[os=${matrix.oss}]'], matrix: { os: ['linux'] } },
    });
    assert.deepEqual(diagnostics.map((d) => [d.code, at(text, d), d.data?.['suggestion']]), [['unknown-matrix-axis', '${matrix.oss}', 'os']]);
    assert.match(diagnostics[0]!.message, /'oss' is not an axis of action 'test'/);
  });

  it('in an action without a matrix: unknown-matrix-axis on the reference', () => {
    const { text, diagnostics } = graphOf({
      build: { command: 'x', matrix: { os: ['linux'] } },
      test: { command: 'x', dependsOn: ['build[os=${matrix.os}]'] },
    });
    assert.deepEqual(diagnostics.map((d) => [d.code, at(text, d)]), [['unknown-matrix-axis', '${matrix.os}']]);
    assert.match(diagnostics[0]!.message, /action 'test' has no matrix/);
  });

  it('10,000 expansions depending per combination on 100: checked and expanded in bounded time', () => {
    const vals = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
    const t0 = Date.now();
    const { graph, diagnostics } = graphOf({
      build: { command: 'x', matrix: { a: vals(100) } },
      test: { command: 'x', dependsOn: ['build[a=${matrix.a}]'], matrix: { a: vals(100), b: vals(100) } },
    });
    assert.deepEqual(diagnostics, []);
    const g = expandGraph(graph);
    assert.deepEqual([...g.byId.get('test[a=v42,b=v7]')!.deps], ['build[a=v42]']);
    assert.equal(g.actions.length, 100 + 10_000);
    assert.ok(Date.now() - t0 < 20_000, 'not quadratic');
  });
});

describe('matrix: properties (random matrices)', () => {
  it('ids are unique, read back through selectors to their values, and the count is the product minus exclusions plus new inclusions', async () => {
    const fc = (await import('fast-check')).default;
    const value = fc.string({ minLength: 0, maxLength: 4, unit: fc.constantFrom('a', 'b', ',', '=', ']', '[', '\\', ' ', '1') });
    const axes = fc.uniqueArray(fc.constantFrom('x', 'y', 'z', 'w'), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(axes, fc.array(fc.uniqueArray(value, { minLength: 1, maxLength: 3 }), { minLength: 3, maxLength: 3 }), fc.nat(5), (names, lists, exSeed) => {
        const matrix: Record<string, unknown> = {};
        names.forEach((n, i) => (matrix[n] = lists[i]));
        // exclude the first value of the first axis when exSeed is odd
        const excluded = exSeed % 2 === 1;
        if (excluded) matrix['exclude'] = [{ [names[0]!]: lists[0]![0] }];
        const { graph, diagnostics } = graphOf({ t: { command: 'x', matrix } });
        assert.deepEqual(diagnostics.filter((d) => d.severity === 'error'), []);
        const exps = expansions(graph.byId.get('t')!);
        const product = names.reduce((p, _n, i) => p * lists[i]!.length, 1);
        const expected = excluded ? product - product / lists[0]!.length : product;
        assert.equal(exps.length, expected);
        assert.equal(new Set(exps.map((e) => e.id)).size, exps.length);
        for (const e of exps) {
          assert.deepEqual(selectorMatches(graph, e.id), [e.id]);
          const sel = parseSelector(e.id);
          assert.ok(sel.ok);
          assert.deepEqual(Object.fromEntries(sel.parts.map((p) => [p.axis, p.value])), { ...e.values });
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('matrix: with requires/provides', () => {
  it('requiring an artifact a matrix action provides waits for every expansion; a plain provider stays one id', () => {
    const { graph, diagnostics } = graphOf({
      gen: { command: 'x', provides: ['schema'] },
      build: { command: 'x ${matrix.os}', provides: ['bin'], requires: ['schema'], matrix: { os: ['linux', 'mac'] } },
      pack: { command: 'x', requires: ['bin'], dependsOn: ['gen'] },
      one: { command: 'x', requires: ['bin'], dependsOn: ['build[os=mac]'] },
    });
    assert.deepEqual(diagnostics, []);
    const g = expandGraph(graph);
    assert.deepEqual(g.byId.get('build[os=linux]')!.deps, ['gen']);
    assert.deepEqual(g.byId.get('pack')!.deps, ['gen', 'build[os=linux]', 'build[os=mac]']);
    // A selector and a requires on the same action: the requires wins (every expansion).
    assert.deepEqual(g.byId.get('one')!.deps, ['build[os=mac]', 'build[os=linux]']);
  });
});
