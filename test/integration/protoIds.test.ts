import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { until, type TreeItemSnap } from './shared';

// Issue #8 §3 in the editor: actions named like Object.prototype members run through the
// worker, the shared reducer, the run summary and the tree like any other id.

const IDS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
const GRAPH = `{
  "version": 1,
  "name": "protoids",
  "resources": { "__proto__": 1 },
  "actions": {
    "__proto__": { "command": "echo p", "resources": { "__proto__": 1 } },
    "constructor": { "command": "echo c", "dependsOn": ["__proto__"] },
    "toString": { "command": "echo t", "dependsOn": ["constructor"] },
    "hasOwnProperty": { "command": "echo h", "dependsOn": ["__proto__"] },
    "valueOf": { "command": "exit 3", "dependsOn": ["toString", "hasOwnProperty"] }
  }
}
`;

describe('ids named like Object.prototype members (VS Code)', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    const ext = vscode.extensions.getExtension('actiontree.actiontree');
    assert.ok(ext);
    await ext.activate();
    const root = vscode.workspace.workspaceFolders?.[0];
    assert.ok(root);
    dir = path.join(root.uri.fsPath, 'proto-ids');
    fs.mkdirSync(dir, { recursive: true });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs them; the summary and the tree show all five with their states', async () => {
    const file = path.join(dir, 'protoids.actiontree.jsonc');
    fs.writeFileSync(file, GRAPH);
    const uri = vscode.Uri.file(file);
    const r = (await vscode.commands.executeCommand('actiontree.runGraph', uri)) as { ok: boolean; session?: number; message?: string };
    assert.equal(r.ok, true, r.message);
    const s = (await vscode.commands.executeCommand('actiontree.internal.waitRun', r.session, 30_000)) as { result: string; states: Record<string, string> };
    assert.equal(s.result, 'failed');
    assert.deepEqual(Object.keys(s.states), IDS);
    assert.ok(Object.prototype.hasOwnProperty.call(s.states, '__proto__'));
    assert.deepEqual(IDS.map((id) => s.states[id]), ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'failed']);
    const g = await until('the tree to show the final states', async () => {
      const t = (await vscode.commands.executeCommand('actiontree.internal.tree')) as TreeItemSnap[];
      const n = t.find((x) => x.label === 'protoids');
      return n && n.children.length === 5 && n.children.every((c) => c.icon === 'pass' || c.icon === 'error') ? n : undefined;
    });
    assert.deepEqual(g.children.map((c) => [c.label, c.icon]).sort(), IDS.map((id) => [id, id === 'valueOf' ? 'error' : 'pass']).sort());
    assert.match(g.children.find((c) => c.label === 'valueOf')!.description, /exit code 3/);
  });
});
