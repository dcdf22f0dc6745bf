import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { analyzeText } from '../../../src/core/analyze';
import { readFixture } from './fixtures';

const SPEC = readFixture(path.join(__dirname, '../../fixtures/core/spec-example.actiontree.jsonc'));

describe('parse: the SPEC §1 example', () => {
  const a = analyzeText(SPEC);
  const slice = (s: { offset: number; length: number }) => SPEC.slice(s.offset, s.offset + s.length);

  it('has no errors or warnings (only hints for the unused resources)', () => {
    assert.deepEqual(
      a.diagnostics.map((d) => `${d.severity} ${d.code} ${slice(d.span)}`),
      ['hint unused-resource "gpu"', 'hint unused-resource "mem_mb"'],
    );
  });

  it('reads the top-level fields', () => {
    const g = a.graph;
    assert.equal(g.version, 1);
    assert.equal(g.name, 'release');
    assert.equal(g.cpus, 'auto');
    assert.equal(g.keepGoing, false);
    assert.deepEqual(
      g.resources.map((r) => [r.name, r.capacity, slice(r.keySpan), slice(r.span)]),
      [
        ['db', 1, '"db"', '"db": 1'],
        ['gpu', 2, '"gpu"', '"gpu": 2'],
        ['mem_mb', 16000, '"mem_mb"', '"mem_mb": 16000'],
      ],
    );
  });

  it('reads every action field, with defaults applied', () => {
    const g = a.graph;
    assert.deepEqual(g.actions.map((x) => x.id), ['lint', 'build']);
    const lint = g.byId.get('lint')!;
    assert.equal(lint.index, 0);
    assert.deepEqual(lint.command, { kind: 'shell', line: 'npm run lint' });
    assert.deepEqual(lint.dependsOn, []);
    assert.equal(lint.cpus, 1);
    assert.equal(lint.timeoutMs, 600_000);
    assert.equal(lint.retries, 0);
    assert.equal(lint.cwd, '.');
    assert.deepEqual(lint.env, { CI: '1' });
    assert.equal(lint.description, undefined);
    assert.equal(slice(lint.keySpan), '"lint"');
    assert.equal(slice(lint.span), '"lint":  { "command": "npm run lint" }');

    const build = g.byId.get('build')!;
    assert.equal(build.index, 1);
    assert.deepEqual(build.command, { kind: 'shell', line: 'npm run build' });
    assert.deepEqual(build.dependsOn.map((r) => [r.value, slice(r.span)]), [['lint', '"lint"']]);
    assert.deepEqual(build.deps, ['lint']);
    assert.equal(build.cpus, 2);
    assert.equal(slice(build.cpusSpan!), '2');
    assert.deepEqual(build.resources.map((r) => [r.name, r.amount, slice(r.keySpan)]), [['db', 1, '"db"']]);
    assert.equal(build.timeoutMs, 300_000);
    assert.equal(build.retries, 1);
    assert.equal(build.acceptFailedDependencies, false);
    assert.equal(build.priority, 0);
    assert.equal(build.cwd, 'packages/app');
    assert.deepEqual(build.env, { CI: '1', NODE_ENV: 'production' });
    assert.equal(build.description, 'Bundle the app');
  });

  it('reads argv commands, "unlimited" resources, integer cpus and inherited resources', () => {
    const g = analyzeText(`{
      "version": 1, "cpus": 3, "keepGoing": true,
      "resources": { "net": "unlimited", "db": 2 },
      "defaults": { "resources": { "net": 1 }, "priority": 5, "acceptFailedDependencies": true },
      "actions": {
        "a": { "command": ["node", "-e", "1"], "resources": { "db": 2 }, "timeout": 1.5 },
        "b": { "command": "x", "resources": { "net": 4 }, "priority": -1, "dependsOn": ["a"] },
      },
    }`);
    assert.deepEqual(g.diagnostics, []);
    assert.equal(g.graph.cpus, 3);
    assert.equal(g.graph.keepGoing, true);
    assert.equal(g.graph.resources[0]!.capacity, Infinity);
    const a = g.graph.byId.get('a')!;
    assert.deepEqual(a.command, { kind: 'argv', argv: ['node', '-e', '1'] });
    assert.deepEqual(a.resources.map((r) => [r.name, r.amount]), [['net', 1], ['db', 2]]);
    assert.equal(a.timeoutMs, 1500);
    assert.equal(a.priority, 5);
    assert.equal(a.acceptFailedDependencies, true);
    const b = g.graph.byId.get('b')!;
    assert.deepEqual(b.resources.map((r) => [r.name, r.amount]), [['net', 4]]);
    assert.equal(b.priority, -1);
  });

  it('keeps env variables and resources named like Object.prototype members', () => {
    const a = analyzeText('{"version":1,"resources":{"__proto__":1},"defaults":{"env":{"constructor":"c"}},"actions":{"x":{"command":"y","env":{"__proto__":"p"},"resources":{"__proto__":1}}}}');
    assert.deepEqual(a.diagnostics, []);
    const x = a.graph.byId.get('x')!;
    assert.deepEqual(Object.entries(x.env), [['constructor', 'c'], ['__proto__', 'p']]);
    assert.deepEqual(x.resources.map((r) => r.name), ['__proto__']);
  });

  it('keeps the first of duplicate actions and builds deps without unknown, self or repeated ids', () => {
    const g = analyzeText(`{"version":1,"actions":{
      "a":{"command":"1"},
      "b":{"command":"2","dependsOn":["a","a","b","zz","c"]},
      "c":{"command":"3"},
      "a":{"command":"4"}}}`).graph;
    assert.deepEqual(g.actions.map((x) => x.id), ['a', 'b', 'c']);
    assert.deepEqual(g.byId.get('a')!.command, { kind: 'shell', line: '1' });
    assert.deepEqual(g.byId.get('b')!.deps, ['a', 'c']);
    assert.deepEqual(g.byId.get('b')!.dependsOn.map((r) => r.value), ['a', 'a', 'b', 'zz', 'c']);
  });

  it('analyzes a partial tree while the user is typing', () => {
    const a = analyzeText('{ "version": 1, "actions": { "a": { "command": "x" }, "b": { "command": "y", "dependsOn": ["a", ');
    assert.ok(a.diagnostics.some((d) => d.code === 'syntax'));
    assert.deepEqual(a.graph.actions.map((x) => x.id), ['a', 'b']);
    assert.deepEqual(a.graph.byId.get('b')!.deps, ['a']);
  });

  it('exposes jsonc-parser\'s full tree as root (built on first access)', () => {
    const a = analyzeText(SPEC);
    const root = a.root!;
    assert.equal(root.type, 'object');
    const actions = root.children!.find((p) => p.children![0]!.value === 'actions')!;
    assert.deepEqual(actions.children![1]!.children!.map((p) => p.children![0]!.value), ['lint', 'build']);
    assert.equal(a.root, root, 'built once');
    assert.equal(analyzeText('').root, undefined);
    assert.equal(analyzeText('['.repeat(10_000)).root, undefined);
  });

  it('gives a clear message for an empty file and for a non-object root', () => {
    assert.deepEqual(analyzeText('').diagnostics.map((d) => [d.code, d.message]), [['syntax', 'Expected a value (ValueExpected)']]);
    const arr = analyzeText('[1, 2]').diagnostics;
    assert.equal(arr.length, 1);
    assert.equal(arr[0]!.code, 'schema');
    assert.match(arr[0]!.message, /must contain one object with "version" and "actions", got an array/);
    assert.deepEqual(arr[0]!.span, { offset: 0, length: 6 });
  });

  it('keeps syntax ranges inside the text (jsonc-parser reports one past the end for "/*")', () => {
    for (const t of ['/*', '{"a": "/*', '{ /* x', '"\\u12']) {
      for (const d of analyzeText(t).diagnostics) assert.ok(d.span.offset + d.span.length <= t.length, `${JSON.stringify(t)}: ${JSON.stringify(d.span)}`);
    }
    assert.deepEqual(analyzeText('/*').diagnostics.map((d) => [d.message, d.span]), [
      ['Unexpected end of comment (UnexpectedEndOfComment)', { offset: 0, length: 2 }],
      ['Expected a value (ValueExpected)', { offset: 2, length: 0 }],
    ]);
  });

  it('does not count brackets inside strings or comments as nesting', () => {
    const many = '['.repeat(300);
    const text = `{"version":1,"actions":{"a":{"command":"${many}","description":"\\\\\\"${many}"}}, // ${many}\n /* ${many} */ }`;
    const a = analyzeText(text);
    assert.deepEqual(a.diagnostics, []);
    assert.equal(a.graph.byId.get('a')!.description, `\\"${many}`);
  });

  it('reports too-deep nesting at the bracket that crosses the limit', () => {
    const text = `{"version":1,"actions":{},"x":${'['.repeat(5000)}}`;
    const a = analyzeText(text);
    assert.equal(a.diagnostics.length, 1);
    assert.equal(a.diagnostics[0]!.code, 'schema');
    assert.match(a.diagnostics[0]!.message, /nested too deeply/);
    assert.equal(a.diagnostics[0]!.span.offset, text.indexOf('[') + 255);
  });
});
