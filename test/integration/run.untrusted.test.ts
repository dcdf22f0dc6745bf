import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

// Restricted Mode: the run commands explain why nothing runs and start no process.
describe('running in an untrusted workspace', () => {
  before(async () => {
    await vscode.extensions.getExtension('actiontree.actiontree')?.activate();
  });

  it('refuses every run command and starts nothing', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    const root = vscode.workspace.workspaceFolders![0]!.uri;
    const uri = vscode.Uri.joinPath(root, 'build.actiontree.jsonc');
    for (const [cmd, args] of [
      ['actiontree.runGraph', [uri]],
      ['actiontree.runAction', [uri.toString(), 'lint']],
      ['actiontree.runActionOnly', [uri.toString(), 'lint']],
      ['actiontree.rerunFailed', [uri]],
    ] as const) {
      const r = (await vscode.commands.executeCommand(cmd, ...args)) as { ok: boolean; reason: string; message: string };
      assert.equal(r.ok, false, cmd);
      assert.equal(r.reason, 'untrusted', cmd);
      assert.match(r.message, /Restricted Mode/);
    }
    const sessions = (await vscode.commands.executeCommand('actiontree.internal.sessions')) as unknown[];
    assert.deepEqual(sessions, []);
    assert.equal(fs.existsSync(path.join(root.fsPath, '.actiontree')), false, 'no run folder written');
  });
});
