import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

// Runs in the "untrusted" suite (file name *.untrusted.test.ts): workspace trust is enabled and
// the fixture folder was never trusted, so VS Code is in Restricted Mode.
describe('untrusted workspace', () => {
  it('is not trusted', () => {
    assert.equal(vscode.workspace.isTrusted, false);
    assert.ok(vscode.workspace.workspaceFolders?.length, 'the fixture workspace is open');
  });

  it('still activates the extension (untrustedWorkspaces: limited)', async () => {
    const ext = vscode.extensions.getExtension('actiontree.actiontree');
    assert.ok(ext, 'extension is installed');
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('assigns the actiontree language', async () => {
    const [file] = await vscode.workspace.findFiles('build.actiontree.jsonc');
    assert.ok(file);
    const doc = await vscode.workspace.openTextDocument(file);
    assert.equal(doc.languageId, 'actiontree');
  });
});
