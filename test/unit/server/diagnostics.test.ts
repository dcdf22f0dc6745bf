import * as assert from 'node:assert/strict';
import { DocumentDiagnosticRequest, HoverRequest, DocumentSymbolRequest, CompletionRequest, type Diagnostic } from 'vscode-languageserver/node';
import { DOCUMENT_HIDDEN_METHOD } from '../../../src/shared/lsp-protocol';
import { TestClient, positionOf, suiteClient } from './lspClient';
import { CLEAN, GRAPH } from './fixtures';

const URI = 'file:///virtual/diag.actiontree.jsonc';

function brief(d: Diagnostic): string {
  return `${String(d.code)} ${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}`;
}

describe('server: diagnostics (push)', function () {
  const c = suiteClient({ mode: 'push' });

  it('advertises no pull provider when the client cannot pull', () => {
    assert.equal(c.init.capabilities.diagnosticProvider, undefined);
  });

  it('publishes every core diagnostic with exact ranges, codes, versions and cycle evidence', async () => {
    const got = c.waitForDiagnostics((p) => p.uri === URI, 'diagnostics of the opened document');
    await c.open(URI, GRAPH);
    const p = await got;
    assert.equal(p.version, 1);
    assert.deepEqual(p.diagnostics.map(brief), [
      'unused-resource 2:26-2:31',
      'unknown-dependency 5:65-5:70',
      'self-dependency 6:60-6:66',
      'duplicate-dependency 6:76-6:83',
      'cycle 7:41-7:44',
      'cycle 8:41-8:44',
    ]);
    const unknown = p.diagnostics[1]!;
    assert.equal(unknown.severity, 1);
    assert.equal(unknown.source, 'actiontree');
    assert.match(String(unknown.message), /did you mean 'lint'\?/);
    assert.deepEqual(unknown.data, { action: 'build', dependency: 'lnt', suggestion: 'lint' });
    assert.deepEqual(p.diagnostics[0]!.tags, [1], 'an unused resource is marked unnecessary');
    const cycle = p.diagnostics[4]!;
    assert.equal(cycle.message, "cycle: a → b → a");
    assert.deepEqual(
      cycle.relatedInformation?.map((r) => [r.location.uri, r.location.range.start.line, r.location.range.start.character, r.message]),
      [
        [URI, 7, 4, "'a' depends on 'b'"],
        [URI, 8, 4, "'b' depends on 'a'"],
      ],
    );
  });

  it('publishes for the new version after an edit, and clears when fixed', async () => {
    // break the cycle: "b" depends on nothing
    const at = positionOf(GRAPH, '["a"]');
    let got = c.waitForDiagnostics((p) => p.uri === URI && p.version === 2, 'version 2');
    await c.change(URI, [{ range: { start: at, end: { line: at.line, character: at.character + 5 } }, text: '[]' }]);
    let p = await got;
    assert.deepEqual(p.diagnostics.map(brief), [
      'unused-resource 2:26-2:31',
      'unknown-dependency 5:65-5:70',
      'self-dependency 6:60-6:66',
      'duplicate-dependency 6:76-6:83',
    ]);
    got = c.waitForDiagnostics((p) => p.uri === URI && p.version === 3, 'version 3');
    await c.change(URI, [{ text: CLEAN }]);
    p = await got;
    assert.deepEqual(p.diagnostics, []);
  });

  it('coalesces a burst of edits: the newest version is published, never an older one after it', async () => {
    const before = c.published.length;
    let last = 0;
    for (let i = 0; i < 20; i++) last = await c.change(URI, [{ text: i % 2 === 0 ? GRAPH : CLEAN }]);
    const p = await c.waitForDiagnostics((q) => q.uri === URI && q.version === last, `version ${last}`);
    assert.deepEqual(p.diagnostics, [], 'the last text (CLEAN) has no problem');
    const versions = c.published.slice(before).filter((q) => q.uri === URI).map((q) => q.version as number);
    assert.deepEqual([...versions].sort((a, b) => a - b), versions, 'versions only increase');
    assert.ok(versions.length <= 20, `at most one publish per edit (got ${versions.length})`);
  });

  it('knows the machine: with cpuAffinity, cpus above the cores is a more-cpus-than-cores warning on the value (issue 10)', async () => {
    const uri = 'file:///virtual/cores.actiontree.jsonc';
    const text = '{\n  "version": 1, "cpuAffinity": true,\n  "actions": { "wide": { "command": "true", "cpus": 100000 } }\n}\n';
    const got = c.waitForDiagnostics((p) => p.uri === uri, 'diagnostics of the cores document');
    await c.open(uri, text);
    const p = await got;
    assert.deepEqual(p.diagnostics.map(brief), ['more-cpus-than-cores 2:52-2:58']);
    assert.equal(p.diagnostics[0]!.severity, 2);
    assert.match(String(p.diagnostics[0]!.message), /^action 'wide' needs 100000 CPU slots pinned to distinct cores \('cpuAffinity'\), but this machine has \d+ cores?/);
  });

  it('clears the diagnostics of a closed document that is not in the workspace', async () => {
    const got = c.waitForDiagnostics((p) => p.uri === URI && p.version === undefined, 'cleared diagnostics');
    await c.close(URI);
    assert.deepEqual((await got).diagnostics, []);
  });
});

describe('server: diagnostics (pull)', function () {
  const c = suiteClient({ mode: 'pull' });

  it('advertises a document diagnostic provider and answers pulls, unchanged when nothing changed', async () => {
    assert.deepEqual(c.init.capabilities.diagnosticProvider, { identifier: 'actiontree', interFileDependencies: false, workspaceDiagnostics: false });
    await c.open(URI, GRAPH);
    const first = await c.conn.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri: URI } });
    assert.equal(first.kind, 'full');
    assert.ok(first.kind === 'full');
    assert.deepEqual(first.items.map(brief), [
      'unused-resource 2:26-2:31',
      'unknown-dependency 5:65-5:70',
      'self-dependency 6:60-6:66',
      'duplicate-dependency 6:76-6:83',
      'cycle 7:41-7:44',
      'cycle 8:41-8:44',
    ]);
    const again = await c.conn.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri: URI }, previousResultId: first.resultId });
    assert.deepEqual(again, { kind: 'unchanged', resultId: first.resultId });
    await c.change(URI, [{ text: CLEAN }]);
    const after = await c.conn.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri: URI }, previousResultId: first.resultId });
    assert.equal(after.kind, 'full');
    assert.ok(after.kind === 'full');
    assert.notEqual(after.resultId, first.resultId);
    assert.deepEqual(after.items, []);
  });

  it('pushes a hidden open document\'s diagnostics until it is pulled again (actiontree/documentHidden)', async () => {
    const uri = 'file:///virtual/hidden.actiontree.jsonc';
    await c.open(uri, CLEAN);
    const pulled = await c.conn.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri } });
    assert.equal(pulled.kind, 'full');
    let got = c.waitForDiagnostics((p) => p.uri === uri && p.version === 1, 'push after documentHidden');
    await c.conn.sendNotification(DOCUMENT_HIDDEN_METHOD, { uri });
    assert.deepEqual((await got).diagnostics, []);
    // edits to the hidden document (e.g. by another extension) keep the pushed diagnostics current
    got = c.waitForDiagnostics((p) => p.uri === uri && p.version === 2, 'push of version 2');
    await c.change(uri, [{ text: GRAPH }]);
    assert.equal((await got).diagnostics.length, 6);
    // shown again: the client pulls; the pushed ones are cleared first
    const cleared = c.waitForDiagnostics((p) => p.uri === uri && p.version === undefined && p.diagnostics.length === 0, 'push cleared');
    const again = await c.conn.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri } });
    await cleared;
    assert.ok(again.kind === 'full' && again.items.length === 6);
    await c.close(uri);
  });

  it('does not push diagnostics for open documents', () => {
    assert.deepEqual(
      c.published.filter((p) => p.uri === URI),
      [],
    );
  });
});

describe('server: bad input never kills it', function () {
  const c = suiteClient({ mode: 'push' });

  it('half-typed JSON yields syntax diagnostics and features still answer', async () => {
    const uri = 'file:///virtual/half.actiontree.jsonc';
    const text = '{\n  "version": 1,\n  "actions": {\n    "a": { "command": "x", "dependsOn": ["b';
    const got = c.waitForDiagnostics((p) => p.uri === uri, 'half-typed diagnostics');
    await c.open(uri, text);
    const p = await got;
    assert.ok(p.diagnostics.length > 0);
    assert.ok(p.diagnostics.some((d) => d.code === 'syntax'), p.diagnostics.map(brief).join(', '));
    const completion = await c.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 3, character: 41 } });
    assert.ok(completion !== null);
    assert.ok(c.alive());
  });

  it('another language renamed (a shell script) yields a syntax diagnostic at its first token', async () => {
    const uri = 'file:///virtual/script.actiontree.jsonc';
    const got = c.waitForDiagnostics((p) => p.uri === uri, 'shell script diagnostics');
    await c.open(uri, '#!/bin/sh\nset -e\necho "hello" > /dev/null\n');
    const p = await got;
    assert.ok(p.diagnostics.length >= 1);
    assert.equal(p.diagnostics[0]!.code, 'syntax');
    assert.deepEqual(p.diagnostics[0]!.range.start, { line: 0, character: 0 });
  });

  it('binary garbage and random positions never break the handlers', async () => {
    const uri = 'file:///virtual/binary.actiontree.jsonc';
    let junk = '';
    for (let i = 0; i < 5000; i++) junk += String.fromCharCode((i * 7919) % 65536);
    const got = c.waitForDiagnostics((p) => p.uri === uri, 'binary diagnostics');
    await c.open(uri, junk);
    await got;
    for (const position of [{ line: 0, character: 0 }, { line: 99, character: 99 }, { line: 0, character: 100000 }]) {
      await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position });
      await c.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position });
    }
    assert.ok(c.alive());
  });

  it('a file over the size limit gets one too-large diagnostic and no feature work', async () => {
    const uri = 'file:///virtual/huge.actiontree.jsonc';
    const big = '{"version": 1, "actions": {' + ' '.repeat(50 * 1024 * 1024) + '}}';
    const got = c.waitForDiagnostics((p) => p.uri === uri, 'too-large diagnostic', 60_000);
    await c.open(uri, big);
    const p = await got;
    assert.equal(p.diagnostics.length, 1);
    assert.equal(p.diagnostics[0]!.code, 'too-large');
    assert.match(String(p.diagnostics[0]!.message), /too large to analyze/);
    assert.deepEqual(p.diagnostics[0]!.range, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
    const symbols = await c.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } });
    assert.deepEqual(symbols, []);
    assert.equal(await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 0, character: 3 } }), null);
    await c.close(uri);
  });

  it('requests for unknown documents answer empty', async () => {
    const uri = 'file:///virtual/never-opened.actiontree.jsonc';
    assert.deepEqual(await c.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } }), []);
    assert.equal(await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 0, character: 0 } }), null);
  });
});

describe('server: over Node IPC (as the VS Code client starts it)', function () {
  it('initializes and publishes diagnostics', async () => {
    const c = await TestClient.start({ mode: 'push', transport: 'ipc' });
    try {
      assert.equal(c.init.serverInfo?.name, 'actiontree-language-server');
      const got = c.waitForDiagnostics((p) => p.uri === URI, 'diagnostics over IPC');
      await c.open(URI, GRAPH);
      assert.equal((await got).diagnostics.length, 6);
    } finally {
      await c.stop();
    }
  });
});
