import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

// Issue 11, item 4: what the chart shows for an action is what the action took, not the
// start-up of the process that runs it. The recorded durations of `sleep 0.2` actions run
// from VS Code must be within 30 ms of the same actions run by the CLI on the same machine
// (medians of 9 samples each: 3 runs of 3 actions).

const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'integration', 'fixtures', 'run');

interface Report {
  actions: Record<string, { startedAt: number; finishedAt: number; state: string }>;
}

function durations(runDir: string): number[] {
  const r = JSON.parse(fs.readFileSync(path.join(runDir, 'report.json'), 'utf8')) as Report;
  return Object.values(r.actions).map((a) => {
    assert.equal(a.state, 'succeeded');
    return a.finishedAt - a.startedAt;
  });
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

describe('issue 11 item 4: recorded durations from VS Code match the CLI', function () {
  this.timeout(180_000);

  it('sleep 0.2 from VS Code is within 30 ms of the CLI (medians)', async () => {
    const ext = vscode.extensions.getExtension('actiontree.actiontree')!;
    await ext.activate();
    const root = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const dir = path.join(root, 'durations');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'sleeps.actiontree.jsonc');
    fs.copyFileSync(path.join(FIXTURES, 'sleeps.actiontree.jsonc'), file);
    const fromCode: number[] = [];
    const fromCli: number[] = [];
    const cli = path.join(ext.extensionPath, 'dist', 'cli.js');
    for (let i = 0; i < 3; i++) {
      // Alternate so that load changes on the machine hit both sides alike.
      const r = (await vscode.commands.executeCommand('actiontree.runGraph', vscode.Uri.file(file))) as { ok: boolean; session: number };
      assert.ok(r.ok);
      const s = (await vscode.commands.executeCommand('actiontree.internal.waitRun', r.session, 60_000)) as { runDir: string; result: string };
      assert.equal(s.result, 'succeeded');
      fromCode.push(...durations(s.runDir));
      const before = new Set(fs.readdirSync(path.join(dir, '.actiontree', 'runs')));
      const c = spawnSync(process.execPath, [cli, 'run', file], { cwd: dir, encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
      assert.equal(c.status, 0, c.stderr);
      const runDir = fs.readdirSync(path.join(dir, '.actiontree', 'runs')).find((n) => !before.has(n))!;
      fromCli.push(...durations(path.join(dir, '.actiontree', 'runs', runDir)));
    }
    const mc = median(fromCode);
    const ml = median(fromCli);
    console.log(`sleep 0.2 recorded durations: VS Code median ${mc.toFixed(1)} ms ${JSON.stringify(fromCode.map(Math.round))}, CLI median ${ml.toFixed(1)} ms ${JSON.stringify(fromCli.map(Math.round))}`);
    assert.ok(Math.abs(mc - ml) <= 30, `VS Code ${mc.toFixed(1)} ms vs CLI ${ml.toFixed(1)} ms`);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
