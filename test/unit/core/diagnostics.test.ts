import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { analyzeText, MAX_ANALYZE_SIZE } from '../../../src/core/analyze';
import type { DiagnosticCode } from '../../../src/core/diagnostics';
import { expectedFromText, readFixture } from './fixtures';

const DIR = path.join(__dirname, '../../fixtures/diagnostics');

function actualOf(text: string) {
  const a = analyzeText(text);
  return a.diagnostics.map((d) => {
    const r = a.lineIndex.rangeOf(d.span);
    assert.equal(r.start.line, r.end.line, `multi-line range for ${d.code}: ${d.message}`);
    return { line: r.start.line, startCol: r.start.character, endCol: r.end.character, code: d.code, severity: d.severity, message: d.message };
  });
}

const ALL_CODES: DiagnosticCode[] = [
  'syntax',
  'schema',
  'unknown-dependency',
  'self-dependency',
  'cycle',
  'duplicate-action',
  'duplicate-dependency',
  'unknown-resource',
  'over-capacity',
  'unused-resource',
  'too-large',
  'empty-matrix-axis',
  'unknown-matrix-axis',
  'invalid-selector',
  'empty-selector',
  'unknown-lock',
  'duplicate-lock',
  'unused-lock',
  'unknown-artifact',
  'duplicate-artifact',
  'self-artifact',
];

describe('diagnostics: one fixture per code, exact ranges', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.actiontree.jsonc')).sort();

  it('has a fixture for every code except too-large (generated below)', () => {
    for (const code of ALL_CODES) {
      if (code === 'too-large') continue;
      assert.ok(files.includes(`${code}.actiontree.jsonc`), `missing fixture for ${code}`);
    }
  });

  for (const f of files) {
    it(f, () => {
      const text = readFixture(path.join(DIR, f));
      const expected = expectedFromText(text);
      assert.ok(expected.length > 0, 'fixture has no expectations');
      const code = f.replace('.actiontree.jsonc', '');
      if (ALL_CODES.includes(code as DiagnosticCode)) {
        assert.ok(expected.some((e) => e.code === code), `fixture ${f} does not expect its own code`);
      }
      const actual = actualOf(text);
      const key = (d: { line: number; startCol: number; endCol: number; code: string; severity: string }) =>
        `${d.line + 1}:${d.startCol + 1}-${d.endCol + 1} ${d.severity} ${d.code}`;
      assert.deepEqual(actual.map(key).sort(), expected.map(key).sort());
      for (const e of expected) {
        if (e.message === undefined) continue;
        const match = actual.find((a) => key(a) === key(e) && a.message === e.message);
        assert.ok(match, `no ${key(e)} with message:\n  ${e.message}\nactual messages there:\n  ${actual.filter((a) => key(a) === key(e)).map((a) => a.message).join('\n  ')}`);
      }
    });
  }

  it('too-large: a single diagnostic naming the size and the limit', () => {
    const text = ' '.repeat(MAX_ANALYZE_SIZE + 1);
    const a = analyzeText(text);
    assert.equal(a.diagnostics.length, 1);
    const d = a.diagnostics[0]!;
    assert.equal(d.code, 'too-large');
    assert.equal(d.severity, 'error');
    assert.equal(d.message, 'file too large to analyze (20 MB, limit 20 MB)');
    assert.deepEqual(d.span, { offset: 0, length: 0 });
    assert.equal(a.graph.actions.length, 0);
  });

  it('unknown-dependency carries the suggestion and the action in data', () => {
    const a = analyzeText(readFixture(path.join(DIR, 'unknown-dependency.actiontree.jsonc')));
    const d = a.diagnostics.filter((x) => x.code === 'unknown-dependency');
    assert.deepEqual(d.map((x) => x.data), [
      { action: 'build', dependency: 'tset', suggestion: 'test' },
      { action: 'build', dependency: 'nothing-like-it' },
    ]);
  });

  it('cycle diagnostics relate every member at its action key and carry action/dependency', () => {
    const text = readFixture(path.join(DIR, 'cycle.actiontree.jsonc'));
    const a = analyzeText(text);
    const first = a.diagnostics.find((x) => x.code === 'cycle')!;
    assert.deepEqual(first.data, { action: 'a', dependency: 'b' });
    assert.deepEqual(
      first.related.map((r) => [text.slice(r.span.offset, r.span.offset + r.span.length), r.message]),
      [
        ['"a"', "'a' depends on 'b'"],
        ['"b"', "'b' depends on 'c'"],
        ['"c"', "'c' depends on 'a'"],
      ],
    );
  });

  it('resource diagnostics carry the action and resource in data; defaults are flagged once, at defaults', () => {
    const a = analyzeText(`{
      "version": 1, "cpus": 2, "resources": { "db": 1 },
      "defaults": { "cpus": 3, "resources": { "db": 2 } },
      "actions": { "a": { "command": "x", "resources": { "dbb": 1 } }, "b": { "command": "y" }, "c": { "command": "z" } }
    }`);
    assert.deepEqual(
      a.diagnostics.map((d) => [d.code, d.data]),
      [
        ['over-capacity', { resource: 'cpus' }],
        ['over-capacity', { resource: 'db' }],
        ['unknown-resource', { action: 'a', resource: 'dbb', suggestion: 'db' }],
      ],
    );
    assert.equal(a.graph.byId.get('b')!.cpus, 3);
    assert.deepEqual(a.graph.byId.get('c')!.resources.map((r) => [r.name, r.amount]), [['db', 2]]);
    const over = analyzeText(readFixture(path.join(DIR, 'over-capacity.actiontree.jsonc'))).diagnostics;
    assert.deepEqual(over.map((d) => d.data), [
      { action: 'migrate', resource: 'db' },
      { action: 'compile', resource: 'cpus' },
    ]);
  });

  it('duplicate-action relates the first definition', () => {
    const text = readFixture(path.join(DIR, 'duplicate-action.actiontree.jsonc'));
    const d = analyzeText(text).diagnostics.find((x) => x.code === 'duplicate-action')!;
    assert.equal(d.related.length, 1);
    assert.equal(d.related[0]!.span.offset, text.indexOf('"build"'));
  });

  it('diagnostics are sorted by offset, then code', () => {
    const a = analyzeText(readFixture(path.join(DIR, 'schema.actiontree.jsonc')));
    for (let i = 1; i < a.diagnostics.length; i++) {
      const p = a.diagnostics[i - 1]!;
      const c = a.diagnostics[i]!;
      assert.ok(p.span.offset < c.span.offset || (p.span.offset === c.span.offset && p.code <= c.code));
    }
  });
});
