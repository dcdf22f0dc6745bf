import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'actiontree.actiontree';

interface Manifest {
  contributes: { commands: { command: string }[] };
}

function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the fixture workspace folder is open');
  return folder.uri;
}

describe('activation', () => {
  it('opens the fixture workspace', async () => {
    const files = await vscode.workspace.findFiles('**/*.actiontree.jsonc');
    const names = files.map((f) => path.basename(f.fsPath)).sort();
    assert.deepEqual(names, ['build.actiontree.jsonc', 'resources.actiontree.jsonc']);
    assert.equal(vscode.workspace.isTrusted, true, 'the default suite runs in a trusted workspace');
  });

  it('activates the extension on the fixture workspace', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is installed in the development host`);
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('assigns the actiontree language to *.actiontree.jsonc', async () => {
    const uri = vscode.Uri.joinPath(workspaceRoot(), 'build.actiontree.jsonc');
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.equal(doc.languageId, 'actiontree');
    const nested = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(workspaceRoot(), 'packages', 'resources.actiontree.jsonc'));
    assert.equal(nested.languageId, 'actiontree');
  });

  it('registers every command contributed in package.json', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    await ext.activate();
    const manifest = JSON.parse(fs.readFileSync(path.join(ext.extensionPath, 'package.json'), 'utf8')) as Manifest;
    const contributed = manifest.contributes.commands.map((c) => c.command).sort();
    assert.ok(contributed.length > 0, 'package.json contributes commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], `contributed commands without a registered handler: ${missing.join(', ')}`);
  });
});
