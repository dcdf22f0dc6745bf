/**
 * Issue 8 item 6: hostile `.actiontree/runs/` content (a repository can commit it; the server
 * runs in untrusted workspaces). Before src/runner/history.ts a FIFO report.json made hovers
 * never answer and, after four (libuv's four threads blocked in open()), the server stopped
 * re-validating files on disk; a report symlinked to /dev/zero cost each hover ~0.5 GB.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DidChangeWatchedFilesNotification, FileChangeType, HoverRequest, type MarkupContent } from 'vscode-languageserver/node';
import { TestClient, deadline, positionOf } from './lspClient';
import { CLEAN, GRAPH } from './fixtures';

const uriOf = (p: string): string => pathToFileURL(p).href;

function vmHwmMiB(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

describe('server: hover over hostile run records', function () {
  let dir: string;
  let c: TestClient;
  let graph: string;
  let other: string;
  const runs = (): string => path.join(dir, '.actiontree', 'runs');
  const runDir = (name: string): string => {
    const d = path.join(runs(), name);
    fs.mkdirSync(d, { recursive: true });
    return d;
  };

  before(async () => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'actiontree-hostile-')));
    graph = path.join(dir, 'g.actiontree.jsonc');
    other = path.join(dir, 'other.actiontree.jsonc');
    fs.writeFileSync(graph, GRAPH);
    fs.writeFileSync(other, CLEAN);
    // an older, real report of this graph file
    const T = 1_795_269_802_000;
    fs.writeFileSync(
      path.join(runDir('20261121T100000.000Z-aaaa'), 'report.json'),
      JSON.stringify({ version: 1, runId: '20261121T100000.000Z-aaaa', graphFile: graph, result: 'succeeded', actions: { lint: { state: 'succeeded', reason: null, startedAt: T, finishedAt: T + 850, attempts: 1 } } }),
    );
    // newer hostile ones: a FIFO, links to /dev/zero and outside, a folder, a sparse 100 MB file
    execFileSync('mkfifo', [path.join(runDir('20261121T110000.000Z-fifo'), 'report.json')]);
    fs.symlinkSync('/dev/zero', path.join(runDir('20261121T120000.000Z-zero'), 'report.json'));
    fs.symlinkSync('/etc/passwd', path.join(runDir('20261121T120001.000Z-pass'), 'report.json'));
    fs.mkdirSync(path.join(runDir('20261121T120002.000Z-dirr'), 'report.json'));
    const huge = path.join(runDir('20261121T120003.000Z-huge'), 'report.json');
    fs.writeFileSync(huge, `{"version":1,"runId":"x","graphFile":${JSON.stringify(graph)},"actions":{`);
    fs.truncateSync(huge, 100 * 1024 * 1024);
    execFileSync('mkfifo', [path.join(runDir('20261121T120004.000Z-evfi'), 'events.jsonl')]);
    fs.symlinkSync(runDir('20261121T100000.000Z-aaaa'), path.join(runs(), '20261121T130000.000Z-link'));
    // a newer report of another graph file in the same folder: not this file's
    fs.writeFileSync(
      path.join(runDir('20261121T140000.000Z-othr'), 'report.json'),
      JSON.stringify({ version: 1, runId: 'o', graphFile: other, result: 'failed', actions: { lint: { state: 'failed', reason: 'x' } } }),
    );
    c = await TestClient.start({ mode: 'push', rootDir: dir });
  });

  after(async () => {
    await c.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('every hover answers promptly with the newest readable run of this file; the server keeps re-validating and stays small', async () => {
    const uri = uriOf(graph);
    await c.open(uri, GRAPH);
    const hover = async (): Promise<string> => {
      const h = await deadline(c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(GRAPH, '"lint": {', 0, 2) }), 10_000, 'hover');
      return (h!.contents as MarkupContent).value;
    };
    for (let i = 0; i < 8; i++) {
      assert.match(await hover(), /Last run: \*\*succeeded\*\* in 850 ms — run `20261121T100000\.000Z-aaaa`$/, `hover ${i + 1}`);
    }
    // a file on disk changes: re-validated although eight hovers went over the FIFO
    fs.writeFileSync(other, CLEAN.replace('["lint"]', '["lnit"]'));
    const revalidated = c.waitForDiagnostics((p) => p.uri === uriOf(other) && p.diagnostics.length === 1, 'other.actiontree.jsonc re-validated', 10_000);
    await c.conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uriOf(other), type: FileChangeType.Changed }] });
    await revalidated;
    const peak = vmHwmMiB(c.proc.pid!);
    assert.ok(peak < 250, `server peak RSS ${peak.toFixed(0)} MiB`);
    await c.close(uri);
  });

  it('a graph file on disk that is a link to /dev/zero or a FIFO is not read; re-validation goes on', async () => {
    // graph files on disk that are a link to /dev/zero and a FIFO: not read (before, a watched
    // file event for them read /dev/zero until the server died, or blocked a libuv thread)
    const zero = path.join(dir, 'zero.actiontree.jsonc');
    const fifo = path.join(dir, 'fifo.actiontree.jsonc');
    fs.symlinkSync('/dev/zero', zero);
    execFileSync('mkfifo', [fifo]);
    await c.conn.sendNotification(DidChangeWatchedFilesNotification.type, {
      changes: [zero, fifo, zero, fifo, fifo].map((f) => ({ uri: uriOf(f), type: FileChangeType.Created as FileChangeType })),
    });
    fs.writeFileSync(other, CLEAN);
    const revalidated = c.waitForDiagnostics((p) => p.uri === uriOf(other) && p.diagnostics.length === 0, 'other.actiontree.jsonc re-validated', 10_000);
    await c.conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uriOf(other), type: FileChangeType.Changed }] });
    await revalidated;
    assert.ok(c.alive(), c.stderr);
    const peak = vmHwmMiB(c.proc.pid!);
    assert.ok(peak < 250, `server peak RSS ${peak.toFixed(0)} MiB`);
  });
});
