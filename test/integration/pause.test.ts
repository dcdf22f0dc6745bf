import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { untilWithin, type RunResult, type RunSummary as Summary, type TreeItemSnap } from './shared';

// Issue 10, item 6 in VS Code: Pause Run / Resume Run. While paused, no new action starts
// (checked from the run's own events.jsonl, not from timers in the test), the tree and the
// status bar say so, and after Resume Run everything finishes.

const until = untilWithin(30_000);

interface Ev {
  type: string;
  time: number;
  action?: string;
}

const GRAPH_NAME = 'pause-resume';
// One CPU slot, four independent sleeps: they run one after another, so whenever one finishes
// during the pause the next one could start at once — and must not.
const GRAPH = `{
  "version": 1,
  "name": "${GRAPH_NAME}",
  "cpus": 1,
  "actions": {
    "p1": { "command": "sleep 0.6" },
    "p2": { "command": "sleep 0.6" },
    "p3": { "command": "sleep 0.6" },
    "p4": { "command": "sleep 0.6" }
  }
}
`;
const PAUSE_MS = 3000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function graphRow(): Promise<TreeItemSnap | undefined> {
  const t = (await vscode.commands.executeCommand('actiontree.internal.tree')) as TreeItemSnap[];
  return t.find((g) => g.label === GRAPH_NAME);
}

function status(): Promise<string> {
  return vscode.commands.executeCommand('actiontree.internal.status') as Promise<string>;
}

describe('issue 10 item 6: Pause Run / Resume Run in VS Code', function () {
  this.timeout(120_000);
  let dir: string;

  before(async () => {
    const ext = vscode.extensions.getExtension('actiontree.actiontree');
    assert.ok(ext);
    await ext.activate();
    dir = path.join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, 'pause-fixture');
    fs.mkdirSync(dir, { recursive: true });
  });

  after(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await vscode.commands.executeCommand('actiontree.refreshTree');
  });

  it('nothing new starts while paused; tree and status bar say paused; Resume finishes the run; run-paused/run-resumed recorded', async () => {
    const file = vscode.Uri.file(path.join(dir, 'pause.actiontree.jsonc'));
    fs.writeFileSync(file.fsPath, GRAPH);
    const r = (await vscode.commands.executeCommand('actiontree.runGraph', file)) as RunResult;
    assert.equal(r.ok, true, r.message);
    try {
      await pauseAndResume(file, r.session!);
    } finally {
      // A failed check must not leave a paused run behind for the next test.
      await vscode.commands.executeCommand('actiontree.cancelRun', file);
    }
  });

  async function pauseAndResume(file: vscode.Uri, session: number): Promise<void> {
    // Pause once the first action runs.
    await until('an action running', async () => (await graphRow())?.children.some((c) => c.icon === 'sync~spin') || undefined);
    assert.equal(await vscode.commands.executeCommand('actiontree.pauseRun', file), true);

    // The tree and the status bar show the paused state (the worker's run-paused event).
    const row = await until('the graph row says paused', async () => {
      const g = await graphRow();
      return g && /paused: /.test(g.description) ? g : undefined;
    });
    assert.equal(row.icon, 'debug-pause', 'the graph row shows the pause icon');
    await until('the status bar says paused', async () => (/^\$\(debug-pause\) ActionTree: paused · /.test(await status()) ? true : undefined));
    // The action that was running finishes during the pause; the next one is ready, fits the
    // free slot, and its row says why it does not start.
    const waiting = await until('a ready action saying the run is paused', async () => {
      const g = await graphRow();
      return g?.children.find((c) => c.description.startsWith('paused: starts after Resume Run'));
    });
    assert.match(waiting.tooltip, /paused: starts after Resume Run/);
    await sleep(PAUSE_MS); // the pause itself: what is checked is in the recorded events below
    const stillPaused = await graphRow();
    assert.match(stillPaused?.description ?? '', /paused: /);

    assert.equal(await vscode.commands.executeCommand('actiontree.resumeRun', file), true);
    const s = (await vscode.commands.executeCommand('actiontree.internal.waitRun', session, 60_000)) as Summary;
    assert.equal(s.result, 'succeeded', JSON.stringify(s));
    assert.deepEqual(s.states, { p1: 'succeeded', p2: 'succeeded', p3: 'succeeded', p4: 'succeeded' });
    await until('the graph row no longer paused', async () => {
      const g = await graphRow();
      return g && !/paused/.test(g.description) && g.icon !== 'debug-pause' ? g : undefined;
    });
    await until('the status bar no longer paused', async () => (/paused/.test(await status()) ? undefined : true));

    // From the run's record: one run-paused, then one run-resumed at least PAUSE_MS later; no
    // action started in between, although at least one finished (its slot was free).
    assert.ok(s.runDir);
    const events = fs
      .readFileSync(path.join(s.runDir, 'events.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Ev);
    const paused = events.filter((e) => e.type === 'run-paused');
    const resumed = events.filter((e) => e.type === 'run-resumed');
    assert.equal(paused.length, 1, 'one run-paused event');
    assert.equal(resumed.length, 1, 'one run-resumed event');
    const from = paused[0]!.time;
    const to = resumed[0]!.time;
    assert.ok(events.indexOf(paused[0]!) < events.indexOf(resumed[0]!), 'paused before resumed');
    assert.ok(to - from >= PAUSE_MS, `paused for ${Math.round(to - from)} ms (held ${PAUSE_MS} ms)`);
    const startedInPause = events.filter((e) => e.type === 'action-started' && e.time > from && e.time < to);
    assert.deepEqual(startedInPause.map((e) => e.action), [], 'no action started while paused');
    const finishedInPause = events.filter((e) => e.type === 'action-finished' && e.time > from && e.time < to);
    assert.ok(finishedInPause.length >= 1, 'an action finished during the pause (a free slot stayed unused)');
    const startedAfter = events.filter((e) => e.type === 'action-started' && e.time >= to);
    assert.ok(startedAfter.length >= 1, 'actions started after Resume');
    assert.equal(events.filter((e) => e.type === 'action-started').length, 4);
    assert.equal(events[events.length - 1]?.type, 'run-finished');
  }

  it('Pause Run and Resume Run with no run in progress answer false (nothing to pause)', async () => {
    assert.equal(await vscode.commands.executeCommand('actiontree.pauseRun'), false);
    assert.equal(await vscode.commands.executeCommand('actiontree.resumeRun'), false);
  });
});
