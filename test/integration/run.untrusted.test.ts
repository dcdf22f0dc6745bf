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

// SPEC §10: hooks are commands from the graph file too: none runs in Restricted Mode.
describe('hooks in an untrusted workspace', () => {
  it('a graph with hooks: every run command is refused and no hook runs', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    const root = vscode.workspace.workspaceFolders![0]!.uri;
    const file = path.join(root.fsPath, 'hooks.actiontree.jsonc');
    const marker = (name: string): string => path.join(root.fsPath, `hook-ran-${name}`);
    fs.writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        hooks: { onRunStarted: `touch '${marker('started')}'`, onActionFinished: `touch '${marker('action')}'`, onRunFinished: `touch '${marker('finished')}'` },
        actions: { a: { command: 'true' } },
      }),
    );
    try {
      const uri = vscode.Uri.file(file);
      for (const [cmd, args] of [
        ['actiontree.runGraph', [uri]],
        ['actiontree.runGraphForce', [uri]],
        ['actiontree.runAction', [uri.toString(), 'a']],
        ['actiontree.runActionOnly', [uri.toString(), 'a']],
        ['actiontree.rerunFailed', [uri]],
      ] as const) {
        const r = (await vscode.commands.executeCommand(cmd, ...args)) as { ok: boolean; reason: string };
        assert.equal(r.ok, false, cmd);
        assert.equal(r.reason, 'untrusted', cmd);
      }
      for (const m of ['started', 'action', 'finished']) assert.equal(fs.existsSync(marker(m)), false, `hook ${m} did not run`);
      assert.equal(fs.existsSync(path.join(root.fsPath, '.actiontree')), false, 'no run folder written');
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
