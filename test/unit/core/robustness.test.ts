import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import fc from 'fast-check';
import { analyzeText, type Analysis } from '../../../src/core/analyze';
import { ACTION_KEYS, TOP_LEVEL_KEYS } from '../../../src/core/parse';
import { readFixture } from './fixtures';

const SPEC = readFixture(path.join(__dirname, '../../fixtures/core/spec-example.actiontree.jsonc'));

/** analyzeText returned (did not throw), hit no internal error, spans in bounds, sorted. */
function checkSane(text: string): Analysis {
  const a = analyzeText(text);
  let prev: { offset: number; code: string } | undefined;
  for (const d of a.diagnostics) {
    assert.ok(!d.message.startsWith('internal error'), d.message);
    assert.ok(d.span.offset >= 0 && d.span.length >= 0 && d.span.offset + d.span.length <= text.length, `span out of bounds: ${JSON.stringify(d.span)}`);
    for (const r of d.related) assert.ok(r.span.offset >= 0 && r.span.offset + r.span.length <= text.length);
    if (prev) assert.ok(prev.offset < d.span.offset || (prev.offset === d.span.offset && prev.code <= d.code), 'not sorted');
    prev = { offset: d.span.offset, code: d.code };
  }
  for (const x of a.graph.actions) assert.equal(a.graph.byId.get(x.id), x);
  return a;
}

const jsonish = fc.jsonValue({ maxDepth: 4 });
const actionish = fc.dictionary(fc.constantFrom(...ACTION_KEYS, 'other'), jsonish, { maxKeys: 6 });
const graphish = fc.record(
  {
    version: fc.oneof(fc.constant(1), jsonish),
    cpus: jsonish,
    keepGoing: jsonish,
    resources: fc.oneof(fc.dictionary(fc.constantFrom('db', 'gpu', 'x'), jsonish), jsonish),
    defaults: fc.oneof(actionish, jsonish),
    actions: fc.oneof(fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'bad id', ''), fc.oneof(actionish, jsonish), { maxKeys: 5 }), jsonish),
    name: jsonish,
    $schema: jsonish,
  },
  { requiredKeys: [] },
);

describe('robustness: analyzeText never throws', () => {
  it('on arbitrary strings (property)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => void checkSane(s)), { numRuns: 1000 });
  });

  it('on arbitrary sequences of JSONC tokens and format keywords (property)', () => {
    const token = fc.constantFrom('{', '}', '[', ']', '"', ',', ':', '/', '*', '//', '/*', '*/', ' ', '\n', '\\', 'a', '1', '-', 'true', 'null',
      '"version"', '"actions"', '"dependsOn"', '"a"', '"b"', '"command"', '"resources"', '"db"', '"cpus"', '"defaults"', '"timeout"', '"env"', '"5m"');
    fc.assert(fc.property(fc.array(token, { maxLength: 120 }), (ts) => void checkSane(ts.join(''))), { numRuns: 1000 });
  });

  it('on arbitrary binary junk (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => void checkSane(Buffer.from(bytes).toString('latin1'))),
      { numRuns: 300 },
    );
  });

  it('on arbitrary JSON values (property)', () => {
    fc.assert(fc.property(jsonish, (v) => void checkSane(JSON.stringify(v) ?? '')), { numRuns: 300 });
  });

  it('on graph-shaped objects with wrong types everywhere (property)', () => {
    fc.assert(
      fc.property(graphish, (g) => {
        const a = checkSane(JSON.stringify(g, null, 1));
        // with a wrong or missing version there is always a schema error
        if (g.version !== 1) assert.ok(a.diagnostics.some((d) => d.code === 'schema' && d.severity === 'error'));
      }),
      { numRuns: 400 },
    );
  });

  it('on mutations of a valid file (property)', () => {
    const edit = fc.record({
      at: fc.nat(),
      del: fc.nat({ max: 12 }),
      ins: fc.string({ maxLength: 6, unit: fc.constantFrom('{', '}', '[', ']', '"', ',', ':', '/', '*', ' ', 'a', '1', '\n', '\\') }),
    });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 6 }), (edits) => {
        let t = SPEC;
        for (const e of edits) {
          const at = e.at % (t.length + 1);
          t = t.slice(0, at) + e.ins + t.slice(at + e.del);
        }
        checkSane(t);
      }),
      { numRuns: 500 },
    );
  });

  it('every top-level key is known to the parser (no warnings for a full file)', () => {
    assert.deepEqual([...TOP_LEVEL_KEYS].sort(), ['$schema', 'actions', 'cpuAffinity', 'cpus', 'defaults', 'executor', 'groups', 'hookTimeout', 'hooks', 'keepGoing', 'locks', 'maxLoad', 'memory', 'minFreeMemory', 'name', 'resources', 'timeout', 'version']);
  });

  it('on a 10 MB string value', () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const a = checkSane(`{"version":1,"actions":{"a":{"command":"${big}"}}}`);
    assert.deepEqual(a.diagnostics, []);
    assert.equal(a.graph.byId.get('a')?.command?.kind, 'shell');
  });

  it('on 10 MB of unterminated string and on a 10 MB id', () => {
    checkSane(`{"version":1,"actions":{"a":{"command":"${'y'.repeat(10 * 1024 * 1024)}`);
    const a = checkSane(`{"version":1,"actions":{"${'z'.repeat(10 * 1024 * 1024)} ":{"command":"x"}, "b": {"command": "x", "dependsOn": ["${'z'.repeat(300)}"]}}}`);
    assert.ok(a.diagnostics.some((d) => d.code === 'schema'));
    assert.ok(a.diagnostics.some((d) => d.code === 'unknown-dependency'));
  });

  it('on deeply nested arrays and objects (100,000 levels) without recursion', () => {
    for (const t of ['['.repeat(100_000), '[{"a":'.repeat(50_000), `{"version":1,"actions":{"a":{"command":"x","env":${'{"k":'.repeat(100_000)}`]) {
      const a = checkSane(t);
      assert.equal(a.diagnostics.length, 1);
      assert.match(a.diagnostics[0]!.message, /nested too deeply/);
    }
  });

  it('on nesting just under the limit', () => {
    const t = `{"version":1,"actions":{},"x":${'['.repeat(250)}${']'.repeat(250)}}`;
    const a = checkSane(t);
    assert.deepEqual(a.diagnostics.map((d) => d.message), ['the graph has no actions: a run has nothing to do', "unknown property 'x' in the graph"]);
  });

  it('on duplicate keys at every level', () => {
    const a = checkSane(`{"version":1,"version":2,"actions":{"a":{"command":"x","command":"y","env":{"A":"1","A":"2"}}},"actions":{}}`);
    assert.deepEqual(
      a.diagnostics.map((d) => d.message),
      [
        "duplicate property 'version' in the graph (the first one is used)",
        "duplicate property 'command' in action 'a' (the first one is used)",
        "duplicate property 'A' in the env of action 'a' (the first one is used)",
        "duplicate property 'actions' in the graph (the first one is used)",
      ],
    );
    assert.deepEqual(a.graph.byId.get('a')?.command, { kind: 'shell', line: 'x' });
  });

  it('on an input that is not a string at run time', () => {
    const a = analyzeText(undefined as unknown as string);
    assert.ok(a.diagnostics.length > 0);
  });
});
