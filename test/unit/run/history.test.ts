import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { addEstimates, eventsProblem, graphFileFromHead } from '../../../src/core/run/history';
import type { RunEvent } from '../../../src/core/run/events';
import { listRunDirs, RunHistory, runStatus } from '../../../src/runner/history';
import { readRegularFile, readRegularFileSync } from '../../../src/runner/safeRead';

describe('run history: safe reads', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'at-hist-')));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads regular files only, within the bound, without following links (async and sync agree)', async () => {
    const f = (n: string): string => path.join(dir, n);
    fs.writeFileSync(f('ok'), 'hello');
    fs.symlinkSync('/dev/zero', f('zero'));
    fs.symlinkSync(f('ok'), f('link'));
    execFileSync('mkfifo', [f('fifo')]);
    fs.mkdirSync(f('dir'));
    fs.writeFileSync(f('big'), '');
    fs.truncateSync(f('big'), 2048);
    const cases: [string, string, object][] = [
      ['ok', 'ok', { maxBytes: 10 }],
      ['missing', 'missing', { maxBytes: 10 }],
      ['zero', 'symlink', { maxBytes: 10 }],
      ['link', 'symlink', { maxBytes: 10 }],
      ['fifo', 'not-regular', { maxBytes: 10 }],
      ['dir', 'not-regular', { maxBytes: 10 }],
      ['big', 'too-large', { maxBytes: 1024 }],
    ];
    for (const [name, want] of cases) {
      for (const r of [await readRegularFile(f(name === 'missing' ? 'nope' : name), { maxBytes: name === 'big' ? 1024 : 10 }), readRegularFileSync(f(name === 'missing' ? 'nope' : name), { maxBytes: name === 'big' ? 1024 : 10 })]) {
        assert.equal(r.ok ? 'ok' : r.kind, want, name);
      }
    }
    const head = await readRegularFile(f('big'), { maxBytes: 1024, headBytes: 100 });
    assert.ok(head.ok && head.bytes.length === 100 && head.size === 2048);
    // a link is followed when asked (graph files), still regular files only
    assert.equal((await readRegularFile(f('link'), { maxBytes: 10, followSymlinks: true })).ok, true);
    const z = await readRegularFile(f('zero'), { maxBytes: 10, followSymlinks: true });
    assert.ok(!z.ok && z.kind === 'not-regular' && /character device/.test(z.reason));
  });

  it('lists run folders newest first, bounded, skipping links, files and dot names', async () => {
    for (let i = 0; i < 30; i++) fs.mkdirSync(path.join(dir, `2026${String(i).padStart(4, '0')}`));
    fs.symlinkSync(path.join(dir, '20260000'), path.join(dir, '2099-link'));
    fs.writeFileSync(path.join(dir, '2099-file'), '');
    fs.mkdirSync(path.join(dir, '.2099-hidden'));
    const top = await listRunDirs(dir, 5);
    assert.deepEqual(top, ['20260029', '20260028', '20260027', '20260026', '20260025']);
    assert.deepEqual(await listRunDirs(path.join(dir, 'missing')), []);
  });

  it('runs of this graph file only; a symlinked folder path is the same file; __proto__ ids are estimates like any other', async () => {
    const g = path.join(dir, 'a.actiontree.jsonc');
    const b = path.join(dir, 'b.actiontree.jsonc');
    const runs = path.join(dir, '.actiontree', 'runs');
    const write = (id: string, graphFile: string, actions: object): void => {
      fs.mkdirSync(path.join(runs, id), { recursive: true });
      fs.writeFileSync(path.join(runs, id, 'report.json'), JSON.stringify({ version: 1, runId: id, graphFile, actions }, null, 2));
    };
    const ok = (ms: number): object => ({ state: 'succeeded', durationMs: ms });
    write('20260101T000000.000Z-0001', g, { x: ok(10), ['__proto__']: ok(5), constructor: ok(6) });
    write('20260101T000000.000Z-0002', b, { x: ok(99), toString: ok(7) });
    write('20260101T000000.000Z-0003', g, { x: { state: 'failed', durationMs: 1 } });
    const h = new RunHistory();
    const est = await h.loadEstimates(g);
    assert.deepEqual([...est].sort(), [['__proto__', 5], ['constructor', 6], ['x', 10]]);
    assert.deepEqual([...(await h.loadEstimates(b))], [['x', 99], ['toString', 7]]);
    // the same file through a symlinked folder
    const alias = path.join(os.tmpdir(), `at-hist-alias-${process.pid}`);
    fs.rmSync(alias, { force: true });
    fs.symlinkSync(dir, alias);
    try {
      assert.equal((await h.loadEstimates(path.join(alias, 'a.actiontree.jsonc'))).get('x'), 10);
    } finally {
      fs.rmSync(alias);
    }
    assert.equal(await h.newestRunDir(g), path.join(runs, '20260101T000000.000Z-0003'));
    // a newer run of g without a report (killed) counts only when asked for
    fs.mkdirSync(path.join(runs, '20260101T000000.000Z-0004'));
    fs.writeFileSync(path.join(runs, '20260101T000000.000Z-0004', 'events.jsonl'), JSON.stringify({ type: 'run-started', runId: 'r', time: 1, cpus: 1, actions: [], graphFile: g }) + '\n');
    assert.equal(await h.newestRunDir(g), path.join(runs, '20260101T000000.000Z-0003'));
    assert.equal(await h.newestRunDir(g, { withReport: false }), path.join(runs, '20260101T000000.000Z-0004'));
    assert.equal(await h.newestRunDir(b, { withReport: false }), path.join(runs, '20260101T000000.000Z-0002'));
    assert.deepEqual(await runStatus(path.join(runs, '20260101T000000.000Z-0004')), { kind: 'ended-without-report' });
  });

  it('pure helpers: graph file from a report head, estimates, events problems', () => {
    assert.equal(graphFileFromHead('{\n  "version": 1,\n  "runId": "r",\n  "graphFile": "/a/b \\"c\\".jsonc",\n  "gr'), '/a/b "c".jsonc');
    assert.equal(graphFileFromHead('{"runId":"\\"graphFile\\":\\"/x\\""}'), null);
    const out = new Map<string, number>();
    addEstimates(JSON.parse('{"actions":{"__proto__":{"state":"succeeded","startedAt":1,"finishedAt":4},"n":{"state":"succeeded","durationMs":-1},"s":{"state":"succeeded","durationMs":"2"}}}'), out);
    assert.deepEqual([...out], [['__proto__', 3]]);
    assert.equal(eventsProblem([]), 'it has no events');
    assert.match(eventsProblem([{ type: 'run-started', runId: 'r', time: 1, cpus: 1 } as unknown as RunEvent]) ?? '', /no "actions" list/);
    assert.match(eventsProblem([{ type: 'action-ready', action: 'a', time: 1 } as RunEvent]) ?? '', /not 'run-started'/);
    assert.equal(eventsProblem([{ type: 'run-started', runId: 'r', time: 1, cpus: 1, actions: ['a'] } as RunEvent]), null);
  });
});
