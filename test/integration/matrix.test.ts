import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { workspaceRoot as root, until, type RunResult, type RunSummary as Summary, type TreeItemSnap } from './shared';

// SPEC §10 inside a real VS Code: a matrix action is a parent row in the tree with its
// expansions as children, and runs (by selector too) fill them with states.

const GRAPH = `{
  "version": 1,
  "name": "mx",
  "actions": {
    "prep": { "command": "echo prep" },
    "test": {
      "command": "echo \\"py \${matrix.python} on \${matrix.os}\\"",
      "dependsOn": ["prep"],
      "matrix": { "python": ["3.11", "3.12"], "os": ["linux", "mac"] },
      "description": "tests on \${matrix.os}"
    },
    "report": { "command": "echo report", "dependsOn": ["test[os=linux]"] }
  }
}
`;

async function tree(): Promise<TreeItemSnap[]> {
  return (await vscode.commands.executeCommand('actiontree.internal.tree')) as TreeItemSnap[];
}

describe('matrix actions in VS Code (SPEC §10)', function () {
  this.timeout(90_000);
  const dir = () => path.join(root().fsPath, 'matrix-fixtures');
  let uri: vscode.Uri;

  before(async () => {
    const ext = vscode.extensions.getExtension('actiontree.actiontree');
    assert.ok(ext);
    await ext.activate();
    fs.mkdirSync(dir(), { recursive: true });
    const file = path.join(dir(), 'mx.actiontree.jsonc');
    fs.writeFileSync(file, GRAPH);
    uri = vscode.Uri.file(file);
    // Do not wait for the file watcher (slow after earlier suites): list the graph files again.
    await vscode.commands.executeCommand('actiontree.refreshTree');
  });

  after(async () => {
    fs.rmSync(dir(), { recursive: true, force: true });
    await vscode.commands.executeCommand('actiontree.refreshTree');
  });

  it('the tree groups the expansions under their action; a run by selector fills them with states', async () => {
    const graph = await until('the matrix graph in the tree', async () => (await tree()).find((g) => g.label === 'mx'));
    const test = graph.children.find((c) => c.label === 'test');
    assert.ok(test, `a 'test' row: ${graph.children.map((c) => c.label).join(', ')}`);
    assert.deepEqual(test.children.map((c) => c.label), ['python=3.11,os=linux', 'python=3.11,os=mac', 'python=3.12,os=linux', 'python=3.12,os=mac']);
    assert.equal(test.description, '4 expansions');
    assert.match(test.tooltip, /^test — matrix python \(2\) × os \(2\): 4 expansions/);
    // An expansion's tooltip shows its command and description with the values substituted.
    assert.match(test.children[1]!.tooltip, /^test\[python=3\.11,os=mac\]\ntests on mac\n\$ echo "py 3\.11 on mac"/);

    const r = (await vscode.commands.executeCommand('actiontree.runAction', uri, 'report')) as RunResult;
    assert.equal(r.ok, true, r.message);
    const s = (await vscode.commands.executeCommand('actiontree.internal.waitRun', r.session, 60_000)) as Summary;
    assert.equal(s.result, 'succeeded');
    assert.deepEqual(Object.keys(s.states).sort(), ['prep', 'report', 'test[python=3.11,os=linux]', 'test[python=3.12,os=linux]']);
    const after = await until('the states in the tree', async () => {
      const t = (await tree()).find((g) => g.label === 'mx')?.children.find((c) => c.label === 'test');
      return t && /succeeded/.test(t.description) ? t : undefined;
    });
    assert.equal(after.description, '4 expansions · 2 succeeded');
    assert.equal(after.icon, 'pass');
    const kids = Object.fromEntries(after.children.map((c) => [c.label, c.icon]));
    assert.equal(kids['python=3.11,os=linux'], 'pass');
    assert.equal(kids['python=3.12,os=linux'], 'pass');
    assert.equal(kids['python=3.11,os=mac'], 'circle-large-outline');
  });

  it('Run Action accepts a selector', async () => {
    const r = (await vscode.commands.executeCommand('actiontree.runAction', uri, 'test[os=mac]')) as RunResult;
    assert.equal(r.ok, true, r.message);
    const s = (await vscode.commands.executeCommand('actiontree.internal.waitRun', r.session, 60_000)) as Summary;
    assert.equal(s.result, 'succeeded');
    assert.deepEqual(Object.keys(s.states).sort(), ['prep', 'test[python=3.11,os=mac]', 'test[python=3.12,os=mac]']);
  });
});
