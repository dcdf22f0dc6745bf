import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decide, type ActionRecord } from '../../../src/core/incremental/decide';
import { acquireLock, loadState, stateBase, StateWriter } from '../../../src/runner/incremental/store';

/** The incremental state on disk: journal replay, torn lines, compaction, the lock (real files, real pids). */

function graphFileIn(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'at-store-'));
  const file = path.join(dir, 'g.actiontree.jsonc');
  fs.writeFileSync(file, '{"version":1,"actions":{}}');
  return file;
}

const ok = (fingerprint: string): ActionRecord => ({
  state: 'succeeded',
  fingerprint,
  parts: { command: '"x"', cwd: '', env: {}, envInputs: {}, inputs: [['a.txt', '0'.repeat(32)]], deps: {} },
  outputs: [],
  time: 1,
});

describe('incremental state store', () => {
  it('replays the journal over the compacted state; a torn last line is ignored; compaction empties the journal', () => {
    const file = graphFileIn();
    const opened = StateWriter.open(file);
    assert.ok(opened.ok);
    const w = opened.writer;
    assert.equal(w.append('a', ok('fa')), null);
    assert.equal(w.append('b', { state: 'started', time: 2 }), null);
    w.close();
    fs.appendFileSync(`${stateBase(file)}.journal`, '{"id":"a","r":{"state":"fai'); // killed mid-write
    let st = loadState(file);
    assert.deepEqual([...st.records.keys()], ['a', 'b']);
    assert.equal(st.records.get('a')?.state, 'succeeded', 'the torn line does not count');
    assert.deepEqual(st.warnings, []);

    const w2 = StateWriter.open(file);
    assert.ok(w2.ok);
    // Opening ends the torn line, so the next record stands on a line of its own.
    assert.equal(w2.writer.append('b', ok('fb')), null);
    st = loadState(file);
    assert.equal(st.records.get('b')?.state, 'succeeded');
    assert.equal(st.records.get('a')?.state, 'succeeded');
    assert.match(st.warnings.join(), /ignoring 1 malformed line/);
    assert.equal(w2.writer.compact(new Map([['a', ok('fa')], ['b', ok('fb')]]), new Map([['a.txt', `1|2|3|4|${'0'.repeat(32)}|5`]])), null);
    assert.equal(fs.existsSync(`${stateBase(file)}.journal`), false);
    st = loadState(file);
    assert.deepEqual([...st.records.keys()], ['a', 'b']);
    assert.equal(st.stat.get('a.txt'), `1|2|3|4|${'0'.repeat(32)}|5`);
  });

  it('compaction keeps parts as text, read back equal (and again after a second compaction); version 2 files still load', () => {
    const file = graphFileIn();
    const opened = StateWriter.open(file);
    assert.ok(opened.ok);
    assert.equal(opened.writer.compact(new Map([['a', ok('fa')]]), new Map()), null);
    const raw = JSON.parse(fs.readFileSync(`${stateBase(file)}.json`, 'utf8')) as { version: number; records: { a: { parts: unknown } } };
    assert.equal(raw.version, 3);
    assert.equal(typeof raw.records.a.parts, 'string', 'stored as JSON text, parsed only when needed');
    let st = loadState(file);
    assert.equal(st.outdated, false);
    const a = st.records.get('a');
    assert.ok(a?.state === 'succeeded');
    assert.deepEqual(a.parts, ok('fa').state === 'succeeded' ? (ok('fa') as Extract<ActionRecord, { state: 'succeeded' }>).parts : undefined);
    // A record loaded and never parsed is stored back as it was.
    const w = StateWriter.open(file);
    assert.ok(w.ok);
    assert.equal(w.writer.compact(st.records, new Map()), null);
    st = loadState(file);
    const again = st.records.get('a');
    assert.ok(again?.state === 'succeeded');
    assert.equal(again.parts.command, '"x"');
    // An older state file (parts as objects) is read, and marked for rewriting.
    fs.writeFileSync(`${stateBase(file)}.json`, JSON.stringify({ version: 2, graphFile: file, records: { a: ok('fa') }, stat: {} }));
    st = loadState(file);
    assert.equal(st.outdated, true);
    assert.equal(st.records.get('a')?.state, 'succeeded');
  });

  it('stored parts that are not valid make the action run unless its fingerprint matches', () => {
    const file = graphFileIn();
    fs.mkdirSync(path.dirname(stateBase(file)), { recursive: true });
    fs.writeFileSync(`${stateBase(file)}.json`, JSON.stringify({ version: 3, graphFile: file, records: { a: { state: 'succeeded', fingerprint: 'fa', parts: '{"command":1', outputs: [], time: 1 } }, stat: {} }));
    const rec = loadState(file).records.get('a');
    const parts = (ok('fa') as Extract<ActionRecord, { state: 'succeeded' }>).parts;
    const base = { id: 'a', parts, record: rec, force: false, deps: [], unreadable: [], probeOutput: () => 'missing' as const };
    assert.equal(decide({ ...base, fingerprint: 'other' }).decision, 'run');
    assert.deepEqual(decide({ ...base, fingerprint: 'fa' }), { decision: 'skip', reasons: ['up to date'] });
  });

  it('a record of the wrong shape is dropped with a warning (that action runs); a state of another graph file is ignored', () => {
    const file = graphFileIn();
    const base = stateBase(file);
    fs.mkdirSync(path.dirname(base), { recursive: true });
    fs.writeFileSync(`${base}.json`, JSON.stringify({ version: 2, graphFile: file, records: { a: ok('fa'), b: { state: 'succeeded', fingerprint: 1 } }, stat: { x: 'nonsense' } }));
    let st = loadState(file);
    assert.deepEqual([...st.records.keys()], ['a']);
    assert.equal(st.stat.size, 0);
    assert.match(st.warnings.join(), /ignoring 1 malformed record/);
    fs.writeFileSync(`${base}.json`, JSON.stringify({ version: 2, graphFile: '/other.actiontree.jsonc', records: { a: ok('fa') }, stat: {} }));
    st = loadState(file);
    assert.equal(st.records.size, 0);
    assert.match(st.warnings.join(), /belongs to "\/other\.actiontree\.jsonc"/);
    fs.writeFileSync(`${base}.json`, JSON.stringify({ version: 1, graphFile: file, records: {}, stat: {} }));
    assert.match(loadState(file).warnings.join(), /corrupt or of another version/);
  });

  it('lock: a live holder refuses (naming its pid); a dead one, a reused pid or old garbage is taken over', async () => {
    const file = graphFileIn();
    const lockFile = `${stateBase(file)}.lock`;
    const first = acquireLock(file);
    assert.equal(first.kind, 'locked');
    const second = acquireLock(file);
    assert.equal(second.kind, 'busy');
    assert.match(second.kind === 'busy' ? second.message : '', new RegExp(`another run of g\\.actiontree\\.jsonc is in progress \\(pid ${process.pid}, started `));
    if (first.kind === 'locked') first.release();
    assert.equal(fs.existsSync(lockFile), false);

    // A dead pid: a process that has exited.
    const dead = spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim();
    fs.writeFileSync(lockFile, JSON.stringify({ pid: Number(dead), startedAt: Date.now(), hostname: os.hostname() }));
    const taken = acquireLock(file);
    assert.equal(taken.kind, 'locked', 'a lock left by a dead runner does not block');
    if (taken.kind === 'locked') taken.release();

    // A live pid whose start time differs (the pid was reused by another process).
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      fs.writeFileSync(lockFile, JSON.stringify({ pid: child.pid, startedAt: Date.now(), hostname: os.hostname(), procStart: '1' }));
      const reused = acquireLock(file);
      assert.equal(reused.kind, 'locked');
      if (reused.kind === 'locked') reused.release();
      fs.writeFileSync(lockFile, JSON.stringify({ pid: child.pid, startedAt: Date.now(), hostname: os.hostname() }));
      assert.equal(acquireLock(file).kind, 'busy', 'a live pid holds it');
    } finally {
      child.kill('SIGKILL');
    }
    // Garbage: young = someone is writing it (busy); old = taken over.
    fs.writeFileSync(lockFile, '');
    assert.equal(acquireLock(file).kind, 'busy');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lockFile, old, old);
    const g = acquireLock(file);
    assert.equal(g.kind, 'locked');
    if (g.kind === 'locked') g.release();
  });
});
