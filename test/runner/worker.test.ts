import assert from 'node:assert/strict';
import { fork, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { RunEvent } from '../../src/core/run/events';
import type { Report } from '../../src/runner/records';
import { parseWorkerMessage, type WorkerToParent } from '../../src/shared/runner-protocol';
import { bundles } from './bundles';
import { isAlive, markedEnv, readPid, repoRoot, tmpDir, waitUntil, writeGraph } from './helpers';

interface Session {
  messages: WorkerToParent[];
  done: Promise<{ code: number | null; messages: WorkerToParent[] }>;
  send: (m: unknown) => void;
  /** Resolves on the first message satisfying pred. */
  until: (pred: (m: WorkerToParent) => boolean) => Promise<WorkerToParent>;
}

async function startWorker(): Promise<Session> {
  const { worker } = await bundles();
  const child = fork(worker, [], { env: markedEnv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const messages: WorkerToParent[] = [];
  const waiters: { pred: (m: WorkerToParent) => boolean; resolve: (m: WorkerToParent) => void }[] = [];
  child.on('message', (raw) => {
    const p = parseWorkerMessage(raw);
    assert.ok(p.ok, `invalid message from the worker: ${JSON.stringify(raw)}`);
    messages.push(p.value);
    for (const w of waiters.splice(0)) {
      if (w.pred(p.value)) w.resolve(p.value);
      else waiters.push(w);
    }
  });
  const done = new Promise<{ code: number | null; messages: WorkerToParent[] }>((resolve) => child.on('exit', (code) => resolve({ code, messages })));
  return {
    messages,
    done,
    send: (m) => child.send(m as object),
    until: (pred) => new Promise((resolve) => waiters.push({ pred, resolve })),
  };
}

const events = (ms: WorkerToParent[]): RunEvent[] => ms.flatMap((m) => (m.type === 'event' ? [m.event] : []));

describe('runner worker over IPC (dist/runner.js bundle)', function () {
  this.timeout(60_000);
  before(async () => {
    await bundles();
  });

  it('pause / resume messages (Pause Run / Resume Run): no start while paused, run-paused and run-resumed events', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, { version: 1, cpus: 1, actions: { a: { command: 'echo go; sleep 0.4', priority: 1 }, b: { command: 'true' } } });
    const s = await startWorker();
    s.send({ type: 'start', graphFile: file });
    await s.until((m) => m.type === 'event' && m.event.type === 'action-output');
    s.send({ type: 'pause' });
    await s.until((m) => m.type === 'event' && m.event.type === 'action-finished' && m.event.action === 'a');
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(!events(s.messages).some((e) => e.type === 'action-started' && e.action === 'b'), 'b started while paused');
    s.send({ type: 'resume' });
    const { messages } = await s.done;
    const ev = events(messages);
    const types = ev.map((e) => e.type);
    assert.ok(types.includes('run-paused') && types.includes('run-resumed'));
    const resumed = ev.find((e) => e.type === 'run-resumed')!;
    const bStart = ev.find((e) => e.type === 'action-started' && e.action === 'b')!;
    assert.ok(bStart.time >= resumed.time);
    assert.deepEqual(messages[messages.length - 1], { type: 'done', runDir: (messages[messages.length - 1] as { runDir: string }).runDir, result: 'succeeded' });
  });

  it('runs a graph: events, then done with the run folder; output is batched', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, {
      version: 1,
      actions: {
        chatty: { command: 'for i in $(seq 1 3000); do echo line $i; done' },
        after: { command: 'echo bye', dependsOn: ['chatty'] },
      },
    });
    const s = await startWorker();
    s.send({ type: 'start', graphFile: file, cpus: 1 });
    const { code, messages } = await s.done;
    assert.equal(code, 0);
    const last = messages[messages.length - 1]!;
    assert.equal(last.type, 'done');
    assert.ok(last.type === 'done' && last.result === 'succeeded' && last.runDir !== null);
    const ev = events(messages);
    assert.deepEqual(ev.map((e) => e.type).filter((t) => t !== 'action-output'), [
      'run-started', 'action-ready', 'action-started', 'action-finished', 'action-ready', 'action-started', 'action-finished', 'run-finished',
    ]);
    const out = ev.filter((e): e is Extract<RunEvent, { type: 'action-output' }> => e.type === 'action-output' && e.action === 'chatty');
    assert.equal(out.map((e) => e.text).join(''), Array.from({ length: 3000 }, (_, i) => `line ${i + 1}\n`).join(''));
    assert.ok(out.length < 50, `${out.length} output messages for 3000 lines`);
    // Output of an action always precedes its action-finished.
    const finishedAt = ev.findIndex((e) => e.type === 'action-finished' && e.action === 'chatty');
    assert.ok(ev.findIndex((e) => e.type === 'action-output' && e.action === 'chatty') < finishedAt);
    assert.ok(fs.existsSync(path.join(last.type === 'done' ? last.runDir! : '', 'report.json')));
  });

  it('hooks (SPEC §10): hook-finished events reach the extension (the protocol accepts them), then done; a failing hook does not change the result', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, { version: 1, hooks: { onActionFinished: 'exit 5', onRunFinished: 'true' }, actions: { a: { command: 'true' } } });
    const s = await startWorker();
    s.send({ type: 'start', graphFile: file });
    const { code, messages } = await s.done;
    assert.equal(code, 0);
    const last = messages[messages.length - 1]!;
    assert.ok(last.type === 'done' && last.result === 'succeeded');
    const hooks = events(messages).filter((e): e is Extract<RunEvent, { type: 'hook-finished' }> => e.type === 'hook-finished');
    assert.deepEqual(hooks.map((h) => [h.hook, h.action ?? null, h.error]), [
      ['onActionFinished', 'a', 'exit code 5'],
      ['onRunFinished', null, null],
    ]);
  });

  it('start with only: runs the named actions without their dependencies; a non-boolean only is rejected', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, { version: 1, actions: { a: { command: 'echo A' }, b: { command: 'echo B', dependsOn: ['a'] } } });
    const s = await startWorker();
    s.send({ type: 'start', graphFile: file, actions: ['b'], only: 'yes' });
    const err = await s.until((m) => m.type === 'error');
    assert.ok(err.type === 'error' && /only must be a boolean/.test(err.message), JSON.stringify(err));
    s.send({ type: 'start', graphFile: file, actions: ['b'], only: true });
    const { code, messages } = await s.done;
    assert.equal(code, 0);
    const started = events(messages).filter((e) => e.type === 'action-started').map((e) => e.type === 'action-started' && e.action);
    assert.deepEqual(started, ['b']);
    const last = messages[messages.length - 1]!;
    assert.ok(last.type === 'done' && last.result === 'succeeded');
  });

  it('incremental: a second start skips what is up to date; force runs it; a non-boolean force is rejected', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, { version: 1, actions: { a: { command: 'echo A > a.txt', inputs: [], outputs: ['a.txt'] } } });
    const states = async (msg: Record<string, unknown>): Promise<string[]> => {
      const s = await startWorker();
      s.send({ type: 'start', graphFile: file, ...msg });
      const { messages } = await s.done;
      return events(messages).flatMap((e) => (e.type === 'action-finished' ? [`${e.state}:${e.reason}`] : []));
    };
    assert.deepEqual(await states({}), ['succeeded:null']);
    assert.deepEqual(await states({}), ['skipped:up to date']);
    assert.deepEqual(await states({ force: true }), ['succeeded:null']);
    const s = await startWorker();
    s.send({ type: 'start', graphFile: file, force: 1 });
    const err = await s.until((m) => m.type === 'error');
    assert.ok(err.type === 'error' && /force must be a boolean/.test(err.message), JSON.stringify(err));
    s.send({ type: 'start', graphFile: file });
    const { messages } = await s.done;
    assert.deepEqual(events(messages).flatMap((e) => (e.type === 'action-finished' ? [e.state] : [])), ['skipped']);
  });

  it('an invalid graph: an error with the diagnostics, done without a run', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, '{ "version": 1, "actions": { "a": { "command": "true", "dependsOn": ["a"] } } }');
    const s = await startWorker();
    s.send({ type: 'start', graphFile: file });
    const { messages } = await s.done;
    assert.equal(messages[0]!.type, 'error');
    assert.match(messages[0]!.type === 'error' ? messages[0]!.message : '', /nothing was run\n.*test\.actiontree\.jsonc:1:\d+: error self-dependency/);
    assert.deepEqual(messages[1], { type: 'done', runDir: null, result: null });
  });

  it('rejects a malformed message with an error and keeps serving', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, { version: 1, actions: { a: { command: 'true' } } });
    const s = await startWorker();
    s.send({ type: 'start', graphFile: 42 });
    const err = await s.until((m) => m.type === 'error');
    assert.deepEqual(err, { type: 'error', message: 'bad message: start: graphFile must be a non-empty string' });
    s.send({ type: 'start', graphFile: file });
    const { messages } = await s.done;
    assert.deepEqual(messages[messages.length - 1]!.type === 'done' && messages[messages.length - 1]!.type, 'done');
  });

  it('cancel: kills the trees and finishes canceled', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, { version: 1, actions: { a: { command: 'echo $$ > a.pid; sleep 30 & echo $! > c.pid; echo ready; wait' } } });
    const s = await startWorker();
    s.send({ type: 'start', graphFile: file });
    await s.until((m) => m.type === 'event' && m.event.type === 'action-output' && m.event.text.includes('ready'));
    s.send({ type: 'cancel' });
    const { messages } = await s.done;
    const last = messages[messages.length - 1]!;
    assert.ok(last.type === 'done' && last.result === 'canceled');
    for (const n of ['a', 'c']) assert.equal(isAlive(readPid(path.join(dir, `${n}.pid`))), false);
  });

  it('when the parent dies, the worker cancels the run, kills every tree, writes the report and exits', async () => {
    const { worker } = await bundles();
    const dir = tmpDir();
    const tree = (n: string) => `echo $$ > ${n}.pid; (sleep 30 & echo $! > ${n}-grand.pid; echo ready; wait) & wait`;
    const file = writeGraph(dir, { version: 1, cpus: 2, actions: { a: { command: tree('a') }, b: { command: tree('b') } } });
    const parent = spawn(process.execPath, [path.join(repoRoot, 'test', 'fixtures', 'run', 'parent.cjs'), worker, file], {
      env: markedEnv,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const parentExit = new Promise((r) => parent.on('close', r));
    let workerPid = 0;
    let runDir = '';
    const ready = new Set<string>();
    await new Promise<void>((resolve) => {
      readline.createInterface({ input: parent.stdout! }).on('line', (l) => {
        const m = JSON.parse(l) as { workerPid?: number } & Partial<WorkerToParent>;
        if (m.workerPid !== undefined) workerPid = m.workerPid;
        if (m.type === 'event' && m.event!.type === 'run-started') runDir = path.join(dir, '.actiontree', 'runs', m.event!.runId);
        if (m.type === 'event' && m.event!.type === 'action-output' && m.event!.text.includes('ready')) ready.add(m.event!.action);
        if (ready.size === 2) resolve();
      });
    });
    assert.ok(workerPid > 0 && isAlive(workerPid));
    parent.kill('SIGKILL');
    await parentExit;
    await waitUntil('the worker exits', () => !isAlive(workerPid));
    for (const n of ['a', 'a-grand', 'b', 'b-grand']) assert.equal(isAlive(readPid(path.join(dir, `${n}.pid`))), false, `${n} survived`);
    const report = JSON.parse(fs.readFileSync(path.join(runDir, 'report.json'), 'utf8')) as Report;
    assert.equal(report.result, 'canceled');
  });

  it('50 MB of output cannot flood the IPC channel (batched and capped; the log has all)', async () => {
    const dir = tmpDir();
    const total = 50 * 1024 * 1024;
    const writer = path.join(repoRoot, 'test', 'fixtures', 'run', 'write-bytes.cjs');
    const file = writeGraph(dir, { version: 1, actions: { big: { command: [process.execPath, writer, String(total)] } } });
    const s = await startWorker();
    s.send({ type: 'start', graphFile: file });
    const { messages } = await s.done;
    const out = events(messages).filter((e): e is Extract<RunEvent, { type: 'action-output' }> => e.type === 'action-output');
    const chars = out.reduce((n, e) => n + e.text.length, 0);
    assert.ok(chars < 10 * 1024 * 1024, `${chars} characters over IPC`);
    assert.ok(out.every((e) => e.text.length <= 64 * 1024 + 200));
    assert.match(out[out.length - 1]!.text, /x\n$/);
    const last = messages[messages.length - 1]!;
    assert.ok(last.type === 'done' && last.runDir !== null);
    assert.equal(fs.statSync(path.join(last.runDir!, 'logs', 'big.log')).size, total);
  });
});
