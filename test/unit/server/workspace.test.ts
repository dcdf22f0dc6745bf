import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DidChangeWatchedFilesNotification, DidChangeWorkspaceFoldersNotification, FileChangeType, HoverRequest, type MarkupContent } from 'vscode-languageserver/node';
import { TestClient, positionOf } from './lspClient';
import { CLEAN, GRAPH } from './fixtures';

const uriOf = (p: string): string => pathToFileURL(p).href;

describe('server: workspace files that are not open', function () {
  let dir: string;
  let c: TestClient;
  let a: string;
  let nested: string;
  let huge: string;

  before(async () => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'actiontree-ws-')));
    a = path.join(dir, 'a.actiontree.jsonc');
    nested = path.join(dir, 'pkg', 'deep', 'b.actiontree.jsonc');
    fs.mkdirSync(path.dirname(nested), { recursive: true });
    fs.mkdirSync(path.join(dir, 'node_modules', 'x'), { recursive: true });
    fs.mkdirSync(path.join(dir, '.actiontree'), { recursive: true });
    fs.writeFileSync(a, GRAPH);
    fs.writeFileSync(nested, '\ufeff' + CLEAN.replace('["lint"]', '["lnit"]'));
    fs.writeFileSync(path.join(dir, 'node_modules', 'x', 'c.actiontree.jsonc'), GRAPH);
    fs.writeFileSync(path.join(dir, '.actiontree', 'd.actiontree.jsonc'), GRAPH);
    fs.writeFileSync(path.join(dir, 'other.jsonc'), GRAPH);
    // a sparse 61 MB file: over 3 x the 20 MB limit, so it is judged by its size, never read
    huge = path.join(dir, 'huge.actiontree.jsonc');
    fs.writeFileSync(huge, '');
    fs.truncateSync(huge, 61 * 1024 * 1024);
    c = await TestClient.start({ mode: 'pull', rootDir: dir });
  });

  after(async () => {
    await c.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('publishes diagnostics for every graph file found at start, skipping node_modules and .actiontree', async () => {
    const pa = await c.waitForDiagnostics((p) => p.uri === uriOf(a), 'a.actiontree.jsonc', 10_000, true);
    assert.equal(pa.diagnostics.length, 6);
    assert.deepEqual(pa.diagnostics[4]!.range, { start: { line: 7, character: 41 }, end: { line: 7, character: 44 } });
    const pb = await c.waitForDiagnostics((p) => p.uri === uriOf(nested), 'pkg/deep/b.actiontree.jsonc', 10_000, true);
    // the BOM is not part of the text: ranges match what the editor shows
    assert.deepEqual(
      pb.diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character, d.range.end.character]),
      [['unknown-dependency', 7, 20, 26]],
    );
    const ph = await c.waitForDiagnostics((p) => p.uri === uriOf(huge), 'huge.actiontree.jsonc', 10_000, true);
    assert.deepEqual(
      ph.diagnostics.map((d) => [d.code, d.message, d.range.start.line, d.range.start.character]),
      [['too-large', 'file too large to analyze (61 MB, limit 20 MB)', 0, 0]],
    );
    const uris = new Set(c.published.map((p) => p.uri));
    assert.equal(uris.size, 3, [...uris].join(', '));
  });

  it('opening a file hands its diagnostics to pull (pushed ones cleared); closing pushes the disk state again', async () => {
    const uri = uriOf(a);
    const cleared = c.waitForDiagnostics((p) => p.uri === uri && p.diagnostics.length === 0, 'cleared on open');
    await c.open(uri, GRAPH);
    await cleared;
    const again = c.waitForDiagnostics((p) => p.uri === uri && p.diagnostics.length === 6, 'disk diagnostics after close');
    await c.close(uri);
    await again;
  });

  it('re-validates a file changed on disk and clears a deleted one', async () => {
    const uri = uriOf(nested);
    fs.writeFileSync(nested, CLEAN);
    const fixed = c.waitForDiagnostics((p) => p.uri === uri && p.diagnostics.length === 0, 'changed file re-validated');
    await c.conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri, type: FileChangeType.Changed }] });
    await fixed;
    const created = path.join(dir, 'new.actiontree.jsonc');
    fs.writeFileSync(created, '{ "version": 1, "actions": { "x": { "command": "y", "dependsOn": ["x"] } } }');
    const createdDiags = c.waitForDiagnostics((p) => p.uri === uriOf(created), 'created file validated');
    await c.conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uriOf(created), type: FileChangeType.Created }] });
    assert.deepEqual((await createdDiags).diagnostics.map((d) => d.code), ['self-dependency']);
    fs.rmSync(created);
    const gone = c.waitForDiagnostics((p) => p.uri === uriOf(created) && p.diagnostics.length === 0, 'deleted file cleared');
    await c.conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uriOf(created), type: FileChangeType.Deleted }] });
    await gone;
  });

  it('hover shows the last run of this graph file from .actiontree/runs/*/report.json', async () => {
    const runs = path.join(dir, '.actiontree', 'runs');
    const write = (runId: string, graphFile: string, actions: object): void => {
      fs.mkdirSync(path.join(runs, runId), { recursive: true });
      fs.writeFileSync(path.join(runs, runId, 'report.json'), JSON.stringify({ version: 1, runId, graphFile, result: 'failed', actions }));
    };
    const act = (state: string, reason: string | null, startedAt: number, finishedAt: number) => ({ state, reason, startedAt, finishedAt, attempts: 1 });
    write('20261121T100000.000Z-aaaa', a, { lint: act('succeeded', null, 1000, 2500), build: act('succeeded', null, 2500, 4000) });
    write('20261121T110000.000Z-bbbb', a, { lint: act('succeeded', null, 1000, 1850), build: act('failed', 'exit code 2', 1850, 14_150) });
    // newer, but of another graph file in the same folder: ignored
    write('20261121T120000.000Z-cccc', path.join(dir, 'other.actiontree.jsonc'), { lint: act('failed', 'x', 0, 1) });
    const uri = uriOf(a);
    await c.open(uri, GRAPH);
    const hover = async (needle: string): Promise<string> => {
      const h = await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(GRAPH, needle, 0, 2) });
      return (h!.contents as MarkupContent).value;
    };
    // Records are read off the request path: a hover waits for a fresh read at most 200 ms,
    // so on a loaded machine the first answers may come before the read. Ask until it shows.
    const until = async (needle: string, re: RegExp): Promise<string> => {
      const end = Date.now() + 10_000;
      for (;;) {
        const v = await hover(needle);
        if (re.test(v) || Date.now() > end) return v;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    assert.match(await until('"lint": {', /Last run: \*\*succeeded/), /Last run/);
    assert.match(await hover('"lint": {'), /\n\nLast run: \*\*succeeded\*\* in 850 ms — run `20261121T110000\.000Z-bbbb`$/);
    assert.match(await hover('"build": {'), /\n\nLast run: \*\*failed\*\* in 12\.3 s \(exit code 2\) — run `20261121T110000\.000Z-bbbb`$/);
    assert.match(await hover('"a": {'), /Last run `20261121T110000\.000Z-bbbb`: not selected$/);
    // a newer run replaces it (cache keyed by mtime)
    write('20261121T130000.000Z-dddd', a, { lint: act('canceled', 'run canceled', 0, 0) });
    await until('"lint": {', /canceled/);
    assert.match(await hover('"lint": {'), /Last run: \*\*canceled\*\* \(run canceled\) — run `20261121T130000\.000Z-dddd`$/);
    await c.close(uri);
  });
});

describe('server: workspace folders added and removed', function () {
  let dir: string;
  let c: TestClient;
  before(async () => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'actiontree-ws2-')));
    fs.writeFileSync(path.join(dir, 'g.actiontree.jsonc'), GRAPH);
    c = await TestClient.start({ mode: 'pull', workspaceFolderEvents: true });
  });
  after(async () => {
    await c.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('scans an added folder and clears the problems of a removed one', async () => {
    const uri = uriOf(path.join(dir, 'g.actiontree.jsonc'));
    const found = c.waitForDiagnostics((p) => p.uri === uri && p.diagnostics.length === 6, 'diagnostics of the added folder');
    const folder = { uri: uriOf(dir), name: 'added' };
    await c.conn.sendNotification(DidChangeWorkspaceFoldersNotification.type, { event: { added: [folder], removed: [] } });
    await found;
    const cleared = c.waitForDiagnostics((p) => p.uri === uri && p.diagnostics.length === 0, 'cleared with its folder');
    await c.conn.sendNotification(DidChangeWorkspaceFoldersNotification.type, { event: { added: [], removed: [folder] } });
    await cleared;
  });
});
