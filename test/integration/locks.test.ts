import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { codeOf, copyFixture, find, rangeText, waitForDiagnostics } from './lspHelpers';

/** SPEC §10 in a real VS Code: a lock diagnostic and its quick fix, completion, hover and definition of artifacts. */
describe('locks and requires/provides in VS Code', function () {
  let uri: vscode.Uri;
  let doc: vscode.TextDocument;
  let editor: vscode.TextEditor;

  before(async () => {
    uri = await copyFixture('locks.actiontree.jsonc', 'locks-it');
    doc = await vscode.workspace.openTextDocument(uri);
    editor = await vscode.window.showTextDocument(doc);
    await waitForDiagnostics(uri, (ds) => ds.length === 0, 'a clean file');
  });

  after(async () => {
    if (doc.isDirty) await doc.save();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(path.dirname(uri.fsPath), { recursive: true, force: true });
  });

  it('hover on a required name says which action provides it; definition goes to its provides entry', async () => {
    const at = find(doc, '"requires": ["schema"]', 15);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, at);
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /Artifact \*\*schema\*\*, provided by `gen`/);
    const defs = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', uri, at);
    const range = defs.map((d) => ('targetRange' in d ? d.targetRange : d.range))[0];
    assert.ok(range);
    assert.equal(doc.getText(range), '"schema"');
    assert.equal(range.start.line, 4);
  });

  it('an undeclared lock is an error on its key; the quick fix declares it', async () => {
    const at = find(doc, '"locks": { "db": "exclusive" }', 10);
    assert.ok(await editor.edit((b) => b.insert(at, '"cache": "shared", ')));
    const ds = await waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'unknown-lock'), 'unknown-lock');
    const d = ds.find((x) => codeOf(x) === 'unknown-lock')!;
    assert.equal(rangeText(d.range), `5:${at.character}-5:${at.character + 7}`);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, d.range);
    const declare = actions.find((a) => a.title === 'Declare lock \'cache\' in the top-level "locks"');
    assert.ok(declare?.edit, actions.map((a) => a.title).join(', '));
    assert.ok(await vscode.workspace.applyEdit(declare.edit));
    assert.match(doc.getText(), /"locks": \["db", "cache"\]/);
    await waitForDiagnostics(uri, (x) => x.length === 0, 'clean after the fix');
  });

  it('completes lock names inside an action\'s locks', async () => {
    const at = find(doc, '"locks": { "db": "shared" }', 10);
    assert.ok(await editor.edit((b) => b.insert(at, '"" : "shared", ')));
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, at.translate(0, 1), '"');
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    assert.ok(labels.includes('cache'), labels.join(', '));
    assert.ok(!labels.includes('db'), 'db is taken already');
  });
});
