import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { codeOf, copyFixture, find, waitForDiagnostics } from './lspHelpers';

// Restricted Mode: the language server still runs (it never executes anything).
describe('language server in an untrusted workspace', () => {
  it('validates as you type and answers language features', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    const uri = await copyFixture('graph.actiontree.jsonc', 'lsp-untrusted');
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    await waitForDiagnostics(uri, (ds) => ds.some((d) => codeOf(d) === 'unused-resource'), 'the unused-resource hint');
    const at = find(doc, '"dependsOn": []', 14);
    assert.ok(await editor.edit((b) => b.insert(at, '"nope"')));
    await waitForDiagnostics(uri, (ds) => ds.some((d) => codeOf(d) === 'unknown-dependency'), 'unknown-dependency');
    const defs = await vscode.commands.executeCommand<unknown[]>('vscode.executeDefinitionProvider', uri, find(doc, '["lint"]', 3));
    assert.equal(defs.length, 1);
    await vscode.commands.executeCommand('undo');
    if (doc.isDirty) await doc.save();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(path.dirname(uri.fsPath), { recursive: true, force: true });
  });
});
