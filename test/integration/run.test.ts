import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { workspaceRoot as root, until, type RunResult, type RunSummary as Summary, type TreeItemSnap } from './shared';
import { analyzeText } from '../../src/core/analyze';
import { RunService } from '../../src/extension/runService';

// Runs graphs through the real commands inside VS Code: the extension forks the runner
// worker, the tree follows the run, output channels get the output, cancel kills everything.

const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'integration', 'fixtures', 'run');

/** Copies a fixture graph into <workspace>/run-fixtures/<name>/ and returns its uri. */
function install(name: string): vscode.Uri {
  const dir = path.join(root().fsPath, 'run-fixtures', name.replace('.actiontree.jsonc', ''));
  fs.mkdirSync(dir, { recursive: true });
  const dest = path.join(dir, name);
  fs.copyFileSync(path.join(FIXTURES, name), dest);
  return vscode.Uri.file(dest);
}

/**
 * Polls a condition (state kept by the extension host) until it holds or the deadline passes.
 * Probes are spaced by a short timer so the loop does not starve the extension host and
 * the browser of CPU (the condition is what is awaited, not the time).
 */

async function tree(): Promise<TreeItemSnap[]> {
  return (await vscode.commands.executeCommand('actiontree.internal.tree')) as TreeItemSnap[];
}

/** The tree node of a graph, by its display name (the graph's "name"). */
async function graphNode(name: string): Promise<TreeItemSnap | undefined> {
  return (await tree()).find((g) => g.label === name);
}

function wait(session: number, timeoutMs = 30_000): Promise<Summary> {
  return vscode.commands.executeCommand('actiontree.internal.waitRun', session, timeoutMs) as Promise<Summary>;
}

function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // A zombie has exited; it only waits for its parent to reap it.
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

describe('running graphs from VS Code', function () {
  this.timeout(60_000);

  before(async () => {
    const ext = vscode.extensions.getExtension('actiontree.actiontree');
    assert.ok(ext);
    await ext.activate();
  });

  after(() => {
    fs.rmSync(path.join(root().fsPath, 'run-fixtures'), { recursive: true, force: true });
  });

  it('runs the fixture graph with the Run Graph command and writes the run records', async () => {
    const uri = vscode.Uri.joinPath(root(), 'build.actiontree.jsonc');
    const r = (await vscode.commands.executeCommand('actiontree.runGraph', uri.toString())) as RunResult;
    assert.equal(r.ok, true, r.message);
    const s = await wait(r.session!);
    assert.equal(s.error, null);
    assert.equal(s.result, 'succeeded');
    assert.deepEqual(s.states, { lint: 'succeeded', compile: 'succeeded', test: 'succeeded' });
    assert.ok(s.runDir && fs.existsSync(path.join(s.runDir, 'report.json')), 'report.json written by the run');
    const report = JSON.parse(fs.readFileSync(path.join(s.runDir, 'report.json'), 'utf8')) as { result: string; graphFile: string };
    assert.equal(report.result, 'succeeded');
    assert.equal(report.graphFile, uri.fsPath);
    // The worker process is gone once the run is done.
    assert.equal(s.workerPid, null);

    const g = await until('the tree to show the final states', async () => {
      const n = await graphNode('build');
      return n && n.children.every((c) => c.icon === 'pass') ? n : undefined;
    });
    assert.deepEqual(
      g.children.map((c) => c.label),
      ['lint', 'compile', 'test'],
      'actions in topological order',
    );
    for (const c of g.children) assert.match(c.description, /\d+(\.\d+)? (ms|s)/, `duration of ${c.label}`);
    assert.match(g.description, /succeeded/);
    const status = (await vscode.commands.executeCommand('actiontree.internal.status')) as string;
    assert.match(status, /ActionTree: 3 succeeded$/);
  });

  it('shows the tree states change while running and reach their final states', async () => {
    const uri = install('gated.actiontree.jsonc');
    const flag = path.join(path.dirname(uri.fsPath), 'open.flag');
    const r = (await vscode.commands.executeCommand('actiontree.runGraph', uri)) as RunResult;
    assert.equal(r.ok, true, r.message);
    const running = await until('gate to be running in the tree', async () => {
      const n = await graphNode('gated');
      const gate = n?.children.find((c) => c.label === 'gate');
      return gate?.icon === 'sync~spin' ? n : undefined;
    });
    const after = running.children.find((c) => c.label === 'after')!;
    assert.equal(after.icon, 'circle-outline', 'after is pending');
    assert.match(after.tooltip, /waiting for 'gate'/);
    assert.equal(running.children.find((c) => c.label === 'gate')!.contextValue, 'actiontree.action.running');
    assert.match(running.description, /running: 1 running · 2 waiting/);

    fs.writeFileSync(flag, 'open');
    const s = await wait(r.session!);
    assert.equal(s.result, 'succeeded');
    const done = await until('final states in the tree', async () => {
      const n = await graphNode('gated');
      return n && n.children.every((c) => c.icon === 'pass') ? n : undefined;
    });
    assert.deepEqual(
      done.children.map((c) => [c.label, c.contextValue]),
      [
        ['gate', 'actiontree.action'],
        ['after', 'actiontree.action'],
        ['last', 'actiontree.action'],
      ],
    );
  });

  it('shows a ready service as serving in the tree while its dependent runs, then succeeded once stopped (SPEC §10)', async () => {
    const uri = install('service.actiontree.jsonc');
    const flag = path.join(path.dirname(uri.fsPath), 'open.flag');
    fs.rmSync(flag, { force: true });
    const r = (await vscode.commands.executeCommand('actiontree.runGraph', uri)) as RunResult;
    assert.equal(r.ok, true, r.message);
    const serving = await until('db serving and uses running', async () => {
      const n = await graphNode('service');
      const db = n?.children.find((c) => c.label === 'db');
      const uses = n?.children.find((c) => c.label === 'uses');
      return db?.icon === 'broadcast' && uses?.icon === 'sync~spin' ? n : undefined;
    });
    const db = serving.children.find((c) => c.label === 'db')!;
    assert.match(db.description, /^serving/);
    assert.match(db.tooltip, /db — serving/);
    assert.equal(db.contextValue, 'actiontree.action.running', 'a serving service can be canceled like a running action');
    fs.writeFileSync(flag, 'open');
    const s = await wait(r.session!);
    assert.equal(s.result, 'succeeded');
    assert.deepEqual(s.states, { db: 'succeeded', uses: 'succeeded' });
    await until('final states in the tree', async () => {
      const n = await graphNode('service');
      return n && n.children.every((c) => c.icon === 'pass') ? n : undefined;
    });
  });

  it('tells in the tree why a ready action waits (a resource held by another action)', async () => {
    const uri = install('resource.actiontree.jsonc');
    const flag = path.join(path.dirname(uri.fsPath), 'db.flag');
    fs.rmSync(flag, { force: true });
    const r = (await vscode.commands.executeCommand('actiontree.runGraph', uri)) as RunResult;
    assert.equal(r.ok, true, r.message);
    const waiter = await until('holder running and waiter ready', async () => {
      const n = await graphNode('resource');
      const h = n?.children.find((c) => c.label === 'holder');
      const w = n?.children.find((c) => c.label === 'waiter');
      return h?.icon === 'sync~spin' && w?.icon === 'clock' ? w : undefined;
    });
    assert.match(waiter.tooltip, /waiting for db \(held by holder\)/);
    assert.match(waiter.description, /^waiting for db \(held by holder\)/);
    fs.writeFileSync(flag, '');
    const s = await wait(r.session!);
    assert.deepEqual(s.states, { holder: 'succeeded', waiter: 'succeeded' });
  });

  it("shows an action's output in its own channel, ANSI codes stripped", async () => {
    const uri = install('gated.actiontree.jsonc');
    const file = uri.fsPath;
    const r = (await vscode.commands.executeCommand('actiontree.runAction', uri.toString(), 'gate')) as RunResult;
    assert.equal(r.ok, true, r.message);
    const name = (await vscode.commands.executeCommand('actiontree.showOutput', uri.toString(), 'gate')) as string;
    assert.equal(name, 'ActionTree: gate');
    const live = await until('live output of gate', async () => {
      const o = (await vscode.commands.executeCommand('actiontree.internal.output', file, 'gate')) as { tail: string; hasChannel: boolean };
      return o.tail.includes('gate waiting') ? o : undefined;
    });
    assert.equal(live.hasChannel, true);
    assert.ok(!live.tail.includes('\u001b'), 'escape codes are stripped');
    const s = await wait(r.session!);
    assert.equal(s.result, 'succeeded');
    assert.deepEqual(Object.keys(s.states), ['gate'], 'only the requested action (it has no dependencies)');
    const o = (await vscode.commands.executeCommand('actiontree.internal.output', file, 'gate')) as { tail: string };
    assert.match(o.tail, /gate open/);
    assert.match(o.tail, /■ gate succeeded/);
  });

  it('cancels a run: every process is gone and the rest is canceled', async () => {
    const uri = install('cancel.actiontree.jsonc');
    const file = uri.fsPath;
    const r = (await vscode.commands.executeCommand('actiontree.runGraph', uri)) as RunResult;
    assert.equal(r.ok, true, r.message);
    const grandchild = await until('the grandchild pid in the output', async () => {
      const o = (await vscode.commands.executeCommand('actiontree.internal.output', file, 'forever')) as { tail: string };
      const m = /grandchild (\d+)/.exec(o.tail);
      return m ? Number(m[1]) : undefined;
    });
    const running = await until('both actions running', async () => {
      const list = (await vscode.commands.executeCommand('actiontree.internal.sessions')) as Summary[];
      const s = list.find((x) => x.id === r.session);
      return s && s.pids.length >= 2 && s.states['also'] === 'running' ? s : undefined;
    });
    assert.ok(running.workerPid, 'the run has its own worker process');
    const pids = [running.workerPid!, ...running.pids, grandchild];
    for (const p of pids) assert.ok(alive(p), `process ${p} runs before the cancel`);

    assert.equal(await vscode.commands.executeCommand('actiontree.cancelRun', uri), true);
    const s = await wait(r.session!);
    assert.equal(s.result, 'canceled');
    assert.equal(s.states['never'], 'canceled');
    assert.equal(s.states['forever'], 'canceled');
    assert.ok(s.runDir && fs.existsSync(path.join(s.runDir, 'report.json')), 'the report is still written');
    await until('every process to be gone', () => pids.every((p) => !alive(p)) || undefined, 10_000);
  });

  it('runs several graphs at once and cancels one of them only', async () => {
    const gated = install('gated.actiontree.jsonc');
    const flag = path.join(path.dirname(gated.fsPath), 'open.flag');
    fs.rmSync(flag, { force: true });
    const cancel = install('cancel.actiontree.jsonc');
    const a = (await vscode.commands.executeCommand('actiontree.runGraph', gated)) as RunResult;
    const b = (await vscode.commands.executeCommand('actiontree.runGraph', cancel)) as RunResult;
    assert.ok(a.ok && b.ok);
    await until('both runs to have a running action', async () => {
      const list = (await vscode.commands.executeCommand('actiontree.internal.sessions')) as Summary[];
      const sa = list.find((x) => x.id === a.session);
      const sb = list.find((x) => x.id === b.session);
      return sa?.states['gate'] === 'running' && sb?.states['forever'] === 'running' ? true : undefined;
    });
    // A second run of a running graph is refused.
    const again = (await vscode.commands.executeCommand('actiontree.runGraph', gated)) as RunResult;
    assert.equal(again.reason, 'busy');
    assert.equal(await vscode.commands.executeCommand('actiontree.cancelRun', cancel), true);
    const sb = await wait(b.session!);
    assert.equal(sb.result, 'canceled');
    const list = (await vscode.commands.executeCommand('actiontree.internal.sessions')) as Summary[];
    assert.equal(list.find((x) => x.id === a.session)?.states['gate'], 'running', 'the other run goes on');
    fs.writeFileSync(flag, '');
    assert.equal((await wait(a.session!)).result, 'succeeded');
  });

  it('Run Action runs the action with its dependencies; Run Action Without Dependencies runs it alone', async () => {
    const uri = vscode.Uri.joinPath(root(), 'build.actiontree.jsonc');
    const withDeps = (await vscode.commands.executeCommand('actiontree.runAction', uri.toString(), 'compile')) as RunResult;
    assert.equal(withDeps.ok, true, withDeps.message);
    assert.deepEqual((await wait(withDeps.session!)).states, { lint: 'succeeded', compile: 'succeeded' });
    const only = (await vscode.commands.executeCommand('actiontree.runActionOnly', uri.toString(), 'compile')) as RunResult;
    assert.equal(only.ok, true, only.message);
    const s = await wait(only.session!);
    assert.equal(s.result, 'succeeded');
    assert.deepEqual(s.states, { compile: 'succeeded' }, 'the dependency lint did not run');
  });

  it('re-runs the failed and canceled actions and what depends on them', async () => {
    const uri = install('flaky.actiontree.jsonc');
    const r1 = (await vscode.commands.executeCommand('actiontree.runGraph', uri)) as RunResult;
    const s1 = await wait(r1.session!);
    assert.equal(s1.result, 'failed');
    assert.deepEqual(s1.states, { maybe: 'failed', child: 'canceled', fine: 'succeeded' });
    const failedNode = await until('the failure in the tree', async () => {
      const n = await graphNode('flaky');
      return n?.children.find((c) => c.label === 'maybe' && c.icon === 'error');
    });
    assert.match(failedNode.description, /exit code 3/);
    fs.writeFileSync(path.join(path.dirname(uri.fsPath), 'fixed.flag'), '');
    const r2 = (await vscode.commands.executeCommand('actiontree.rerunFailed', uri)) as RunResult;
    assert.equal(r2.ok, true, r2.message);
    const s2 = await wait(r2.session!);
    assert.equal(s2.result, 'succeeded');
    assert.deepEqual(s2.states, { maybe: 'succeeded', child: 'succeeded' }, 'only the failed action and its dependent');
  });

  it('disposing the run service (deactivation) cancels runs and waits until every process is gone', async () => {
    const ext = vscode.extensions.getExtension('actiontree.actiontree')!;
    const uri = install('cancel.actiontree.jsonc');
    const service = new RunService(path.join(ext.extensionPath, 'dist', 'runner.js'));
    const graph = analyzeText(fs.readFileSync(uri.fsPath, 'utf8')).graph;
    const session = service.start({ graphFile: uri.fsPath, graph, label: 'all' });
    let out = '';
    session.onEvent((e) => {
      if (e.type === 'action-output') out += e.text;
    });
    const grandchild = await until('the grandchild pid', () => Number(/grandchild (\d+)/.exec(out)?.[1]) || undefined);
    await until('both actions running', () => session.pids.length >= 2 || undefined);
    const pids = [session.workerPid!, ...session.pids, grandchild];
    for (const p of pids) assert.ok(alive(p), `process ${p} runs before deactivation`);
    await service.disposeAsync();
    // disposeAsync resolves only after the worker exited; the actions' trees were killed by it.
    assert.equal(alive(pids[0]!), false, 'the worker has exited when disposeAsync resolves');
    await until('every action process to be gone', () => pids.every((p) => !alive(p)) || undefined, 10_000);
    assert.equal(session.state.result, 'canceled');
  });

  it('Run Graph on Slurm hands executor slurm to the runner (no cluster configured here: a clear error, nothing run)', async () => {
    const uri = vscode.Uri.joinPath(root(), 'build.actiontree.jsonc');
    const r = (await vscode.commands.executeCommand('actiontree.runGraphOnSlurm', uri.toString())) as RunResult;
    assert.equal(r.ok, true, r.message);
    const s = await wait(r.session!);
    assert.equal(s.result, null, 'nothing ran');
    assert.match(s.error ?? '', /--executor slurm: (Slurm is not installed here|the Slurm controller does not answer|SLURM_CONF points to)/);
    assert.equal(s.runDir, null);
  });

  it('refuses a graph with errors and runs nothing', async () => {
    const uri = install('invalid.actiontree.jsonc');
    const before = ((await vscode.commands.executeCommand('actiontree.internal.sessions')) as Summary[]).length;
    const r = (await vscode.commands.executeCommand('actiontree.runGraph', uri)) as RunResult;
    assert.equal(r.ok, false);
    assert.equal(r.reason, 'invalid');
    assert.match(r.message ?? '', /1 error/);
    const afterList = (await vscode.commands.executeCommand('actiontree.internal.sessions')) as Summary[];
    assert.equal(afterList.length, before, 'no run started');
    assert.equal(fs.existsSync(path.join(path.dirname(uri.fsPath), '.actiontree')), false);
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, uri.fsPath, 'the graph is opened to show its problems');
  });

  it('opens the Gantt chart of a run and of a past report, and explains a corrupt report', async () => {
    const uri = vscode.Uri.joinPath(root(), 'build.actiontree.jsonc');
    const r = (await vscode.commands.executeCommand('actiontree.runGraph', uri)) as RunResult;
    const s = await wait(r.session!);
    assert.equal(await vscode.commands.executeCommand('actiontree.showGantt', uri), true);
    const drawn = (await vscode.commands.executeCommand('actiontree.internal.waitGantt', s.runId, 3, 45_000)) as { ok: boolean; state: Record<string, unknown> };
    assert.ok(drawn.ok, `the chart draws the finished run (panel: ${JSON.stringify(drawn.state)})`);
    const rendered = drawn.state as { open?: boolean; rendered: { rows: number } };
    assert.equal(rendered.rendered!.rows, 3);

    // A half-written report: the panel shows a message (no rendered chart for it).
    const bad = path.join(root().fsPath, 'run-fixtures', 'bad-report');
    fs.mkdirSync(bad, { recursive: true });
    fs.writeFileSync(path.join(bad, 'report.json'), '{"version":1,"runId":"x","startedAt":');
    assert.equal(await vscode.commands.executeCommand('actiontree.openRunReport', vscode.Uri.file(path.join(bad, 'report.json'))), true);
    const shown = (await vscode.commands.executeCommand('actiontree.internal.waitGantt', '', 0, 45_000, true)) as { ok: boolean; state: { rendered: { message: string } } };
    assert.ok(shown.ok, 'the panel shows a message for the corrupt report');
    assert.match(shown.state.rendered.message, /not valid JSON \(corrupt or half-written\)/);
    // The past report of the finished run draws again.
    assert.equal(await vscode.commands.executeCommand('actiontree.openRunReport', vscode.Uri.file(path.join(s.runDir!, 'report.json'))), true);
    const again = (await vscode.commands.executeCommand('actiontree.internal.waitGantt', s.runId, 3, 45_000)) as { ok: boolean; state: { source: { kind: string } } };
    assert.ok(again.ok, 'the past run is drawn');
    assert.equal(again.state.source.kind, 'report');
  });
});
