import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunEvent } from '../../src/core/run/events';
import { executeRun } from '../../src/runner/run';
import { isAlive, markedEnv, peakUsage, readPid, runGraphFile, setSpawnMode, tmpDir, waitUntil, writeGraph } from './helpers';

function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (s: number) => `sleep ${s}`;

for (const mode of ['python', 'bash', 'node'] as const) describe(`runner with real processes (${mode} launcher)`, function () {
  this.timeout(30_000);
  before(() => setSpawnMode(mode));
  after(() => setSpawnMode('helper'));

  it('never exceeds CPU slots or a resource (checked from recorded start/finish times)', async () => {
    const dir = tmpDir();
    const actions: Record<string, unknown> = {};
    for (let i = 0; i < 6; i++) actions[`cpu${i}`] = { command: sleep(0.15) };
    for (let i = 0; i < 4; i++) actions[`db${i}`] = { command: sleep(0.1), resources: { db: 1 } };
    actions['two'] = { command: sleep(0.1), cpus: 2 };
    const file = writeGraph(dir, { version: 1, cpus: 3, resources: { db: 1 }, actions });
    const { report, fileEvents } = await runGraphFile(file);
    assert.equal(report.result, 'succeeded');
    const cpusOf = (id: string) => report.actions[id]!.cpus;
    assert.equal(peakUsage(report, cpusOf), 3, 'CPU slots are used to the limit but never past it');
    assert.equal(peakUsage(report, (id) => (id.startsWith('db') ? 1 : 0)), 1, 'db: 1 is never exceeded');
    // The same from events.jsonl.
    let running = 0;
    let peak = 0;
    for (const e of fileEvents) {
      if (e.type === 'action-started') running += cpusOf(e.action);
      if (e.type === 'action-finished' && e.state === 'succeeded') running -= cpusOf(e.action);
      peak = Math.max(peak, running);
    }
    assert.equal(peak, 3);
  });

  it('runs an over-capacity action alone on its resource and an over-cpus action alone', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, {
      version: 1,
      cpus: 2,
      resources: { gpu: 2 },
      actions: {
        g1: { command: sleep(0.1), resources: { gpu: 1 } },
        huge: { command: sleep(0.1), resources: { gpu: 3 } },
        g2: { command: sleep(0.1), resources: { gpu: 1 } },
        g3: { command: sleep(0.1), resources: { gpu: 1 } },
        wide: { command: sleep(0.1), cpus: 5 },
        small: { command: sleep(0.1) },
      },
    });
    const { report } = await runGraphFile(file);
    assert.equal(report.result, 'succeeded');
    const iv = (id: string) => report.actions[id]!.attemptDetails[0]!;
    const overlaps = (a: string, b: string) => iv(a).startedAt < iv(b).finishedAt! && iv(b).startedAt < iv(a).finishedAt!;
    for (const other of ['g1', 'g2', 'g3']) assert.ok(!overlaps('huge', other), `huge overlapped ${other}`);
    for (const other of ['g1', 'g2', 'g3', 'huge', 'small']) assert.ok(!overlaps('wide', other), `wide overlapped ${other}`);
  });

  it('keepGoing false: after a failure nothing new starts, running actions finish, the rest is canceled', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, {
      version: 1,
      cpus: 2,
      actions: {
        fail: { command: 'echo boom >&2; exit 4' },
        slow: { command: sleep(0.4) },
        later: { command: 'true', dependsOn: ['slow'] },
        dep: { command: 'true', dependsOn: ['fail'] },
        indep: { command: 'true', priority: -1 },
      },
    });
    const { report, fileEvents } = await runGraphFile(file);
    assert.equal(report.result, 'failed');
    assert.equal(report.actions['fail']!.reason, 'exit code 4');
    assert.equal(report.actions['fail']!.exitCode, 4);
    assert.equal(report.actions['slow']!.state, 'succeeded', 'a running action is allowed to finish');
    assert.equal(report.actions['dep']!.reason, "dependency 'fail' failed");
    assert.equal(report.actions['later']!.state, 'canceled');
    assert.equal(report.actions['indep']!.state, 'canceled');
    assert.equal(report.actions['indep']!.startedAt, null);
    const failAt = fileEvents.findIndex((e) => e.type === 'action-finished' && e.action === 'fail');
    assert.ok(failAt > 0);
    assert.deepEqual(fileEvents.slice(failAt).filter((e) => e.type === 'action-started'), []);
  });

  it('keepGoing true: everything that can still run runs; dependents of the failure are canceled; acceptFailedDependencies runs', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, {
      version: 1,
      cpus: 2,
      keepGoing: true,
      actions: {
        fail: { command: 'exit 1' },
        dep: { command: 'true', dependsOn: ['fail'] },
        dep2: { command: 'true', dependsOn: ['dep'] },
        other: { command: sleep(0.1) },
        after: { command: 'true', dependsOn: ['other'] },
        report: { command: 'echo reporting', dependsOn: ['dep2', 'after'], acceptFailedDependencies: true },
      },
    });
    const { report } = await runGraphFile(file);
    assert.equal(report.result, 'failed');
    assert.equal(report.actions['dep']!.reason, "dependency 'fail' failed");
    assert.equal(report.actions['dep2']!.reason, "dependency 'dep' canceled");
    assert.equal(report.actions['after']!.state, 'succeeded');
    assert.equal(report.actions['report']!.state, 'succeeded');
    assert.ok(report.actions['report']!.startedAt! >= report.actions['after']!.finishedAt!);
  });

  it('keepGoing false: acceptFailedDependencies runs as a finally after its dependencies finish (the bundled example\'s notify)', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, {
      version: 1,
      cpus: 2,
      actions: {
        fail: { command: 'exit 1' },
        slow: { command: sleep(0.3) },
        publish: { command: 'true', dependsOn: ['slow', 'fail'] },
        notify: { command: 'echo notified > notified.txt', dependsOn: ['publish'], acceptFailedDependencies: true },
      },
    });
    const { report } = await runGraphFile(file);
    assert.equal(report.result, 'failed');
    assert.equal(report.actions['publish']!.state, 'canceled');
    assert.equal(report.actions['notify']!.state, 'succeeded');
    assert.ok(report.actions['notify']!.startedAt! >= report.actions['slow']!.finishedAt!, `notify waits for everything before it: ${JSON.stringify(report.actions)}`);
    assert.equal(fs.readFileSync(path.join(dir, 'notified.txt'), 'utf8'), 'notified\n');
  });

  it('--keep-going from the request overrides the file', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, { version: 1, actions: { fail: { command: 'exit 1' }, ok: { command: 'true', priority: -1 } } });
    const { report } = await runGraphFile(file, { keepGoing: true, cpus: 1 });
    assert.equal(report.actions['ok']!.state, 'succeeded');
    assert.equal(report.keepGoing, true);
  });

  it('retries: a step that fails once then succeeds (marker file)', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, {
      version: 1,
      actions: {
        flaky: { command: 'if [ -f marker ]; then echo second; else touch marker; echo first; exit 7; fi', retries: 2 },
        next: { command: 'true', dependsOn: ['flaky'] },
      },
    });
    const { report, runDir } = await runGraphFile(file);
    const a = report.actions['flaky']!;
    assert.equal(a.state, 'succeeded');
    assert.equal(a.attempts, 2);
    assert.deepEqual(a.attemptDetails.map((x) => x.reason), ['exit code 7', null]);
    assert.equal(report.actions['next']!.state, 'succeeded');
    const log = fs.readFileSync(path.join(runDir, a.log!), 'utf8');
    assert.match(log, /^first\n[\s\S]*attempt 2[\s\S]*second\n$/);
  });

  it('timeout kills the whole tree, including a child that ignores SIGTERM', async () => {
    const dir = tmpDir();
    const cmd = [
      'echo $$ > main.pid',
      `sh -c 'trap "" TERM; echo $$ > stubborn.pid; while :; do sleep 1; done' &`,
      'echo $! > bg.pid',
      'sleep 30 & echo $! > sleeper.pid',
      'wait',
    ].join('\n');
    const file = writeGraph(dir, { version: 1, actions: { hang: { command: cmd, timeout: '400ms' } } });
    const { report } = await runGraphFile(file, { graceMs: 700 });
    const a = report.actions['hang']!;
    assert.equal(a.state, 'failed');
    assert.equal(a.reason, 'timed out after 400ms');
    const pids = ['main', 'bg', 'stubborn', 'sleeper'].map((n) => readPid(path.join(dir, `${n}.pid`)));
    for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} survived the timeout`);
    assert.ok(a.finishedAt! - a.startedAt! >= 400 + 700 - 50, 'the stubborn child needed SIGKILL after the grace period');
  });

  it('cancel: running trees are killed (grandchildren too), the rest canceled, report written', async () => {
    const dir = tmpDir();
    // "grand" and "ready" are printed once each pid file is written.
    const tree = (n: string) => `echo $$ > ${n}.pid; (sleep 30 & echo $! > ${n}-grand.pid; echo grand; wait) & sleep 30 & echo $! > ${n}-child.pid; echo ready; wait`;
    const file = writeGraph(dir, {
      version: 1,
      cpus: 2,
      actions: { a: { command: tree('a') }, b: { command: tree('b') }, c: { command: 'true', dependsOn: ['a'] } },
    });
    const text = new Map<string, string>();
    const { report, outcome } = await runGraphFile(file, {
      onEvent: (e, ac) => {
        if (e.type === 'action-output') text.set(e.action, (text.get(e.action) ?? '') + e.text);
        const up = (id: string) => /ready/.test(text.get(id) ?? '') && /grand/.test(text.get(id) ?? '');
        if (up('a') && up('b')) ac.abort();
      },
    });
    assert.equal(outcome.kind === 'finished' && outcome.summary.result, 'canceled');
    assert.equal(report.result, 'canceled');
    for (const id of ['a', 'b']) {
      assert.equal(report.actions[id]!.state, 'canceled');
      assert.equal(report.actions[id]!.reason, 'run canceled');
    }
    assert.equal(report.actions['c']!.reason, 'run canceled');
    const pids = ['a', 'a-child', 'a-grand', 'b', 'b-child', 'b-grand'].map((n) => readPid(path.join(dir, `${n}.pid`)));
    // When the run ends, every process of both trees is dead (at most an unreaped zombie)...
    for (const pid of pids) assert.equal(isAlive(pid), false, `${pid} survived the cancel`);
    // ...and once PID 1 has reaped the reparented zombies, the pids are gone entirely.
    await waitUntil('the killed processes are reaped', () => pids.every((pid) => !signalable(pid)));
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
  });

  it('an already aborted signal starts nothing', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, { version: 1, actions: { a: { command: 'touch ran' } } });
    const ac = new AbortController();
    ac.abort();
    const { report } = await runGraphFile(file, { signal: ac.signal });
    assert.equal(report.result, 'canceled');
    assert.equal(fs.existsSync(path.join(dir, 'ran')), false);
  });

  it('spawn failures: missing command, missing cwd, non-executable file, shell command not found', async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'script.sh'), '#!/bin/sh\necho hi\n', { mode: 0o644 });
    fs.writeFileSync(path.join(dir, 'afile'), '');
    const file = writeGraph(dir, {
      version: 1,
      keepGoing: true,
      actions: {
        missing: { command: ['definitely-not-a-command-xyz', '--x'] },
        nocwd: { command: 'true', cwd: 'no/such/dir' },
        notdir: { command: 'true', cwd: 'afile' },
        noexec: { command: ['./script.sh'] },
        shell127: { command: 'definitely-not-a-command-xyz && true' },
        simple: { command: 'definitely-not-a-command-xyz --flag' },
      },
    });
    const { report } = await runGraphFile(file);
    const r = (id: string) => report.actions[id]!.reason;
    assert.equal(r('missing'), "spawn failed: command not found: 'definitely-not-a-command-xyz' (ENOENT)");
    assert.equal(r('nocwd'), `spawn failed: cwd does not exist: ${path.join(dir, 'no/such/dir')}`);
    assert.equal(r('notdir'), `spawn failed: cwd is not a directory: ${path.join(dir, 'afile')}`);
    assert.equal(r('noexec'), "spawn failed: permission denied: './script.sh' is not executable (EACCES)");
    assert.equal(r('shell127'), 'exit code 127 (command not found)');
    assert.equal(r('simple'), "spawn failed: command not found: 'definitely-not-a-command-xyz' (ENOENT)", 'a plain command line is exec\'d directly');
    for (const id of ['missing', 'nocwd', 'notdir', 'noexec', 'shell127', 'simple']) assert.equal(report.actions[id]!.state, 'failed');
  });

  it('env and cwd: runner env + defaults.env + action env; cwd relative to the graph file folder', async () => {
    const dir = tmpDir();
    fs.mkdirSync(path.join(dir, 'sub', 'deeper'), { recursive: true });
    const file = writeGraph(dir, {
      version: 1,
      defaults: { env: { A: 'defaultA', B: 'defaultB' }, cwd: 'sub' },
      actions: {
        envs: { command: 'echo "$A $B $C $ACTIONTREE_TEST_MARK" > env.txt; pwd > pwd.txt', env: { B: 'actionB', C: 'actionC' } },
        deeper: { command: ['sh', '-c', 'pwd > pwd.txt'], cwd: 'sub/deeper' },
        abs: { command: 'pwd > pwd-abs.txt', cwd: path.join(dir, 'sub') },
      },
    });
    // Run from another folder: cwd must not depend on the runner's cwd.
    const { report } = await runGraphFile(file);
    assert.equal(report.result, 'succeeded');
    const envLine = fs.readFileSync(path.join(dir, 'sub', 'env.txt'), 'utf8').trim().split(' ');
    assert.deepEqual(envLine.slice(0, 3), ['defaultA', 'actionB', 'actionC']);
    assert.equal(envLine[3], markedEnv['ACTIONTREE_TEST_MARK'], 'the runner environment is inherited');
    assert.equal(fs.realpathSync(fs.readFileSync(path.join(dir, 'sub', 'pwd.txt'), 'utf8').trim()), fs.realpathSync(path.join(dir, 'sub')));
    assert.equal(fs.realpathSync(fs.readFileSync(path.join(dir, 'sub', 'deeper', 'pwd.txt'), 'utf8').trim()), fs.realpathSync(path.join(dir, 'sub', 'deeper')));
    assert.ok(fs.existsSync(path.join(dir, 'sub', 'pwd-abs.txt')));
  });

  it('actions start with default signal dispositions (SIGPIPE kills) and a script without #! runs under /bin/sh', async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'noshebang'), 'echo "ran by $0"\n', { mode: 0o755 });
    const file = writeGraph(dir, {
      version: 1,
      keepGoing: true,
      actions: {
        // An ignored SIGPIPE would survive exec (the Python helper ignores it itself): the echo would run.
        pipe: { command: 'kill -PIPE $$; echo survived' },
        // `yes` ends on SIGPIPE once `head` has its line (with SIGPIPE ignored it would say "Broken pipe").
        yes: { command: 'yes | head -n 1' },
        script: { command: ['./noshebang'] },
      },
    });
    const { report, events } = await runGraphFile(file);
    const text = (id: string) => events.map((e) => (e.type === 'action-output' && e.action === id ? e.text : '')).join('');
    assert.equal(report.actions['pipe']!.signal, 'SIGPIPE', `pipe: ${report.actions['pipe']!.reason} ${text('pipe')}`);
    assert.equal(text('pipe'), '');
    assert.equal(report.actions['yes']!.state, 'succeeded');
    assert.equal(text('yes'), 'y\n');
    assert.equal(report.actions['script']!.state, 'succeeded', report.actions['script']!.reason ?? '');
    assert.match(text('script'), /^ran by /);
  });

  it('a death by signal is reported as such; $$ is the action\'s own shell; actions do not share output', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, {
      version: 1,
      cpus: 1,
      keepGoing: true,
      actions: {
        segv: { command: 'echo before; kill -SEGV $$' },
        p1: { command: 'echo $$ > p1.pid; printf "no newline at the end"' },
        p2: { command: 'echo $$ > p2.pid; echo second >&2', dependsOn: ['p1'] },
      },
    });
    const { report, events } = await runGraphFile(file);
    assert.equal(report.actions['segv']!.reason, 'killed by SIGSEGV');
    assert.equal(report.actions['segv']!.signal, 'SIGSEGV');
    const [p1, p2] = ['p1', 'p2'].map((n) => readPid(path.join(dir, `${n}.pid`)));
    assert.notEqual(p1, p2, 'each action runs in its own shell');
    const text = (id: string) => events.map((e) => (e.type === 'action-output' && e.action === id ? e.text : '')).join('');
    assert.equal(text('p1'), 'no newline at the end');
    assert.equal(text('p2'), 'second\n');
    assert.equal(text('segv'), 'before\n');
  });

  it('an action leaving a background process holding its output does not hold up the run', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, {
      version: 1,
      actions: { a: { command: 'sleep 60 & echo $! > bg.pid; echo started' }, b: { command: 'echo b', dependsOn: ['a'] } },
    });
    // Without the pipe handling this would wait the 60 s of the background sleep (mocha's limit is 30 s).
    const { report, events } = await runGraphFile(file);
    assert.equal(report.result, 'succeeded');
    assert.ok(events.some((e) => e.type === 'action-output' && e.action === 'a' && e.text.includes('started')));
    const bg = readPid(path.join(dir, 'bg.pid'));
    assert.equal(isAlive(bg), true, 'a normal exit leaves background processes alone (like make)');
    process.kill(bg, 'SIGKILL');
    await waitUntil('the background sleep is gone', () => !isAlive(bg));
  });

  it('output a background process writes after its action ended never lands in a later action', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, {
      version: 1,
      cpus: 1,
      actions: {
        a: { command: '(sleep 0.3; echo late-from-a; echo late-err >&2) & echo a-done' },
        b: { command: 'sleep 0.8; echo b-done', dependsOn: ['a'] },
        c: { command: 'echo c-done', dependsOn: ['b'] },
      },
    });
    const { report, events } = await runGraphFile(file);
    assert.equal(report.result, 'succeeded');
    const text = (id: string) => events.map((e) => (e.type === 'action-output' && e.action === id ? e.text : '')).join('');
    assert.equal(text('b'), 'b-done\n');
    assert.equal(text('c'), 'c-done\n');
    assert.ok(text('a').startsWith('a-done\n'), text('a'));
    const logB = fs.readFileSync(path.join(path.dirname(file), '.actiontree', 'runs', fs.readdirSync(path.join(path.dirname(file), '.actiontree', 'runs'))[0]!, 'logs', 'b.log'), 'utf8');
    assert.ok(!logB.includes('late'), logB);
  });

  it('runs only the named actions and their dependencies', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, {
      version: 1,
      actions: {
        a: { command: 'touch a.done' },
        b: { command: 'touch b.done', dependsOn: ['a'] },
        c: { command: 'touch c.done', dependsOn: ['b'] },
        x: { command: 'touch x.done' },
      },
    });
    const { report } = await runGraphFile(file, { actions: ['b'] });
    assert.deepEqual(Object.keys(report.actions), ['a', 'b']);
    assert.deepEqual(['a', 'b', 'c', 'x'].map((n) => fs.existsSync(path.join(dir, `${n}.done`))), [true, true, false, false]);
  });

  it('captures stdout and stderr separately, in order, into events and the log (file-safe names)', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, {
      version: 1,
      actions: { 'pkg/app:build': { command: 'echo out1; echo err1 >&2; echo out2; printf "héllo ✓\\n"' } },
    });
    const { report, events, runDir } = await runGraphFile(file);
    const a = report.actions['pkg/app:build']!;
    assert.equal(a.log, 'logs/pkg%2Fapp%3Abuild.log');
    const out = events.filter((e): e is Extract<RunEvent, { type: 'action-output' }> => e.type === 'action-output');
    const text = (s: string) => out.filter((e) => e.stream === s).map((e) => e.text).join('');
    assert.equal(text('stdout'), 'out1\nout2\nhéllo ✓\n');
    assert.equal(text('stderr'), 'err1\n');
    const log = fs.readFileSync(path.join(runDir, a.log!), 'utf8');
    assert.equal(log.split('\n').sort().join('\n'), ['', 'err1', 'héllo ✓', 'out1', 'out2'].join('\n'));
  });

  it('estimates: durations of the previous successful run feed the next run', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, { version: 1, actions: { a: { command: sleep(0.05) }, b: { command: 'true' } } });
    const first = await runGraphFile(file);
    assert.deepEqual((first.events[0] as Extract<RunEvent, { type: 'run-started' }>).estimates, {});
    const second = await runGraphFile(file);
    const est = (second.events[0] as Extract<RunEvent, { type: 'run-started' }>).estimates!;
    assert.equal(est['a'], first.report.actions['a']!.durationMs);
    assert.equal(est['b'], first.report.actions['b']!.durationMs);
    // Not ">= 50 ms": the start is taken once spawn() has returned, so on a loaded machine a
    // 50 ms sleep can be recorded shorter (this failed under load, and its message-less
    // assert.ok then spun the mocha process: see test/stall-watchdog.ts).
    assert.ok(Number.isFinite(est['a']) && est['a']! >= 0, `estimate of a: ${est['a']}`);
  });

  it('report.json has the SPEC shape; events.jsonl matches the live events', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, { version: 1, name: 'shape', resources: { db: 2 }, actions: { a: { command: 'echo hi', resources: { db: 1 } } } });
    const { report, events, fileEvents, runDir } = await runGraphFile(file, { cpus: 3 });
    assert.equal(report.version, 1);
    assert.match(report.runId, /^\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{4}$/);
    assert.equal(path.basename(runDir), report.runId);
    assert.equal(report.graphFile, file);
    assert.match(report.graphHash, /^sha256:[0-9a-f]{64}$/);
    assert.equal(report.cpus, 3);
    assert.equal(report.host.platform, process.platform);
    assert.ok(report.finishedAt >= report.startedAt);
    const a = report.actions['a']!;
    assert.deepEqual(
      { state: a.state, reason: a.reason, exitCode: a.exitCode, signal: a.signal, attempts: a.attempts, cpus: a.cpus, resources: a.resources, log: a.log },
      { state: 'succeeded', reason: null, exitCode: 0, signal: null, attempts: 1, cpus: 1, resources: { db: 1 }, log: 'logs/a.log' },
    );
    assert.ok(a.pendingAt! <= a.readyAt! && a.readyAt! <= a.startedAt! && a.startedAt! <= a.finishedAt!);
    assert.deepEqual(fileEvents, events);
    assert.deepEqual(fs.readdirSync(runDir).sort(), ['events.jsonl', 'logs', 'report.json']);
  });

  it('bad input: invalid graph, unknown action, unwritable run folder start nothing', async () => {
    const dir = tmpDir();
    const bad = writeGraph(dir, '{ "version": 1, "actions": { "a": { "command": "touch ran", "dependsOn": ["nope"] } } }', 'bad');
    const ac = new AbortController();
    const inv = await executeRun({ graphFile: bad, signal: ac.signal, env: markedEnv, spawn: mode });
    assert.equal(inv.kind, 'invalid');
    assert.ok(inv.kind === 'invalid' && inv.diagnostics.some((d) => d.code === 'unknown-dependency'));
    const good = writeGraph(dir, { version: 1, actions: { a: { command: 'touch ran' } } }, 'good');
    const unk = await executeRun({ graphFile: good, actions: ['zzz'], signal: ac.signal, env: markedEnv });
    assert.deepEqual(unk, { kind: 'error', message: "no such action in good.actiontree.jsonc: 'zzz' (actions: a)" });
    assert.equal(fs.existsSync(path.join(dir, '.actiontree')), false);
    fs.writeFileSync(path.join(dir, '.actiontree'), 'a file where the records folder should be');
    const unw = await executeRun({ graphFile: good, signal: ac.signal, env: markedEnv });
    assert.equal(unw.kind, 'error');
    assert.match(unw.kind === 'error' ? unw.message : '', /^cannot write the run records folder .*\.actiontree\/runs\//);
    assert.equal(fs.existsSync(path.join(dir, 'ran')), false);
    const missing = await executeRun({ graphFile: path.join(dir, 'missing.actiontree.jsonc'), signal: ac.signal });
    assert.equal(missing.kind, 'error');
  });
});
