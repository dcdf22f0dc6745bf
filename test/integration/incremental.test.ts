import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { workspaceRoot as root, untilWithin, type RunResult, type RunSummary as Summary, type TreeItemSnap } from './shared';

// Incremental runs from VS Code (SPEC §7, issue 9): a graph with inputs runs twice, the second
// run's actions show as skipped ("up to date") in the tree and report.json; Re-run Failed runs
// again (what succeeded and did not change is skipped); the tree tooltip, the hover and the
// code lens say what the next run would do; Run Graph (Force) runs everything.

const until = untilWithin(30_000, 50);

interface ReportAction {
  state: string;
  reason: string | null;
  fingerprint?: string;
  why?: string[];
}

const GRAPH = `// Integration: incremental actions
{
  "version": 1,
  "name": "incremental",
  "cpus": 2,
  "keepGoing": true,
  "actions": {
    "gen": {
      "command": ["node", "-e", "require('fs').copyFileSync('src.txt', 'gen.out')"],
      "inputs": ["src.txt"],
      "outputs": ["gen.out"]
    },
    "build": {
      "command": ["node", "-e", "require('fs').copyFileSync('gen.out', 'build.out')"],
      "dependsOn": ["gen"],
      "inputs": [],
      "outputs": ["build.out"]
    },
    "check": {
      "command": ["node", "-e", "process.exit(require('fs').existsSync('ok.flag') ? 0 : 3)"],
      "dependsOn": ["build"],
      "inputs": ["ok.flag", "build.out"]
    },
    "always": { "command": ["node", "-e", "console.log('phony')"] }
  }
}
`;

async function graphNode(): Promise<TreeItemSnap | undefined> {
  const t = (await vscode.commands.executeCommand('actiontree.internal.tree')) as TreeItemSnap[];
  return t.find((g) => g.label === 'incremental');
}

async function run(command: string, uri: vscode.Uri): Promise<Summary> {
  const r = (await vscode.commands.executeCommand(command, uri)) as RunResult;
  assert.equal(r.ok, true, r.message);
  const s = (await vscode.commands.executeCommand('actiontree.internal.waitRun', r.session, 60_000)) as Summary;
  assert.equal(s.error, null);
  return s;
}

function report(s: Summary): Record<string, ReportAction> {
  assert.ok(s.runDir);
  return (JSON.parse(fs.readFileSync(path.join(s.runDir, 'report.json'), 'utf8')) as { actions: Record<string, ReportAction> }).actions;
}

function position(doc: vscode.TextDocument, needle: string): vscode.Position {
  const i = doc.getText().indexOf(needle);
  assert.ok(i >= 0, needle);
  return doc.positionAt(i + 2);
}

async function hoverText(uri: vscode.Uri, pos: vscode.Position): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, pos);
  // Text from files is backslash-escaped markdown: compare the text as rendered.
  return hovers
    .flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value)))
    .join('\n')
    .replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

describe('incremental runs in VS Code', function () {
  this.timeout(180_000);
  let dir: string;
  let uri: vscode.Uri;

  before(async () => {
    const ext = vscode.extensions.getExtension('actiontree.actiontree');
    assert.ok(ext);
    await ext.activate();
    dir = path.join(root().fsPath, 'incremental-fixture');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'src.txt'), 'one\n');
    fs.writeFileSync(path.join(dir, 'incremental.actiontree.jsonc'), GRAPH);
    uri = vscode.Uri.file(path.join(dir, 'incremental.actiontree.jsonc'));
    await vscode.commands.executeCommand('actiontree.refreshTree');
  });

  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('Re-run Failed runs again: what succeeded and did not change is skipped, shown as up to date in the tree and report.json', async () => {
    const s1 = await run('actiontree.runGraph', uri);
    assert.deepEqual(s1.states, { gen: 'succeeded', build: 'succeeded', check: 'failed', always: 'succeeded' });
    fs.writeFileSync(path.join(dir, 'ok.flag'), 'ok\n');
    const s2 = await run('actiontree.rerunFailed', uri);
    assert.equal(s2.result, 'succeeded');
    // The failed action with its dependencies (h6's Re-run Failed): the dependencies that
    // succeeded and did not change are skipped as up to date.
    assert.deepEqual(s2.states, { gen: 'skipped', build: 'skipped', check: 'succeeded' });
    const r2 = report(s2);
    assert.equal(r2['gen']?.reason, 'up to date');
    assert.ok(typeof r2['gen']?.fingerprint === 'string' && r2['gen'].fingerprint.length > 0);
    assert.ok(r2['check']?.why?.includes('previous run failed'), JSON.stringify(r2['check']));

    const g = await until('the tree to show the up-to-date actions', async () => {
      const n = await graphNode();
      return n && n.children.find((c) => c.label === 'check')?.icon === 'pass' ? n : undefined;
    });
    const gen = g.children.find((c) => c.label === 'gen')!;
    assert.equal(gen.icon, 'debug-step-over', 'distinct from succeeded (pass)');
    assert.equal(gen.description, 'up to date');
    assert.match(gen.tooltip, /^gen — up to date \(skipped: not run\)/);
    assert.match(g.description, /succeeded: .*2 skipped/);
  });

  it('a second run skips every incremental action; the tooltip, hover and code lens say so', async () => {
    const s = await run('actiontree.runGraph', uri);
    assert.deepEqual(s.states, { gen: 'skipped', build: 'skipped', check: 'skipped', always: 'succeeded' });
    const r = report(s);
    for (const id of ['gen', 'build', 'check']) {
      assert.equal(r[id]?.state, 'skipped');
      assert.equal(r[id]?.reason, 'up to date');
    }
    assert.deepEqual(r['always']?.why, ['no inputs declared']);

    // Tree tooltip: what the next run would do, from the plan (computed in a worker process).
    const g = await until('the tooltip to carry the plan', async () => {
      const n = await graphNode();
      const gen = n?.children.find((c) => c.label === 'gen');
      return gen && /Next run: up to date/.test(gen.tooltip) ? n : undefined;
    });
    assert.match(g.children.find((c) => c.label === 'always')!.tooltip, /Next run: the next run runs it: no inputs declared/);
    assert.match(g.tooltip, /Next run: 1 of 4 actions would run, 3 up to date/);

    // Code lens: "▶ Run (up to date)" once the server has planned the file.
    await vscode.window.showTextDocument(uri);
    const lenses = await until('the up-to-date code lens', async () => {
      const ls = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100);
      const titles = ls.map((l) => l.command?.title);
      return titles.filter((t) => t === '▶ Run (up to date)').length === 3 ? titles : undefined;
    });
    assert.equal(lenses.filter((t) => t === '▶ Run').length, 1, 'always runs: plain "▶ Run"');
  });

  it('an edited and saved input: tooltip and hover say why the next run runs it', async () => {
    const src = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(dir, 'src.txt')));
    const edit = new vscode.WorkspaceEdit();
    edit.insert(src.uri, new vscode.Position(0, 0), 'zero\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.ok(await src.save());

    await until('the tooltip to say why gen runs', async () => {
      const n = await graphNode();
      const gen = n?.children.find((c) => c.label === 'gen');
      return gen && /Next run: the next run runs it: input changed: src\.txt/.test(gen.tooltip) ? true : undefined;
    });
    const doc = await vscode.workspace.openTextDocument(uri);
    // The server caches plans for 15 s at most (it does not see saves of other files).
    const text = await until(
      'the hover to say why gen runs',
      async () => {
        const t = await hoverText(uri, position(doc, '"gen": {'));
        return /Next run: the next run runs it: input changed: src\.txt/.test(t) ? t : undefined;
      },
      60_000,
    );
    assert.match(text, /Incremental — inputs: `src\.txt`/);
    const dep = await hoverText(uri, position(doc, '"build": {'));
    assert.match(dep, /Next run: the next run runs it: dependency 'gen' will run/);
  });

  it('Run Graph (Force) runs every action, up to date or not', async () => {
    const plain = await run('actiontree.runGraph', uri);
    assert.deepEqual(plain.states, { gen: 'succeeded', build: 'succeeded', check: 'succeeded', always: 'succeeded' }, 'a changed input reaches the whole chain');
    const s = await run('actiontree.runGraphForce', uri);
    assert.deepEqual(s.states, { gen: 'succeeded', build: 'succeeded', check: 'succeeded', always: 'succeeded' });
    const r = report(s);
    for (const id of ['gen', 'build', 'check', 'always']) assert.deepEqual(r[id]?.why, ['forced'], id);
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('actiontree.runGraphForce'));
  });
});
