// Hostile files in a workspace (issue 8 item 6), inside real VS Code: a graph file that is a
// link to /dev/zero or a FIFO, run records that are FIFOs and links. The extension's graph
// index, its tree's past-run loading and its chart loading must finish promptly and skip
// them (before, the graph index read /dev/zero until the extension host ran out of memory).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { GraphIndex } from '../../src/extension/graphs';
import { loadReportChart } from '../../src/extension/ganttPanel';
import { loadPastRun } from '../../src/extension/tree';

function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)))]).finally(() => clearTimeout(t));
}

describe('hostile files in the workspace', function () {
  this.timeout(60_000);
  let dir: string;
  let graph: string;

  before(async () => {
    const ext = vscode.extensions.getExtension('actiontree.actiontree');
    assert.ok(ext);
    await ext.activate();
    const root = vscode.workspace.workspaceFolders?.[0];
    assert.ok(root);
    dir = path.join(root.uri.fsPath, 'hostile-fixtures');
    fs.mkdirSync(dir, { recursive: true });
    graph = path.join(dir, 'h.actiontree.jsonc');
    fs.writeFileSync(graph, JSON.stringify({ version: 1, name: 'hostile-h', actions: { a: { command: 'true' } } }));
    fs.symlinkSync('/dev/zero', path.join(dir, 'zero.actiontree.jsonc'));
    execFileSync('mkfifo', [path.join(dir, 'fifo.actiontree.jsonc')]);
    const runs = path.join(dir, '.actiontree', 'runs');
    const T = 1_795_269_802_000;
    // an older, readable run of h
    const good = path.join(runs, '20260101T000000.000Z-good');
    fs.mkdirSync(good, { recursive: true });
    fs.writeFileSync(
      path.join(good, 'report.json'),
      JSON.stringify({ version: 1, runId: '20260101T000000.000Z-good', graphFile: graph, startedAt: T, finishedAt: T + 5, result: 'succeeded', actions: { a: { state: 'succeeded', startedAt: T, finishedAt: T + 5 } } }),
    );
    fs.writeFileSync(
      path.join(good, 'events.jsonl'),
      [
        { type: 'run-started', runId: '20260101T000000.000Z-good', time: T, cpus: 1, actions: ['a'], graphFile: graph },
        { type: 'action-finished', action: 'a', time: T + 5, state: 'succeeded', reason: null, exitCode: 0, signal: null, attempts: 1 },
        { type: 'run-finished', time: T + 5, result: 'succeeded' },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    // newer hostile ones
    const bad = path.join(runs, '20270101T000000.000Z-badd');
    fs.mkdirSync(bad, { recursive: true });
    fs.symlinkSync('/dev/zero', path.join(bad, 'report.json'));
    execFileSync('mkfifo', [path.join(bad, 'events.jsonl')]);
    const fifoReport = path.join(runs, '20270101T000001.000Z-fifo');
    fs.mkdirSync(fifoReport, { recursive: true });
    execFileSync('mkfifo', [path.join(fifoReport, 'report.json')]);
  });

  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the graph index skips a graph file that is a link to /dev/zero or a FIFO, and finishes', async () => {
    const index = new GraphIndex();
    try {
      await deadline(index.rescan(), 30_000, 'graph index rescan');
      const names = index.list().map((e) => path.basename(e.uri.fsPath));
      assert.ok(names.includes('h.actiontree.jsonc'), names.join(', '));
      assert.ok(!names.includes('zero.actiontree.jsonc') && !names.includes('fifo.actiontree.jsonc'), names.join(', '));
    } finally {
      index.dispose();
    }
  });

  it("the tree's past run and the chart skip hostile records and show the newest readable run", async () => {
    const past = await deadline(loadPastRun(graph), 10_000, 'loadPastRun');
    assert.equal(past?.state.runId, '20260101T000000.000Z-good');
    const chart = await deadline(loadReportChart(path.join(dir, '.actiontree', 'runs', '20270101T000001.000Z-fifo', 'report.json')), 10_000, 'loadReportChart of a FIFO');
    assert.ok(!chart.ok && /it is a FIFO/.test(chart.error), JSON.stringify(chart));
    const zero = await deadline(loadReportChart(path.join(dir, '.actiontree', 'runs', '20270101T000000.000Z-badd', 'report.json')), 10_000, 'loadReportChart of a link');
    assert.ok(!zero.ok && /symbolic link/.test(zero.error), JSON.stringify(zero));
    // the extension itself (its own index and tree) still answers
    const items = await deadline(Promise.resolve(vscode.commands.executeCommand('actiontree.internal.tree')), 10_000, 'the tree');
    assert.ok(Array.isArray(items));
  });
});
