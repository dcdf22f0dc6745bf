import * as assert from 'node:assert/strict';
import { analyzeText } from '../../../src/core/analyze';
import { NAMED_MATCHERS, ProblemCollector, type ProblemMatcher } from '../../../src/core/problemMatchers';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { JsonService } from '../../../src/server/jsonService';

function graph(pm: string, defaults = ''): string {
  return `{ "version": 1, ${defaults ? `"defaults": { "problemMatcher": ${defaults} },` : ''} "actions": { "tsc": { "command": "tsc", "problemMatcher": ${pm} } } }`;
}

function diags(text: string): { code: string; severity: string; message: string; at: string }[] {
  return analyzeText(text).diagnostics.map((d) => ({ code: d.code, severity: d.severity, message: d.message, at: text.slice(d.span.offset, d.span.offset + d.span.length) }));
}

function collect(m: ProblemMatcher, text: string, chunk = 7): ReturnType<ProblemCollector['flush']> extends number ? ProblemCollector : never {
  const c = new ProblemCollector([m]);
  for (let i = 0; i < text.length; i += chunk) c.push('stdout', text.slice(i, i + chunk));
  c.flush();
  return c;
}

describe('problem matchers', () => {
  describe('validation of problemMatcher in the graph file', () => {
    it('accepts the shipped names, an inline pattern, an inline matcher and arrays; the action model carries them', () => {
      for (const pm of ['"$tsc"', '["$gcc", "$eslint-stylish"]', '{ "regexp": "^(.*):(\\\\d+): (.*)$", "file": 1, "line": 2, "message": 3 }',
        '{ "pattern": [{ "regexp": "^(\\\\S.*)$", "file": 1 }, { "regexp": "^\\\\s+(\\\\d+) (.*)$", "line": 1, "message": 2, "loop": true }], "severity": "warning", "fileLocation": "relative", "source": "mylint" }']) {
        const text = graph(pm);
        assert.deepEqual(diags(text), [], pm);
      }
      const a = analyzeText(graph('["$gcc", "$tsc"]')).graph.byId.get('tsc')!;
      assert.deepEqual(a.problemMatchers?.map((m) => m.name), ['$gcc', '$tsc']);
      const inline = analyzeText(graph('{ "pattern": { "regexp": "^(.*):(\\\\d+): (.*)$", "file": 1, "line": 2, "message": 3 }, "severity": "warning", "source": "x" }')).graph.byId.get('tsc')!;
      assert.equal(inline.problemMatchers?.[0]?.severity, 'warning');
      assert.equal(inline.problemMatchers?.[0]?.source, 'x');
      // defaults apply to actions without their own
      const d = analyzeText(`{ "version": 1, "defaults": { "problemMatcher": "$gcc" }, "actions": { "a": { "command": "x" } } }`).graph.byId.get('a')!;
      assert.deepEqual(d.problemMatchers?.map((m) => m.name), ['$gcc']);
    });

    it('an unknown name is an unknown-problem-matcher error on the string, with a suggestion', () => {
      assert.deepEqual(diags(graph('"$tsx"')), [
        {
          code: 'unknown-problem-matcher',
          severity: 'error',
          message: "action 'tsc': unknown problem matcher '$tsx'; did you mean '$tsc'? (ActionTree knows $tsc, $gcc, $eslint-compact, $eslint-stylish, $go, $msCompile; or write an inline pattern)",
          at: '"$tsx"',
        },
      ]);
      const [d] = diags(graph('["$tsc", "gcc"]'));
      assert.equal(d?.code, 'unknown-problem-matcher');
      assert.equal(d?.at, '"gcc"');
      assert.match(d!.message, /did you mean '\$gcc'\?/);
      const data = analyzeText(graph('"$tsx"')).diagnostics[0]?.data;
      assert.deepEqual(data, { suggestion: '$tsc' });
    });

    it('an invalid regular expression is an invalid-problem-matcher error on the regexp string', () => {
      const [d, ...rest] = diags(graph('{ "regexp": "^(.*:(\\\\d+)", "file": 1, "line": 2, "message": 1 }'));
      assert.deepEqual(rest, []);
      assert.equal(d?.code, 'invalid-problem-matcher');
      assert.equal(d?.severity, 'error');
      assert.equal(d?.at, '"^(.*:(\\\\d+)"');
      assert.match(d!.message, /^action 'tsc': the problem pattern's regexp is not a valid regular expression: .*Unterminated group/);
      assert.equal(analyzeText(graph('{ "regexp": "(" , "file": 1, "message": 1}')).graph.byId.get('tsc')?.problemMatchers, undefined);
    });

    it('group numbers beyond the regexp, missing file/message groups, bad types: precise errors', () => {
      assert.deepEqual(diags(graph('{ "regexp": "^(.*): (.*)$", "file": 1, "message": 3 }')).map((d) => [d.code, d.message]), [
        ['invalid-problem-matcher', "action 'tsc': 'message' is capture group 3, but the regexp has only 2 groups"],
      ]);
      assert.deepEqual(diags(graph('{ "regexp": "^(.*)$", "file": 1 }')).map((d) => [d.code, d.message]), [
        ['invalid-problem-matcher', "action 'tsc': the problem pattern needs a 'file' and a 'message' group"],
      ]);
      assert.deepEqual(diags(graph('42')).map((d) => [d.code, d.at]), [['schema', '42']]);
      assert.deepEqual(diags(graph('{ "severity": "warning" }')).map((d) => d.code), ['schema']);
      assert.deepEqual(diags(graph('{ "regexp": "^(.*): (.*)$", "file": 1, "message": 2, "lne": 3 }')).map((d) => [d.code, d.severity, d.at, d.message]), [
        ['schema', 'warning', '"lne"', "unknown property 'lne' in the problem pattern of action 'tsc'; did you mean 'line'?"],
      ]);
      assert.deepEqual(diags(graph('{ "regexp": "^(.*): (.*)$", "file": "1", "message": 2 }')).map((d) => [d.code, d.at]), [['schema', '"1"']]);
    });
  });

  describe('matching output', () => {
    it('$tsc: both output styles, file/line/column/severity/code', () => {
      const c = collect(NAMED_MATCHERS.get('$tsc')!, 'src/a.ts(3,7): error TS2322: Type x.\r\nsrc/b.ts:10:2 - warning TS6133: unused.\nFound 2 errors.\n\u001b[96msrc/c.ts\u001b[0m:1:1 - \u001b[91merror\u001b[0m TS1005: \';\' expected.\n');
      assert.deepEqual(
        c.problems.map((p) => [p.file, p.line, p.column, p.severity, p.code, p.message]),
        [
          ['src/a.ts', 3, 7, 'error', '2322', 'Type x.'],
          ['src/b.ts', 10, 2, 'warning', '6133', 'unused.'],
          ['src/c.ts', 1, 1, 'error', '1005', "';' expected."],
        ],
      );
    });

    it('$gcc, $eslint-compact, $go, $msCompile', () => {
      const g = collect(NAMED_MATCHERS.get('$gcc')!, 'main.c:4:5: error: expected \';\'\nmain.c:9:1: warning: unused\nnote that\n');
      assert.deepEqual(g.problems.map((p) => [p.file, p.line, p.column, p.severity]), [['main.c', 4, 5, 'error'], ['main.c', 9, 1, 'warning']]);
      const e = collect(NAMED_MATCHERS.get('$eslint-compact')!, '/w/src/x.js: line 2, col 9, Warning - Missing semicolon. (semi)\n');
      assert.deepEqual(e.problems.map((p) => [p.file, p.line, p.column, p.severity, p.code, p.message]), [['/w/src/x.js', 2, 9, 'warning', 'semi', 'Missing semicolon.']]);
      const go = collect(NAMED_MATCHERS.get('$go')!, './main.go:12:3: undefined: foo\n');
      assert.deepEqual(go.problems.map((p) => [p.file, p.line, p.column, p.message]), [['./main.go', 12, 3, 'undefined: foo']]);
      const ms = collect(NAMED_MATCHERS.get('$msCompile')!, 'C:\\src\\a.cs(10,5): error CS1002: ; expected\n');
      assert.deepEqual(ms.problems.map((p) => [p.file, p.line, p.column, p.code, p.severity]), [['C:\\src\\a.cs', 10, 5, 'CS1002', 'error']]);
    });

    it('$eslint-stylish: a file line, then a loop of problem lines', () => {
      const out = '\n/w/src/a.js\n  1:10  error    \'x\' is defined but never used  no-unused-vars\n  2:1   warning  Unexpected console statement  no-console\n\n/w/src/b.js\n  5:3  error  Parsing error\n\n✖ 3 problems\n';
      const c = collect(NAMED_MATCHERS.get('$eslint-stylish')!, out, 5);
      assert.deepEqual(
        c.problems.map((p) => [p.file, p.line, p.column, p.severity, p.message, p.code]),
        [
          ['/w/src/a.js', 1, 10, 'error', "'x' is defined but never used", 'no-unused-vars'],
          ['/w/src/a.js', 2, 1, 'warning', 'Unexpected console statement', 'no-console'],
          ['/w/src/b.js', 5, 3, 'error', 'Parsing error', null],
        ],
      );
    });

    it('streams are matched separately; the last line without newline is matched on flush; output is bounded', () => {
      const m = NAMED_MATCHERS.get('$gcc')!;
      const c = new ProblemCollector([m], 3);
      c.push('stdout', 'a.c:1:1: err');
      c.push('stderr', 'b.c:2:2: error: y\n');
      c.push('stdout', 'or: x');
      assert.equal(c.problems.length, 1);
      c.flush();
      assert.deepEqual(c.problems.map((p) => p.file), ['b.c', 'a.c']);
      for (let i = 0; i < 5; i++) c.push('stdout', `z.c:${i + 1}:1: error: e\n`);
      assert.equal(c.problems.length, 3);
      assert.equal(c.dropped, 4);
    });
  });
});

describe('problem matcher names in the editor (schema completion)', () => {
  it('completes the shipped matcher names inside "problemMatcher": ""', async () => {
    const text = '{ "version": 1, "actions": { "a": { "command": "tsc", "problemMatcher": "" } } }';
    const doc = TextDocument.create('file:///w/x.actiontree.jsonc', 'actiontree', 1, text);
    const js = new JsonService();
    const offset = text.indexOf('"problemMatcher": "') + '"problemMatcher": "'.length;
    const list = await js.service.doComplete(doc, doc.positionAt(offset), js.parse(doc));
    const labels = (list?.items ?? []).map((i) => i.label.replace(/"/g, ''));
    for (const n of ['$tsc', '$gcc', '$eslint-stylish', '$eslint-compact', '$go', '$msCompile']) assert.ok(labels.includes(n), `${n} in ${labels.join(', ')}`);
  });
});
