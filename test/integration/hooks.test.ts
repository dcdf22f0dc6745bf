import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type RunResult, type RunSummary as Summary } from './shared';

// SPEC §10 hooks through the real commands in a trusted VS Code: the extension's runner worker
// runs them; a failing hook leaves the run succeeded; the report lists them.

describe('hooks from VS Code (trusted workspace)', function () {
  this.timeout(60_000);

  const dir = (): string => path.join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, 'hooks-fixture');

  before(async () => {
    await vscode.extensions.getExtension('actiontree.actiontree')?.activate();
  });

  after(() => {
    fs.rmSync(dir(), { recursive: true, force: true });
  });

  it('Run Graph runs the hooks: onActionFinished and onRunFinished (after report.json), a failing hook does not fail the run', async () => {
    fs.mkdirSync(dir(), { recursive: true });
    const file = path.join(dir(), 'hooks.actiontree.jsonc');
    fs.writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        name: 'hooked',
        hooks: {
          onActionFinished: 'echo "$ACTIONTREE_ACTION=$ACTIONTREE_STATE" >> actions.txt; exit 7',
          onRunFinished: 'test -f "$ACTIONTREE_REPORT" && echo "$ACTIONTREE_STATE $ACTIONTREE_RUN_ID" > run.txt',
        },
        actions: { one: { command: 'true' }, two: { command: 'true', dependsOn: ['one'] } },
      }),
    );
    const r = (await vscode.commands.executeCommand('actiontree.runGraph', vscode.Uri.file(file).toString())) as RunResult;
    assert.equal(r.ok, true, r.message);
    const s = (await vscode.commands.executeCommand('actiontree.internal.waitRun', r.session!, 30_000)) as Summary;
    assert.equal(s.error, null);
    assert.equal(s.result, 'succeeded', 'failing onActionFinished hooks do not fail the run');
    assert.deepEqual(s.states, { one: 'succeeded', two: 'succeeded' });
    assert.deepEqual(fs.readFileSync(path.join(dir(), 'actions.txt'), 'utf8').split('\n').filter(Boolean).sort(), ['one=succeeded', 'two=succeeded']);
    const report = JSON.parse(fs.readFileSync(path.join(s.runDir!, 'report.json'), 'utf8')) as { runId: string; hooks: { hook: string; error: string | null }[] };
    assert.equal(fs.readFileSync(path.join(dir(), 'run.txt'), 'utf8'), `succeeded ${report.runId}\n`, 'onRunFinished saw report.json');
    assert.deepEqual(report.hooks.map((h) => [h.hook, h.error]), [
      ['onActionFinished', 'exit code 7'],
      ['onActionFinished', 'exit code 7'],
      ['onRunFinished', null],
    ]);
  });
});
