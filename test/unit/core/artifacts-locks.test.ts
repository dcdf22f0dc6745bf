import assert from 'node:assert/strict';
import { analyzeText } from '../../../src/core/analyze';
import { criticalPath, topologicalOrder } from '../../../src/core/graph';
import { planRun } from '../../../src/core/run/plan';

/** The text of a span, for readable assertions on ranges. */
const at = (text: string, span: { offset: number; length: number }): string => text.slice(span.offset, span.offset + span.length);

describe('requires/provides (SPEC §10): resolution', () => {
  const text = `{
  "version": 1,
  "actions": {
    "test":   { "command": "t", "requires": ["bundle", "schema"], "dependsOn": ["lint"] },
    "lint":   { "command": "l" },
    "gen":    { "command": "g", "provides": ["schema"] },
    "build":  { "command": "b", "provides": ["bundle", "map"], "requires": ["schema"] }
  }
}`;
  const a = analyzeText(text);

  it('adds a dependency on each provider, after dependsOn, no repeats; no diagnostics', () => {
    assert.deepEqual(a.diagnostics, []);
    assert.deepEqual(a.graph.byId.get('test')?.deps, ['lint', 'build', 'gen']);
    assert.deepEqual(a.graph.byId.get('build')?.deps, ['gen']);
    assert.deepEqual(a.graph.byId.get('gen')?.deps, []);
    assert.deepEqual(
      a.graph.byId.get('build')?.provides?.map((r) => at(text, r.span)),
      ['"bundle"', '"map"'],
    );
  });

  it('plan, topological order and critical path follow the artifact edges', () => {
    const order = topologicalOrder(a.graph);
    assert.ok(order.indexOf('gen') < order.indexOf('build') && order.indexOf('build') < order.indexOf('test'), order.join(' '));
    const plan = planRun(a.graph, ['test'], new Map());
    assert.deepEqual(plan.selection, ['test', 'lint', 'gen', 'build'], 'the providers are selected with the action that requires them');
    assert.deepEqual(plan.jobs.find((j) => j.id === 'test')?.deps, ['lint', 'build', 'gen']);
    const cp = criticalPath(a.graph, () => 1);
    assert.equal(cp.remaining.get('gen'), 3, 'gen → build → test');
  });

  it('a graph without artifacts resolves exactly as before (no provides/requires on the model)', () => {
    const b = analyzeText(`{"version":1,"actions":{"a":{"command":"x"},"b":{"command":"x","dependsOn":["a"]}}}`);
    assert.equal(b.graph.byId.get('b')?.requires, undefined);
    assert.equal(b.graph.byId.get('a')?.provides, undefined);
    assert.deepEqual(b.graph.byId.get('b')?.deps, ['a']);
  });

  it('duplicate-artifact: each provides string points at the others; data names action and artifact', () => {
    const t = `{"version":1,"actions":{"a":{"command":"x","provides":["s"]},"b":{"command":"x","provides":["s"]},"c":{"command":"x","requires":["s"]}}}`;
    const r = analyzeText(t);
    const ds = r.diagnostics.filter((d) => d.code === 'duplicate-artifact');
    assert.equal(ds.length, 2);
    const [da, db] = ds as [(typeof ds)[number], (typeof ds)[number]];
    assert.equal(da.related.length, 1);
    assert.equal(da.related[0]?.span.offset, db.span.offset);
    assert.equal(da.related[0]?.message, "also provided by 'b'");
    assert.equal(db.related[0]?.span.offset, da.span.offset);
    assert.deepEqual(da.data, { action: 'a', artifact: 's' });
    // The requiring action waits for both (the file cannot run anyway: it has an error).
    assert.deepEqual(r.graph.byId.get('c')?.deps, ['a', 'b']);
  });

  it('self-artifact: on the requires string, related to the provides string; no self edge', () => {
    const t = `{"version":1,"actions":{"a":{"command":"x","provides":["s"],"requires":["s"]}}}`;
    const r = analyzeText(t);
    assert.deepEqual(r.diagnostics.map((d) => [d.code, at(t, d.span), d.span.offset]), [['self-artifact', '"s"', t.lastIndexOf('"s"')]]);
    assert.equal(r.diagnostics[0]?.related[0]?.span.offset, t.indexOf('"s"'));
    assert.deepEqual(r.graph.byId.get('a')?.deps, []);
  });

  it('unknown-artifact carries the suggestion for the quick fix', () => {
    const t = `{"version":1,"actions":{"a":{"command":"x","provides":["schema"]},"b":{"command":"x","requires":["shema"]}}}`;
    const r = analyzeText(t);
    assert.deepEqual(r.diagnostics.map((d) => d.data), [{ action: 'b', artifact: 'shema', suggestion: 'schema' }]);
  });

  it('a cycle through artifacts: one diagnostic per requires string, related information once, data for the quick fix', () => {
    const t = `{"version":1,"actions":{"a":{"command":"x","provides":["p"],"requires":["q"]},"b":{"command":"x","provides":["q"],"dependsOn":["a"]}}}`;
    const r = analyzeText(t);
    const cyc = r.diagnostics.filter((d) => d.code === 'cycle');
    assert.deepEqual(
      cyc.map((d) => [at(t, d.span), d.message]),
      [
        ['"q"', "cycle through artifact 'q' (provided by 'b'): a → b → a"],
        ['"a"', 'cycle: b → a → b'],
      ],
    );
    assert.equal(cyc[0]?.related.length, 2, 'members listed on the first edge in the file');
    assert.equal(cyc[1]?.related.length, 0);
    assert.deepEqual(cyc[0]?.data, { action: 'a', dependency: 'b', artifact: 'q' });
  });

  it('a requires edge that is also a dependsOn edge: both strings get the cycle diagnostic', () => {
    const t = `{"version":1,"actions":{"a":{"command":"x","requires":["q"],"dependsOn":["b"]},"b":{"command":"x","provides":["q"],"dependsOn":["a"]}}}`;
    const r = analyzeText(t);
    assert.deepEqual(
      r.diagnostics.filter((d) => d.code === 'cycle').map((d) => at(t, d.span)),
      ['"q"', '"b"', '"a"'],
    );
    assert.deepEqual(r.graph.byId.get('a')?.deps, ['b']);
  });
});

describe('locks (SPEC §10): model', () => {
  it('declarations, uses with modes, defaults merged per name (the action wins)', () => {
    const t = `{
  "version": 1,
  "locks": ["db", "cache"],
  "defaults": { "locks": { "cache": "shared" } },
  "actions": {
    "migrate": { "command": "m", "locks": { "db": "exclusive" } },
    "read":    { "command": "r", "locks": { "db": "shared", "cache": "exclusive" } }
  }
}`;
    const r = analyzeText(t);
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.graph.locks?.map((l) => [l.name, at(t, l.span)]), [['db', '"db"'], ['cache', '"cache"']]);
    assert.deepEqual(r.graph.byId.get('migrate')?.locks?.map((l) => [l.name, l.mode]), [['cache', 'shared'], ['db', 'exclusive']]);
    assert.deepEqual(r.graph.byId.get('read')?.locks?.map((l) => [l.name, l.mode, at(t, l.keySpan)]), [['cache', 'exclusive', '"cache"'], ['db', 'shared', '"db"']]);
    const plan = planRun(r.graph, [], new Map());
    assert.deepEqual(plan.jobs.map((j) => j.needs.locks), [
      [{ name: 'cache', mode: 'shared' }, { name: 'db', mode: 'exclusive' }],
      [{ name: 'cache', mode: 'exclusive' }, { name: 'db', mode: 'shared' }],
    ]);
  });

  it('unknown-lock data names the action, the lock and a suggestion (for the quick fix)', () => {
    const r = analyzeText(`{"version":1,"locks":["db"],"actions":{"a":{"command":"x","locks":{"dbb":"shared"}}}}`);
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.data]), [['unused-lock', { lock: 'db' }], ['unknown-lock', { action: 'a', lock: 'dbb', suggestion: 'db' }]]);
    assert.equal(r.graph.byId.get('a')?.locks?.length, 0, 'an undeclared lock is not taken');
  });

  it('a graph without locks has none on the model and no lock needs in the plan', () => {
    const r = analyzeText(`{"version":1,"actions":{"a":{"command":"x"}}}`);
    assert.equal(r.graph.locks, undefined);
    assert.equal(planRun(r.graph, [], new Map()).jobs[0]?.needs.locks, undefined);
  });

  it('bad top-level locks are schema errors on the value or entry', () => {
    const t = `{"version":1,"locks":{"db":1},"actions":{"a":{"command":"x"}}}`;
    const r = analyzeText(t);
    assert.deepEqual(r.diagnostics.map((d) => [d.code, at(t, d.span), d.message]), [['schema', '{"db":1}', `'locks' must be an array of lock names, e.g. ["db"], got an object`]]);
    const t2 = `{"version":1,"locks":["db", 3, ""],"actions":{"a":{"command":"x","locks":{"db":"shared"}}}}`;
    assert.deepEqual(analyzeText(t2).diagnostics.map((d) => [at(t2, d.span), d.message]), [
      ['3', `'locks' entries must be lock names (strings), got the number 3`],
      ['""', 'lock names cannot be empty'],
    ]);
  });
});

describe('JSON schema: locks, provides, requires (SPEC §10)', () => {
  it('accepts them where the validator does and flags a bad mode, provides in defaults and a non-array', async () => {
    const { readFileSync } = await import('node:fs');
    const path = await import('node:path');
    const { getLanguageService, TextDocument } = await import('vscode-json-languageservice');
    const schema = JSON.parse(readFileSync(path.join(__dirname, '../../../schema/actiontree.schema.json'), 'utf8')) as object;
    const ls = getLanguageService({});
    ls.configure({ validate: true, allowComments: true, schemas: [{ uri: 'file:///s.json', fileMatch: ['*.actiontree.jsonc'], schema }] });
    const problems = async (text: string): Promise<string[]> => {
      const doc = TextDocument.create('file:///w/x.actiontree.jsonc', 'jsonc', 1, text);
      const diags = await ls.doValidation(doc, ls.parseJSONDocument(doc), { trailingCommas: 'ignore', comments: 'ignore' });
      return diags.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1}`);
    };
    const good = `{
  "version": 1,
  "locks": ["db"],
  "defaults": { "locks": { "db": "shared" } },
  "actions": {
    "gen": { "command": "g", "provides": ["schema"], "locks": { "db": "exclusive" } },
    "use": { "command": "u", "requires": ["schema"] }
  }
}`;
    assert.deepEqual(await problems(good), []);
    assert.deepEqual(analyzeText(good).diagnostics, []);
    const bad = `{
  "version": 1,
  "locks": "db",
  "defaults": { "provides": ["x"] },
  "actions": {
    "gen": { "command": "g", "locks": { "db": "read" } }
  }
}`;
    const p = await problems(bad);
    for (const line of ['3:', '4:', '6:']) assert.ok(p.some((x) => x.startsWith(line)), `${line} not flagged: ${p.join(' ')}`);
  });
});
