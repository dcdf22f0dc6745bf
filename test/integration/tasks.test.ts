import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { workspaceRoot as root, untilWithin, type RunSummary as Summary } from './shared';

// Actions as VS Code tasks (TaskProvider, tasks.json, dependsOn, preLaunchTask) and problem
// matchers on actions' output, inside a real VS Code.

const until = untilWithin(30_000, 50);

interface ProblemSnap {
  file: string;
  line: number;
  column: number;
  severity: string;
  message: string;
  source: string | null;
  code: string | null;
  related: string | null;
}

const FIXTURE = path.resolve(__dirname, '..', '..', '..', 'test', 'integration', 'fixtures', 'tasks', 'tasks.actiontree.jsonc');

async function sessions(): Promise<Summary[]> {
  return (await vscode.commands.executeCommand('actiontree.internal.sessions')) as Summary[];
}

/** Runs a task and resolves with its exit code (from the process end, or undefined) once it ended. */
async function runTask(task: vscode.Task, timeoutMs = 60_000): Promise<number | undefined> {
  let exit: number | undefined;
  const ended = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`task '${task.name}' did not end in ${timeoutMs} ms`)), timeoutMs);
    const subs = [
      vscode.tasks.onDidEndTaskProcess((e) => {
        if (e.execution.task.name === task.name) exit = e.exitCode;
      }),
      vscode.tasks.onDidEndTask((e) => {
        if (e.execution.task.name !== task.name) return;
        clearTimeout(timer);
        for (const s of subs) s.dispose();
        resolve();
      }),
    ];
  });
  await vscode.tasks.executeTask(task);
  await ended;
  return exit;
}

describe('platform: actions as VS Code tasks', function () {
  this.timeout(120_000);
  let dir: string;
  let graphFile: string;
  const rel = 'tasks-fixture/tasks.actiontree.jsonc';

  before(async () => {
    dir = path.join(root().fsPath, 'tasks-fixture');
    fs.mkdirSync(path.join(dir, 'pkg'), { recursive: true });
    graphFile = path.join(dir, 'tasks.actiontree.jsonc');
    fs.copyFileSync(FIXTURE, graphFile);
    const ext = vscode.extensions.all.find((e) => e.packageJSON?.name === 'actiontree');
    assert.ok(ext, 'the extension is installed');
    await ext.activate();
    const vsdir = path.join(root().fsPath, '.vscode');
    fs.mkdirSync(vsdir, { recursive: true });
    fs.writeFileSync(
      path.join(vsdir, 'tasks.json'),
      JSON.stringify(
        {
          version: '2.0.0',
          tasks: [
            { label: 'at: build', type: 'actiontree', file: rel, action: 'build', problemMatcher: [] },
            { label: 'after build', type: 'shell', command: 'test -f tasks-fixture/built.txt && echo ok > tasks-fixture/after.txt', dependsOn: ['at: build'], problemMatcher: [] },
            { label: 'shell first', type: 'shell', command: 'echo x > tasks-fixture/from-shell.txt', problemMatcher: [] },
            { label: 'at: check-prep', type: 'actiontree', file: rel, action: 'check-prep', dependsOn: ['shell first'], problemMatcher: [] },
            { label: 'bad: no such action', type: 'actiontree', file: rel, action: 'nope', problemMatcher: [] },
            { label: 'bad: no such file', type: 'actiontree', file: 'missing/none.actiontree.jsonc', action: 'build', problemMatcher: [] },
          ],
        },
        null,
        2,
      ),
    );
  });

  const find = (label: string): Promise<vscode.Task> =>
    until(`task '${label}' from tasks.json`, async () => (await vscode.tasks.fetchTasks()).find((t) => t.name === label));

  async function actionTasks(): Promise<vscode.Task[]> {
    let seen = 'nothing';
    return until('the fixture graph to be listed as tasks', async () => {
      const ts = await vscode.tasks.fetchTasks({ type: 'actiontree' });
      seen = ts.map((t) => `${t.source}:${String(t.definition['file'])}:${String(t.definition['action'])}`).join(', ');
      // Once tasks.json is loaded, VS Code lists its configured ActionTree tasks (source
      // 'Workspace') in place of the provided tasks they customize (same definition).
      const actions = new Set(ts.filter((t) => t.definition['file'] === rel).map((t) => String(t.definition['action'])));
      return ['build', 'check-prep', 'compile', 'prepare'].every((a) => actions.has(a)) ? ts : undefined;
    }).catch((e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)}; fetchTasks listed: ${seen}`);
    });
  }

  it('fetchTasks lists every action of every graph as a task of type actiontree', async () => {
    const ts = await actionTasks();
    const mine = ts.filter((t) => t.definition['file'] === rel && t.definition['action'] !== 'nope');
    const expected = new Map([['build', 'at: build'], ['check-prep', 'at: check-prep'], ['compile', 'tasks-fixture/tasks: compile'], ['prepare', 'tasks-fixture/tasks: prepare']]);
    assert.deepEqual([...new Set(mine.map((t) => String(t.definition['action'])))].sort(), [...expected.keys()]);
    for (const t of mine) {
      // A provided task is named '<file>: <action>'; one that tasks.json customizes keeps its label.
      if (t.source === 'actiontree') assert.equal(t.name, `tasks-fixture/tasks: ${String(t.definition['action'])}`);
      else assert.equal(t.name, expected.get(String(t.definition['action'])));
      assert.equal(t.definition.type, 'actiontree');
      assert.ok(t.execution instanceof vscode.CustomExecution, 'a custom execution (the run service), not a shell');
    }
    // The fixture workspace's own graph is there too.
    assert.ok(ts.some((t) => t.definition['file'] === 'build.actiontree.jsonc' && t.definition['action'] === 'compile'));
  });

  it('executeTask runs the action with its dependencies through the run service, recorded like any run', async () => {
    const before = new Set((await sessions()).map((x) => x.id));
    const task = (await actionTasks()).find((t) => t.definition['file'] === rel && t.definition['action'] === 'build')!;
    const code = await runTask(task);
    const s = await until('the task run to finish', async () => (await sessions()).find((x) => !before.has(x.id) && x.graphFile === graphFile && x.result !== null));
    assert.equal(s.result, 'succeeded');
    assert.deepEqual(s.states, { prepare: 'succeeded', build: 'succeeded' });
    assert.ok(fs.existsSync(path.join(dir, 'built.txt')));
    assert.ok(s.runDir && fs.existsSync(path.join(s.runDir, 'report.json')), 'the run wrote its record');
    const report = JSON.parse(fs.readFileSync(path.join(s.runDir!, 'report.json'), 'utf8')) as { actions: Record<string, { state: string }> };
    assert.deepEqual(Object.keys(report.actions).sort(), ['build', 'prepare']);
    if (code !== undefined) assert.equal(code, 0);
  });

  it('a task definition naming a missing action or file ends with a clear message and a non-zero exit, nothing runs', async () => {
    const before = new Set((await sessions()).map((x) => x.id));
    const expected: Record<string, RegExp> = {
      'bad: no such action': /^ActionTree: no action 'nope' in tasks-fixture\/tasks\.actiontree\.jsonc\.\nIts actions: prepare, build, check-prep, compile\n$/,
      'bad: no such file': /^ActionTree: no graph file .*missing.none\.actiontree\.jsonc \(task file "missing\/none\.actiontree\.jsonc"\)\.\n$/,
    };
    for (const [label, re] of Object.entries(expected)) {
      const code = await runTask(await find(label), 30_000);
      if (code !== undefined) assert.notEqual(code, 0, label);
      const ts = (await vscode.commands.executeCommand('actiontree.internal.taskTranscripts')) as { label: string; text: string; exitCode: number | null }[];
      const t = ts[ts.length - 1]!;
      assert.match(t.text, re, label);
      assert.equal(t.exitCode, 2, label);
    }
    assert.ok((await sessions()).every((x) => before.has(x.id)), 'no run started');
  });

  it('tasks.json: an ActionTree task as a dependsOn of a shell task, and a shell task as a dependsOn of an ActionTree task', async () => {
    fs.rmSync(path.join(dir, 'built.txt'), { force: true });
    fs.rmSync(path.join(dir, 'prepared.txt'), { force: true });
    const after = await find('after build');
    await runTask(after);
    await until('after.txt written by the shell task once the action succeeded', () => fs.existsSync(path.join(dir, 'after.txt')));
    assert.ok(fs.existsSync(path.join(dir, 'built.txt')));

    const before = new Set((await sessions()).map((x) => x.id));
    const check = await find('at: check-prep');
    await runTask(check);
    const s = await until('the check-prep run', async () => (await sessions()).find((x) => !before.has(x.id) && x.graphFile === graphFile && x.result !== null));
    assert.equal(s.result, 'succeeded', 'the shell task ran first, so the action found its file');
    assert.deepEqual(s.states, { 'check-prep': 'succeeded' });
  });

  it('a preLaunchTask of a launch configuration runs an action before the debug session starts', async () => {
    fs.rmSync(path.join(dir, 'built.txt'), { force: true });
    fs.rmSync(path.join(dir, 'prepared.txt'), { force: true });
    const program = path.join(dir, 'hello.js');
    fs.writeFileSync(program, "console.log(require('fs').existsSync(__dirname + '/built.txt') ? 'built' : 'not built');\n");
    const before = new Set((await sessions()).map((x) => x.id));
    const started = new Promise<vscode.DebugSession>((resolve) => {
      const sub = vscode.debug.onDidStartDebugSession((s) => {
        sub.dispose();
        resolve(s);
      });
    });
    const ok = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders![0], {
      type: 'node',
      request: 'launch',
      name: 'actiontree preLaunchTask test',
      program,
      preLaunchTask: 'at: build',
      console: 'internalConsole',
    });
    assert.equal(ok, true, 'the debug session started (the preLaunchTask succeeded)');
    const session = await started;
    const s = await until('the preLaunchTask run', async () => (await sessions()).find((x) => !before.has(x.id) && x.graphFile === graphFile && x.result !== null));
    assert.equal(s.result, 'succeeded');
    assert.deepEqual(s.states, { prepare: 'succeeded', build: 'succeeded' });
    assert.ok(fs.existsSync(path.join(dir, 'built.txt')), 'the action ran before the program');
    await vscode.debug.stopDebugging(session).then(undefined, () => undefined);
  });
});

describe('platform: problem matchers on actions', function () {
  this.timeout(120_000);

  it('$tsc output becomes Problems entries at the right file and line (relative to the action cwd); a clean re-run clears them', async () => {
    const dir = path.join(root().fsPath, 'tasks-fixture');
    const graph = vscode.Uri.file(path.join(dir, 'tasks.actiontree.jsonc'));
    fs.rmSync(path.join(dir, 'pkg', 'fixed.txt'), { force: true });
    const r = (await vscode.commands.executeCommand('actiontree.runAction', graph, 'compile')) as { ok: boolean; session: number };
    assert.ok(r.ok, JSON.stringify(r));
    const sum = (await vscode.commands.executeCommand('actiontree.internal.waitRun', r.session, 30_000)) as Summary;
    assert.equal(sum.result, 'failed');
    const a = vscode.Uri.file(path.join(dir, 'pkg', 'src', 'a.ts'));
    const b = vscode.Uri.file(path.join(dir, 'pkg', 'src', 'b.ts'));
    const diags = await until('Problems entries for pkg/src/a.ts', () => {
      const d = vscode.languages.getDiagnostics(a);
      return d.length > 0 ? d : undefined;
    });
    assert.equal(diags.length, 1);
    assert.equal(diags[0]!.range.start.line, 1);
    assert.equal(diags[0]!.range.start.character, 4);
    assert.equal(diags[0]!.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(diags[0]!.message, 'Type "x" is not assignable.');
    assert.equal(diags[0]!.source, 'ts');
    assert.equal(String(diags[0]!.code), '2322');
    assert.equal(diags[0]!.relatedInformation?.[0]?.location.uri.fsPath, graph.fsPath, 'linked to the action in the graph file');
    const warn = vscode.languages.getDiagnostics(b);
    assert.deepEqual(warn.map((d) => [d.range.start.line, d.severity]), [[6, vscode.DiagnosticSeverity.Warning]]);
    const snap = (await vscode.commands.executeCommand('actiontree.internal.problems')) as ProblemSnap[];
    assert.equal(snap.filter((p) => p.related === "reported by action 'compile' (tasks.actiontree.jsonc)").length, 2);

    // Fixed: running again replaces the problems (here: none).
    fs.writeFileSync(path.join(dir, 'pkg', 'fixed.txt'), 'yes');
    const r2 = (await vscode.commands.executeCommand('actiontree.runAction', graph, 'compile')) as { ok: boolean; session: number };
    assert.ok(r2.ok);
    const sum2 = (await vscode.commands.executeCommand('actiontree.internal.waitRun', r2.session, 30_000)) as Summary;
    assert.equal(sum2.result, 'succeeded');
    await until('the Problems entries to be cleared', () => vscode.languages.getDiagnostics(a).length === 0 && vscode.languages.getDiagnostics(b).length === 0);
  });
});
