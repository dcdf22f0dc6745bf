import assert from 'node:assert/strict';
import { fork, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { RunEvent } from '../../src/core/run/events';
import type { Report } from '../../src/runner/records';
import { executeRun } from '../../src/runner/run';
import { parseWorkerMessage } from '../../src/shared/runner-protocol';
import { bundles } from './bundles';
import { isAlive, markedEnv, readPid, runGraphFile, setSpawnMode, tmpDir, waitUntil, writeGraph, type Ran } from './helpers';

/**
 * SPEC §10 services with real processes: every probe kind, readyTimeout, early exit, stop when
 * the dependents are done (the service's whole tree gone), cancel through the CLI, a port
 * already held by someone else. Times are compared between recorded events, never against a
 * wall-clock budget.
 */

const js = (s: string): string => JSON.stringify(s);
/** `sh` that records its pid and a background child's pid, prints `ready` text when told, then waits forever. */
const serviceSh = (name: string, readyLine: string, delay = '0.2'): string =>
  `echo $$ > ${name}.pid; sleep 1000 & echo $! > ${name}-child.pid; echo starting; sleep ${delay}; ${readyLine}; while :; do sleep 1; done`;

function ev<T extends RunEvent['type']>(r: Ran, type: T, action: string): Extract<RunEvent, { type: T }> | undefined {
  return r.events.find((e) => e.type === type && 'action' in e && e.action === action) as Extract<RunEvent, { type: T }> | undefined;
}

/** The service's recorded process and its background child are gone. */
function assertTreeGone(dir: string, name: string): void {
  for (const f of [`${name}.pid`, `${name}-child.pid`]) assert.equal(isAlive(readPid(path.join(dir, f))), false, `${f} survived`);
}

/** A free ephemeral port on 127.0.0.1 (bound, then released). */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Checks the dependents ran inside the serving window: started after service-ready, finished before the service ended. */
function assertServedWindow(r: Ran, service: string, dependents: string[]): void {
  const ready = ev(r, 'service-ready', service);
  const end = ev(r, 'action-finished', service);
  assert.ok(ready !== undefined && end !== undefined, 'service-ready and action-finished recorded');
  const rep = r.report.actions[service]!;
  assert.equal(rep.servingAt, ready.time);
  assert.ok(ready.time >= (rep.startedAt ?? Infinity), 'ready after its start');
  for (const d of dependents) {
    const a = r.report.actions[d]!;
    assert.ok(a.startedAt !== null && a.startedAt >= ready.time, `${d} started after the service was ready`);
    assert.ok(a.finishedAt !== null && a.finishedAt <= end.time, `${d} finished before the service ended`);
  }
}

describe('services (SPEC §10, real processes)', function () {
  this.timeout(60_000);
  before(() => setSpawnMode('helper'));

  for (const mode of ['python', 'bash', 'node'] as const) {
    it(`logMatches (${mode} launcher): dependents run while it serves; then its whole tree is stopped and it succeeded`, async () => {
      setSpawnMode(mode);
      try {
        const dir = tmpDir();
        const file = writeGraph(dir, {
          version: 1,
          cpus: 2,
          actions: {
            web: { command: serviceSh('web', 'printf "\\033[32mlistening on 8080\\033[0m\\n"'), service: { readyWhen: { logMatches: 'listening on \\d+' }, readyTimeout: '20s' } },
            a: { command: 'echo a; sleep 0.2', dependsOn: ['web'] },
            b: { command: 'echo b', dependsOn: ['a'] },
          },
        });
        const r = await runGraphFile(file);
        assert.equal(r.report.result, 'succeeded', JSON.stringify(r.report.actions, null, 1));
        assert.equal(r.report.actions['web']!.state, 'succeeded');
        assert.equal(r.report.actions['web']!.reason, 'stopped after its dependents finished');
        assertServedWindow(r, 'web', ['a']);
        assertTreeGone(dir, 'web');
        // Its output stayed visible: events and the log file.
        assert.ok(r.events.some((e) => e.type === 'action-output' && e.action === 'web' && e.text.includes('listening on 8080')));
        assert.match(fs.readFileSync(path.join(r.runDir, r.report.actions['web']!.log!), 'utf8'), /starting[\s\S]*listening on 8080/);
        // events.jsonl has the service-ready event too.
        assert.ok(r.fileEvents.some((e) => e.type === 'service-ready' && e.action === 'web'));
      } finally {
        setSpawnMode('helper');
      }
    });
  }

  it('through the worker (as VS Code runs it): the service serves its dependent, then is stopped by SIGTERM, its tree gone, before the kill grace', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, {
      version: 1,
      cpus: 2,
      actions: {
        db: { command: serviceSh('db', "echo 'listening on port 5432'"), service: { readyWhen: { logMatches: 'listening on port' }, readyTimeout: '20s' } },
        t: { command: 'sleep 0.3; echo ok', dependsOn: ['db'] },
      },
    });
    const { worker } = await bundles();
    const child = fork(worker, [], { cwd: dir, execArgv: [], env: { ...markedEnv, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'json' });
    const events: RunEvent[] = [];
    let runDir: string | null = null;
    child.on('message', (raw) => {
      const p = parseWorkerMessage(raw);
      if (p.ok && p.value.type === 'event') events.push(p.value.event);
      if (p.ok && p.value.type === 'done') runDir = p.value.runDir;
    });
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.send({ type: 'start', graphFile: file });
    });
    assert.equal(code, 0);
    assert.ok(runDir !== null);
    const report = JSON.parse(fs.readFileSync(path.join(runDir, 'report.json'), 'utf8')) as Report;
    assert.equal(report.result, 'succeeded');
    assert.equal(report.actions['db']!.reason, 'stopped after its dependents finished');
    const ready = events.find((e) => e.type === 'service-ready' && e.action === 'db');
    assert.ok(ready !== undefined, 'service-ready reached the parent');
    assert.ok((report.actions['t']!.startedAt ?? 0) >= ready.time);
    assertTreeGone(dir, 'db');
    // Stopped by its SIGTERM, not by the SIGKILL after the 3 s grace: ended well within it.
    const gap = (report.actions['db']!.finishedAt ?? Infinity) - (report.actions['t']!.finishedAt ?? 0);
    assert.ok(gap >= 0 && gap < 2500, `db ended ${gap} ms after its dependent`);
  });

  it('port: ready once 127.0.0.1:port accepts connections; the dependent reaches the server', async () => {
    const dir = tmpDir();
    const port = await freePort();
    // The server greets and does not handle socket errors: a probe that reset the connection would crash it (it did, before the probe closed gently).
    const server = `setTimeout(() => require('net').createServer((s) => s.end('hi')).listen(${port}, '127.0.0.1'), 300)`;
    const client = `const s = require('net').connect(${port}, '127.0.0.1'); s.on('data', (d) => { console.log('got ' + d); s.end(); }); s.on('error', (e) => { console.error(e.message); process.exit(1); });`;
    const file = writeGraph(dir, {
      version: 1,
      actions: {
        srv: { command: `echo $$ > srv.pid; exec ${js(process.execPath)} -e ${js(server)}`, service: { readyWhen: { port } } },
        use: { command: [process.execPath, '-e', client], dependsOn: ['srv'] },
      },
    });
    const r = await runGraphFile(file);
    const outs = r.events.filter((e): e is Extract<RunEvent, { type: 'action-output' }> => e.type === 'action-output').map((e) => `${e.action}: ${e.text}`).join('');
    assert.equal(r.report.result, 'succeeded', outs);
    assert.ok(r.events.some((e) => e.type === 'action-output' && e.action === 'use' && e.text.includes('got hi')));
    assertServedWindow(r, 'srv', ['use']);
    assert.equal(isAlive(readPid(path.join(dir, 'srv.pid'))), false);
  });

  it('http: ready on the first 2xx (a 503 before it does not count)', async () => {
    const dir = tmpDir();
    const port = await freePort();
    const server = `let n = 0; require('http').createServer((q, s) => { n++; s.statusCode = n < 3 ? 503 : 200; s.end(String(n)); console.log('request ' + n + ' ' + q.url); }).listen(${port}, '127.0.0.1')`;
    const file = writeGraph(dir, {
      version: 1,
      actions: {
        api: { command: [process.execPath, '-e', server], service: { readyWhen: { http: `http://127.0.0.1:${port}/health` } } },
        use: { command: 'echo used', dependsOn: ['api'] },
      },
    });
    const r = await runGraphFile(file);
    assert.equal(r.report.result, 'succeeded', JSON.stringify(r.report.actions, null, 1));
    const out = r.events.filter((e): e is Extract<RunEvent, { type: 'action-output' }> => e.type === 'action-output' && e.action === 'api').map((e) => e.text).join('');
    assert.match(out, /request 3 \/health/, 'the probe asked until the third answer (the first 200)');
    assertServedWindow(r, 'api', ['use']);
  });

  it('file: ready when the file appears (relative to cwd); a stale file from before the start does not count', async () => {
    const dir = tmpDir();
    fs.mkdirSync(path.join(dir, 'sub'));
    const file = writeGraph(dir, {
      version: 1,
      keepGoing: true,
      actions: {
        fresh: { command: serviceSh('fresh', 'touch ready.flag'), cwd: 'sub', service: { readyWhen: { file: 'ready.flag' } } },
        use: { command: 'echo used', dependsOn: ['fresh'] },
        stale: { command: serviceSh('stale', 'true'), service: { readyWhen: { file: 'old.flag' }, readyTimeout: '1s' } },
      },
    });
    fs.writeFileSync(path.join(dir, 'old.flag'), 'from an earlier run');
    const r = await runGraphFile(file);
    assert.equal(r.report.actions['fresh']!.state, 'succeeded');
    assert.ok(fs.existsSync(path.join(dir, 'sub', 'ready.flag')));
    assertServedWindow(r, 'fresh', ['use']);
    assert.equal(r.report.actions['stale']!.state, 'failed');
    assert.equal(r.report.actions['stale']!.reason, 'not ready after 1s');
    assertTreeGone(path.join(dir, 'sub'), 'fresh');
    assertTreeGone(dir, 'stale');
  });

  it('readyTimeout: never ready → failed "not ready after 1s", tree killed, dependents canceled, no hang', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, {
      version: 1,
      actions: {
        db: { command: serviceSh('db', 'echo still booting'), service: { readyWhen: { logMatches: 'accepting connections' }, readyTimeout: '1s' } },
        t: { command: 'echo never', dependsOn: ['db'] },
      },
    });
    const r = await runGraphFile(file);
    const db = r.report.actions['db']!;
    assert.equal(db.state, 'failed');
    assert.equal(db.reason, 'not ready after 1s');
    assert.equal(db.servingAt, null);
    assert.ok(db.finishedAt! - db.startedAt! >= 1000, 'killed no sooner than readyTimeout');
    assert.equal(r.report.actions['t']!.state, 'canceled');
    assert.equal(r.report.actions['t']!.startedAt, null);
    assert.equal(ev(r, 'service-ready', 'db'), undefined);
    assertTreeGone(dir, 'db');
  });

  it('early exit: a service that exits before it is ready fails with its exit code', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, {
      version: 1,
      actions: {
        db: { command: 'echo cannot bind; exit 3', service: { readyWhen: { logMatches: 'listening' } } },
        t: { command: 'echo never', dependsOn: ['db'] },
      },
    });
    const r = await runGraphFile(file);
    assert.equal(r.report.actions['db']!.state, 'failed');
    assert.equal(r.report.actions['db']!.reason, 'exited before it was ready (exit code 3)');
    assert.equal(r.report.actions['db']!.exitCode, 3);
    assert.equal(r.report.actions['t']!.state, 'canceled');
    assert.equal(r.report.result, 'failed');
  });

  it('a port something else already holds: the service fails at once and never runs', async () => {
    const dir = tmpDir();
    const other = net.createServer((s) => s.end());
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const port = (other.address() as net.AddressInfo).port;
    try {
      const file = writeGraph(dir, {
        version: 1,
        actions: {
          db: { command: 'touch db.ran; while :; do sleep 1; done', service: { readyWhen: { port } } },
          t: { command: 'echo never', dependsOn: ['db'] },
        },
      });
      const r = await runGraphFile(file);
      const db = r.report.actions['db']!;
      assert.equal(db.state, 'failed');
      assert.match(db.reason ?? '', new RegExp(`^port ${port} is already in use by another process`));
      assert.equal(db.attempts, 0);
      assert.equal(fs.existsSync(path.join(dir, 'db.ran')), false, 'the service command never ran');
      assert.equal(r.report.actions['t']!.state, 'canceled');
    } finally {
      await new Promise<void>((r) => other.close(() => r()));
    }
  });

  it('a service nothing depends on: started, ready, stopped at once (succeeded)', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, { version: 1, actions: { lone: { command: serviceSh('lone', 'echo up', '0'), service: { readyWhen: { logMatches: '^up$' } } } } });
    const r = await runGraphFile(file);
    assert.equal(r.report.actions['lone']!.state, 'succeeded');
    assert.equal(r.report.actions['lone']!.reason, 'stopped after its dependents finished');
    assert.notEqual(r.report.actions['lone']!.servingAt, null);
    assertTreeGone(dir, 'lone');
  });

  it('cancel: SIGTERM to the CLI stops a serving service and its tree; report canceled', async () => {
    const { cli } = await bundles();
    const dir = tmpDir();
    writeGraph(dir, {
      version: 1,
      actions: {
        db: { command: serviceSh('db', 'echo ready now', '0'), service: { readyWhen: { logMatches: 'ready now' } } },
        long: { command: 'echo $$ > long.pid; echo long started; sleep 30', dependsOn: ['db'] },
      },
    });
    const child = spawn(process.execPath, [cli, 'run', '--json'], { cwd: dir, env: markedEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const rl = readline.createInterface({ input: child.stdout });
    const seen: RunEvent[] = [];
    await new Promise<void>((resolve) => {
      rl.on('line', (l) => {
        const e = JSON.parse(l) as RunEvent;
        seen.push(e);
        if (e.type === 'action-output' && e.action === 'long' && e.text.includes('long started')) resolve();
      });
    });
    assert.ok(seen.some((e) => e.type === 'service-ready' && e.action === 'db'));
    child.kill('SIGTERM');
    assert.equal(await exit, 143, err);
    const runs = fs.readdirSync(path.join(dir, '.actiontree', 'runs'));
    const report = JSON.parse(fs.readFileSync(path.join(dir, '.actiontree', 'runs', runs[0]!, 'report.json'), 'utf8')) as Report;
    assert.equal(report.result, 'canceled');
    assert.equal(report.actions['db']!.state, 'canceled');
    assert.equal(report.actions['long']!.state, 'canceled');
    assertTreeGone(dir, 'db');
    await waitUntil('long is gone', () => !isAlive(readPid(path.join(dir, 'long.pid'))));
  });

  it('validation: a bad service is an invalid graph, nothing runs', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, { version: 1, actions: { db: { command: 'touch ran', service: { readyWhen: { port: 99999 } } } } });
    const out = await executeRun({ graphFile: file, signal: new AbortController().signal, env: markedEnv });
    assert.equal(out.kind, 'invalid');
    assert.ok(out.kind === 'invalid' && out.diagnostics.some((d) => d.code === 'invalid-service' && /out of range/.test(d.message)));
    assert.equal(fs.existsSync(path.join(dir, 'ran')), false);
  });

  it('Slurm: a graph with a service is refused with a clear message before anything runs', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, { version: 1, actions: { db: { command: 'touch ran', service: { readyWhen: { logMatches: 'x' } } } } });
    const out = await executeRun({ graphFile: file, signal: new AbortController().signal, env: markedEnv, executor: 'slurm' });
    assert.deepEqual(out, { kind: 'error', message: `services cannot run on the Slurm executor ('db' is a service); run this graph with --executor local` });
    assert.equal(fs.existsSync(path.join(dir, '.actiontree')), false);
  });
});

