import * as assert from 'node:assert/strict';
import {
  CodeActionRequest,
  CompletionRequest,
  DefinitionRequest,
  HoverRequest,
  ReferencesRequest,
  RenameRequest,
  type CodeAction,
  type CompletionList,
  type MarkupContent,
  type Range,
} from 'vscode-languageserver/node';
import { positionOf, suiteClient } from './lspClient';

/** SPEC §10 in the language server: matrix diagnostics, selector completion, hover listing expansions, definition from a selector. */

const r = (sl: number, sc: number, el: number, ec: number): Range => ({ start: { line: sl, character: sc }, end: { line: el, character: ec } });

const TEXT = `{
  "version": 1,
  "actions": {
    "lint": { "command": "true" },
    "test": {
      "command": "pytest --python \${matrix.python} --os \${matrix.os}",
      "matrix": { "python": ["3.11", "3.12", "3.13"], "os": ["linux", "mac", "win", "bsd"] }
    },
    "report": { "command": "true", "dependsOn": ["test[python=3.11]", ""] }
  }
}`;


describe('server: matrix actions (SPEC §10)', function () {
  this.timeout(30_000);
  const c = suiteClient({ mode: 'push' });

  const open = (text: string): Promise<string> => c.openNew('matrix', text);

  it('publishes the matrix diagnostics with exact ranges (inside strings) and codes', async () => {
    const text = `{
  "version": 1,
  "actions": {
    "test": { "command": "echo \${matrix.pyton}", "matrix": { "python": ["3.11"], "os": ["linux"] } },
    "r": { "command": "true", "dependsOn": ["test[python=3.9]", "test[arch=x]"] },
    "e": { "command": "true", "matrix": { "os": [] } }
  }
}`;
    const uri = `file:///virtual/matrix-diag.actiontree.jsonc`;
    const got = c.waitForDiagnostics((p) => p.uri === uri && p.diagnostics.length > 0, 'matrix diagnostics', 10_000, true);
    await c.open(uri, text);
    const p = await got;
    const list = p.diagnostics.map((d) => [d.code, d.range, text.split('\n')[d.range.start.line]!.slice(d.range.start.character, d.range.end.character)]);
    assert.deepEqual(list, [
      ['unknown-matrix-axis', r(3, 31, 3, 46), '${matrix.pyton}'],
      ['empty-selector', r(4, 57, 4, 60), '3.9'],
      ['unknown-matrix-axis', r(4, 70, 4, 74), 'arch'],
      ['empty-matrix-axis', r(5, 48, 5, 50), '[]'],
    ]);
    assert.match(String(p.diagnostics[1]!.message), /selects nothing: axis 'python' of 'test' has no value '3\.9' \(values: '3\.11'\)/);
  });

  it('completes selectors in dependsOn: the action (every expansion) and test[axis=value] for each value', async () => {
    const uri = await open(TEXT);
    const at = positionOf(TEXT, '""', 0, 1);
    const res = (await c.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: at })) as CompletionList;
    const labels = res.items.map((i) => i.label);
    assert.ok(labels.includes('lint'));
    assert.ok(labels.includes('test'));
    for (const s of ['test[python=3.12]', 'test[python=3.13]', 'test[os=linux]', 'test[os=bsd]']) assert.ok(labels.includes(s), s);
    // Already listed in this dependsOn: not offered again.
    assert.ok(!labels.includes('test[python=3.11]'));
    const sel = res.items.find((i) => i.label === 'test[os=mac]')!;
    assert.equal(sel.detail, "3 of 12 expansions of 'test'");
    assert.deepEqual(sel.textEdit, { range: r(at.line, at.character - 1, at.line, at.character + 1), newText: '"test[os=mac]"' });
    // Sorted right after their action.
    const sorted = [...res.items].sort((a, b) => (a.sortText! < b.sortText! ? -1 : 1)).map((i) => i.label);
    assert.equal(sorted[sorted.indexOf('test') + 1], 'test[python=3.12]');
  });

  it('hover on a matrix action lists its expansions (the first 10, then a count)', async () => {
    const uri = await open(TEXT);
    const h = await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(TEXT, '"test": {', 0, 2) });
    const v = (h!.contents as MarkupContent).value;
    assert.match(v, /Matrix `python` \(3\) × `os` \(4\) → 12 expansions: `test\[python=3\.11,os=linux\]`, `test\[python=3\.11,os=mac\]`/);
    assert.match(v, /`test\[python=3\.13,os=mac\]` … and 2 more/);
    assert.ok(!v.includes('test[python=3.13,os=win]'));
  });

  it('hover on a selector says what it selects', async () => {
    const uri = await open(TEXT);
    const h = await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(TEXT, '"test[python=3.11]"', 0, 3) });
    assert.deepEqual(h!.range, r(8, 49, 8, 68));
    const v = (h!.contents as MarkupContent).value;
    assert.match(v, /^`test\[python=3\.11\]` selects 4 of 12 expansions: `test\[python=3\.11,os=linux\]`, `test\[python=3\.11,os=mac\]`, `test\[python=3\.11,os=win\]`, `test\[python=3\.11,os=bsd\]`\n\n\*\*test\*\*/);
  });

  it('go to definition from a selector to its action; references and rename include selectors', async () => {
    const uri = await open(TEXT);
    const defs = await c.conn.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: positionOf(TEXT, '"test[python=3.11]"', 0, 8) });
    assert.deepEqual(defs, [{ uri, range: r(4, 4, 4, 10) }]);
    const refs = await c.conn.sendRequest(ReferencesRequest.type, { textDocument: { uri }, position: positionOf(TEXT, '"test": {', 0, 2), context: { includeDeclaration: false } });
    assert.deepEqual(refs, [{ uri, range: r(8, 49, 8, 68) }]);
    const edit = await c.conn.sendRequest(RenameRequest.type, { textDocument: { uri }, position: positionOf(TEXT, '"test": {', 0, 2), newName: 'unit' });
    assert.deepEqual(edit!.changes![uri], [
      { range: r(4, 5, 4, 9), newText: 'unit' },
      { range: r(8, 50, 8, 54), newText: 'unit' },
    ]);
  });
});

describe('server: matrix quick fixes (SPEC §10)', function () {
  this.timeout(30_000);
  const c = suiteClient({ mode: 'push' });

  it('did-you-mean for a misspelled axis in ${matrix.x}, a selector and an exclude key; a selector on a plain action', async () => {
    const text = `{
  "version": 1,
  "actions": {
    "lint": { "command": "true" },
    "test": { "command": "echo \${matrix.pyton}", "matrix": { "python": ["3.11"], "exclude": [{ "pyhton": "3.11" }] } },
    "r": { "command": "true", "dependsOn": ["test[pythn=3.11]", "lint[x=1]"] }
  }
}`;
    const uri = 'file:///virtual/matrix-fix.actiontree.jsonc';
    await c.open(uri, text);
    const fixes = async (needle: string, delta: number): Promise<{ title: string; newText: string }[]> => {
      const at = positionOf(text, needle, 0, delta);
      const res = (await c.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: { start: at, end: at }, context: { diagnostics: [] } })) as CodeAction[];
      return res.filter((a) => a.title.startsWith('Change to')).map((a) => ({ title: a.title, newText: a.edit!.changes![uri]![0]!.newText }));
    };
    assert.deepEqual(await fixes('${matrix.pyton}', 3), [{ title: "Change to 'python'", newText: '${matrix.python}' }]);
    assert.deepEqual(await fixes('pythn=', 1), [{ title: "Change to 'python'", newText: 'python' }]);
    assert.deepEqual(await fixes('"pyhton"', 1), [{ title: "Change to 'python'", newText: '"python"' }]);
    assert.deepEqual(await fixes('"lint[x=1]"', 2), [{ title: "Change to 'lint'", newText: '"lint"' }]);
  });

  it('per-combination dependencies: hover says what each expansion gets, definition goes to the action, a misspelled own axis has its fix', async () => {
    const text = `{
  "version": 1,
  "actions": {
    "build": { "command": "true", "matrix": { "os": ["linux", "mac"] } },
    "test": { "command": "true", "dependsOn": ["build[os=\${matrix.os}]"], "matrix": { "os": ["linux", "mac"], "node": ["20", "22"] } },
    "pack": { "command": "true", "dependsOn": ["build[os=\${matrix.oss}]"], "matrix": { "os": ["linux"] } }
  }
}`;
    const uri = 'file:///virtual/matrix-per-combination.actiontree.jsonc';
    const got = c.waitForDiagnostics((p) => p.uri === uri, 'per-combination diagnostics', 10_000, true);
    await c.open(uri, text);
    const diags = (await got).diagnostics.map((d) => [d.code, text.split('\n')[d.range.start.line]!.slice(d.range.start.character, d.range.end.character)]);
    assert.deepEqual(diags, [['unknown-matrix-axis', '\${matrix.oss}']], 'test\'s per-combination selector is valid; pack names an axis it lacks');
    const h = await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(text, '"build[os=\${matrix.os}]"', 0, 3) });
    assert.match((h!.contents as MarkupContent).value, /^`build\[os=\$\{matrix\.os\}\]` is per combination: each expansion of the action that lists it depends on the expansions of `build` with its own `os` \(of 2 expansions\)/);
    // Completion in a matrix action's dependsOn offers the per-combination selector for an axis both share, first.
    const typing = text.replace('"dependsOn": ["build[os=\${matrix.os}]"]', '"dependsOn": [""]');
    const uri2 = 'file:///virtual/matrix-per-combination-completion.actiontree.jsonc';
    await c.open(uri2, typing);
    const list = (await c.conn.sendRequest(CompletionRequest.type, { textDocument: { uri: uri2 }, position: positionOf(typing, '[""]', 0, 2) })) as CompletionList;
    const sorted = [...list.items].sort((a, b) => (a.sortText! < b.sortText! ? -1 : 1)).map((i) => i.label);
    assert.equal(sorted[sorted.indexOf('build') + 1], 'build[os=\${matrix.os}]', sorted.join(', '));
    assert.match(list.items.find((i) => i.label === 'build[os=\${matrix.os}]')!.detail!, /^per combination: each expansion of 'test' waits for the expansions of 'build' with its own os$/);
    const defs = await c.conn.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: positionOf(text, '"build[os=\${matrix.os}]"', 0, 3) });
    assert.deepEqual(defs, [{ uri, range: r(3, 4, 3, 11) }]);
    const at = positionOf(text, '\${matrix.oss}', 0, 3);
    const res = (await c.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: { start: at, end: at }, context: { diagnostics: [] } })) as CodeAction[];
    assert.deepEqual(
      res.filter((a) => a.title.startsWith('Change to')).map((a) => a.edit!.changes![uri]![0]!.newText),
      ['\${matrix.os}'],
    );
  });
});
