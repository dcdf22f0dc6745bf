import assert from 'node:assert/strict';
import type { OutputStream } from '../../../src/core/run/events';
import type { ProcessExit } from '../../../src/core/run/outcome';
import type { Job } from '../../../src/core/run/plan';
import { jobsOf, makeGraph } from './fakes';
import { Attempt, beginAttempt, ExecSize, execSizeProblem, resolveLaunch, type AttemptOptions, type AttemptSampler, type LaunchContext, type LogSink, type OutputGate, type ProcessPort, type Timers } from '../../../src/runner/attempt';
import { CoreSet } from '../../../src/runner/affinity';

/**
 * The attempt lifecycle (src/runner/attempt.ts) against a fake process port, fake timers, a
 * fake log and a fake sampler: every transition, without processes. The real-process suites
 * (test/runner/*) run the same machine behind both launchers.
 */

class FakeTimers implements Timers {
  now = 0;
  private queue: { at: number; fn: () => void; live: boolean }[] = [];
  set(ms: number, fn: () => void): () => void {
    const t = { at: this.now + ms, fn, live: true };
    this.queue.push(t);
    return () => (t.live = false);
  }
  get pending(): number {
    return this.queue.filter((t) => t.live).length;
  }
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const due = this.queue.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      due.live = false;
      this.now = due.at;
      due.fn();
    }
    this.now = end;
    this.queue = this.queue.filter((t) => t.live);
  }
}

class FakePort implements ProcessPort {
  readonly calls: string[] = [];
  /** Set by killTree: call it to say the tree is gone. */
  gone: (() => void) | null = null;
  constructor(
    readonly pid: number | null = 100,
    private readonly abandonable = true,
  ) {}
  pauseOutput(): void {
    this.calls.push('pause');
  }
  resumeOutput(): void {
    this.calls.push('resume');
  }
  killTree(group: number, graceMs: number, _after: unknown, onGone: () => void): void {
    this.calls.push(`killTree ${group} ${graceMs}`);
    this.gone = onGone;
  }
  signalTree(group: number, signal: NodeJS.Signals): void {
    this.calls.push(`signal ${group} ${signal}`);
  }
  get abandonOutput(): (() => void) | undefined {
    return this.abandonable ? () => void this.calls.push('abandon') : undefined;
  }
  settled(): void {
    this.calls.push('settled');
  }
}

class FakeLog implements LogSink {
  readonly chunks: string[] = [];
  accept = true;
  private drains: (() => void)[] = [];
  write(chunk: Buffer): boolean {
    this.chunks.push(chunk.toString());
    return this.accept;
  }
  onDrain(fn: () => void): void {
    if (this.accept) fn();
    else this.drains.push(fn);
  }
  drain(): void {
    this.accept = true;
    const d = this.drains;
    this.drains = [];
    for (const fn of d) fn();
  }
}

class FakeSampler implements AttemptSampler {
  watched: { root: number; includeRoot: boolean; limit: number | undefined; onExceeded: (rss: number) => void; stopped: boolean }[] = [];
  watch(root: number, includeRoot: boolean, limit: number | undefined, onExceeded: (rss: number) => void): { stop(): { peakRssBytes: number; cpuTimeMs: number; samples: number }; exceeded(): number | null } {
    const w = { root, includeRoot, limit, onExceeded, stopped: false };
    this.watched.push(w);
    return {
      stop: () => {
        w.stopped = true;
        return { peakRssBytes: 1234, cpuTimeMs: 56, samples: 3 };
      },
      exceeded: () => null,
    };
  }
}

interface Rig {
  a: Attempt;
  port: FakePort;
  log: FakeLog;
  timers: FakeTimers;
  out: [OutputStream, string][];
  settledWith: ProcessExit[];
  outcome: () => Promise<ProcessExit | 'pending'>;
}

function rig(opts: Partial<AttemptOptions> = {}, port = new FakePort()): Rig {
  const timers = new FakeTimers();
  const log = new FakeLog();
  const out: [OutputStream, string][] = [];
  const settledWith: ProcessExit[] = [];
  const a = new Attempt(port, log, (s, t) => out.push([s, t]), { graceMs: 3000, flushMs: 30, timers, onSettled: (o) => settledWith.push(o), ...opts });
  let result: ProcessExit | 'pending' = 'pending';
  void a.exited.then((e) => (result = e));
  return { a, port, log, timers, out, settledWith, outcome: async () => (await Promise.resolve(), result) };
}

const ok: ProcessExit = { kind: 'exit', code: 0 };

function endBoth(a: Attempt): void {
  a.end('stdout');
  a.end('stderr');
}

describe('attempt lifecycle (fake process port)', () => {
  it('starting → running → settled(exit) once exited and both streams ended, in any order', async () => {
    for (const order of [['exit', 'out', 'err'], ['out', 'exit', 'err'], ['out', 'err', 'exit']]) {
      const r = rig();
      assert.equal(r.a.state.kind, 'starting');
      r.a.started(100);
      assert.deepEqual(r.a.state, { kind: 'running', group: 100, exit: null });
      for (const step of order) {
        assert.notEqual(r.a.state.kind, 'settled', `settled too early (${order.join(',')})`);
        if (step === 'exit') r.a.exit({ kind: 'exit', code: 3 });
        else r.a.end(step === 'out' ? 'stdout' : 'stderr');
      }
      assert.deepEqual(r.a.state, { kind: 'settled', outcome: { kind: 'exit', code: 3 } });
      assert.deepEqual(r.a.trace, ['starting', 'running', 'settled']);
      assert.deepEqual(await r.outcome(), { kind: 'exit', code: 3 });
      assert.deepEqual(r.settledWith, [{ kind: 'exit', code: 3 }]);
      assert.ok(r.port.calls.includes('settled'));
      assert.equal(r.timers.pending, 0, 'no timer left behind');
    }
  });

  it('a spawn error in starting settles at once with the reason (streams count as ended)', async () => {
    const r = rig({}, new FakePort(null));
    r.a.exit({ kind: 'spawn-error', message: "command not found: 'nope' (ENOENT)" });
    assert.deepEqual(await r.outcome(), { kind: 'spawn-error', message: "command not found: 'nope' (ENOENT)" });
    assert.deepEqual(r.a.trace, ['starting', 'settled']);
  });

  it('the first exit counts; later exits, output and ends after settling are ignored', async () => {
    const r = rig();
    r.a.started(100);
    r.a.exit(ok);
    r.a.exit({ kind: 'signal', signal: 'SIGTERM' });
    endBoth(r.a);
    r.a.output('stdout', Buffer.from('late'));
    r.a.exit({ kind: 'exit', code: 9 });
    assert.deepEqual(await r.outcome(), ok);
    assert.deepEqual(r.log.chunks, []);
    assert.deepEqual(r.settledWith.length, 1);
  });

  it('kill in running: stopping(kill) until the exit, both ends and the tree gone; a second kill does nothing', async () => {
    const r = rig();
    r.a.started(100);
    r.a.kill();
    assert.equal(r.a.state.kind, 'stopping');
    r.a.kill();
    r.a.kill();
    assert.deepEqual(r.port.calls.filter((c) => c.startsWith('killTree')), ['killTree 100 3000'], 'the tree is killed once');
    r.a.exit({ kind: 'signal', signal: 'SIGTERM' });
    endBoth(r.a);
    assert.equal(r.a.state.kind, 'stopping', 'waits for the whole group, not just the main process');
    assert.equal(await r.outcome(), 'pending');
    r.port.gone?.();
    assert.deepEqual(await r.outcome(), { kind: 'signal', signal: 'SIGTERM' });
    assert.deepEqual(r.a.trace, ['starting', 'running', 'stopping', 'settled']);
  });

  it('the tree gone before the exit is seen: settles on the exit', async () => {
    const r = rig();
    r.a.started(100);
    r.a.kill();
    r.port.gone?.();
    assert.equal(r.a.state.kind, 'stopping');
    endBoth(r.a);
    r.a.exit({ kind: 'signal', signal: 'SIGKILL' });
    assert.deepEqual(await r.outcome(), { kind: 'signal', signal: 'SIGKILL' });
  });

  it('exit during stopping (the main process ends on SIGTERM while a grandchild lingers) still waits for the group', async () => {
    const r = rig();
    r.a.started(100);
    r.a.output('stdout', Buffer.from('hi\n'));
    r.a.kill();
    r.a.exit({ kind: 'exit', code: 143 });
    endBoth(r.a);
    assert.deepEqual(r.a.state, { kind: 'stopping', reason: { kind: 'kill' }, group: 100, exit: { kind: 'exit', code: 143 }, treeGone: false });
    r.port.gone?.();
    assert.deepEqual(await r.outcome(), { kind: 'exit', code: 143 });
    assert.deepEqual(r.out, [['stdout', 'hi\n']], 'output flushed before the outcome');
  });

  it('kill in starting waits for the group, then kills it; kill after an exit with no group settles', async () => {
    const r = rig();
    r.a.kill();
    assert.deepEqual(r.a.state, { kind: 'stopping', reason: { kind: 'kill' }, group: null, exit: null, treeGone: false });
    assert.deepEqual(r.port.calls.filter((c) => c.startsWith('killTree')), []);
    r.a.started(200);
    assert.deepEqual(r.port.calls.filter((c) => c.startsWith('killTree')), ['killTree 200 3000']);
    r.a.exit({ kind: 'signal', signal: 'SIGTERM' });
    endBoth(r.a);
    r.port.gone?.();
    assert.deepEqual(await r.outcome(), { kind: 'signal', signal: 'SIGTERM' });

    // The helper died before saying the group: nothing to kill, the exit settles it.
    const h = rig();
    h.a.kill();
    h.a.exit({ kind: 'signal', signal: 'SIGKILL' });
    endBoth(h.a);
    assert.deepEqual(await h.outcome(), { kind: 'signal', signal: 'SIGKILL' });
    assert.deepEqual(h.port.calls.filter((c) => c.startsWith('killTree')), []);
  });

  it('kill after the exit while the pipes still drain kills the lingering tree; the exit stays the outcome', async () => {
    const r = rig();
    r.a.started(100);
    r.a.exit(ok);
    r.a.kill();
    assert.equal(r.a.state.kind, 'stopping');
    endBoth(r.a);
    r.port.gone?.();
    assert.deepEqual(await r.outcome(), ok);
  });

  it('kill (a timeout) after settling is ignored: nothing is signalled, the outcome stands', async () => {
    const r = rig();
    r.a.started(100);
    r.a.exit(ok);
    endBoth(r.a);
    r.a.kill();
    assert.deepEqual(r.a.state, { kind: 'settled', outcome: ok });
    assert.deepEqual(r.port.calls.filter((c) => c.startsWith('killTree') || c.startsWith('signal')), []);
    assert.deepEqual(await r.outcome(), ok);
  });

  it('pipes held by a background process: given up after the wait (ports that can), unless held back by a slow reader', async () => {
    const r = rig({ pipeCloseWaitMs: 1000 });
    r.a.started(100);
    r.a.exit(ok);
    r.a.end('stderr');
    r.timers.advance(999);
    assert.equal(r.a.state.kind, 'running');
    r.timers.advance(1);
    assert.ok(r.port.calls.includes('abandon'));
    assert.deepEqual(await r.outcome(), ok);

    // While the output gate is closed the rest is still to come: keep waiting.
    let open = false;
    const waiters: (() => void)[] = [];
    const gate: OutputGate = { get open() { return open; }, onOpen: (fn) => (open ? fn() : waiters.push(fn)) };
    const g = rig({ pipeCloseWaitMs: 1000, gate });
    g.a.started(100);
    g.a.output('stdout', Buffer.from('x'));
    assert.deepEqual(g.port.calls, ['pause']);
    g.a.exit(ok);
    g.timers.advance(5000);
    assert.equal(g.a.state.kind, 'running', 'not given up while the reader is behind');
    open = true;
    for (const w of waiters.splice(0)) w();
    assert.deepEqual(g.port.calls, ['pause', 'resume']);
    g.timers.advance(1000);
    assert.deepEqual(await g.outcome(), ok);

    // A port that always ends its streams (the helper's sentinels) is never given up on.
    const h = rig({ pipeCloseWaitMs: 1000 }, new FakePort(100, false));
    h.a.started(100);
    h.a.exit(ok);
    h.timers.advance(10_000);
    assert.equal(h.a.state.kind, 'running');
    endBoth(h.a);
    assert.deepEqual(await h.outcome(), ok);
  });

  it('log backpressure pauses the port until the log drains; a kill releases it', () => {
    const r = rig();
    r.a.started(100);
    r.log.accept = false;
    r.a.output('stdout', Buffer.from('a'));
    r.a.output('stdout', Buffer.from('b'));
    assert.deepEqual(r.port.calls, ['pause'], 'held once per reason');
    r.log.drain();
    assert.deepEqual(r.port.calls, ['pause', 'resume']);
    r.log.accept = false;
    r.a.output('stderr', Buffer.from('c'));
    r.a.kill();
    assert.deepEqual(r.port.calls.slice(0, 4), ['pause', 'resume', 'pause', 'resume'], 'a killed attempt reads what is left');
    assert.deepEqual(r.log.chunks, ['a', 'b', 'c']);
  });

  it('output: decoded per stream across chunk boundaries, batched, flushed at the end', async () => {
    const r = rig();
    r.a.started(100);
    const euro = Buffer.from('€\n');
    r.a.output('stdout', euro.subarray(0, 1));
    r.a.output('stderr', Buffer.from('e1'));
    r.a.output('stdout', euro.subarray(1));
    assert.deepEqual(r.out, [], 'batched until the window closes');
    r.timers.advance(30);
    assert.deepEqual(r.out, [['stderr', 'e1'], ['stdout', '€\n']]);
    r.a.output('stdout', Buffer.from('tail'));
    r.a.exit(ok);
    endBoth(r.a);
    await r.outcome();
    assert.deepEqual(r.out.at(-1), ['stdout', 'tail']);
  });

  it('sampling: watched from running (the group, root included), usage after settling; memory limit → SIGKILL now, then memory-limit outcome', async () => {
    const sampler = new FakeSampler();
    const r = rig({ sampler, memoryLimit: 1000 });
    r.a.started(100);
    assert.equal(sampler.watched.length, 1);
    assert.deepEqual({ root: sampler.watched[0]?.root, includeRoot: sampler.watched[0]?.includeRoot, limit: sampler.watched[0]?.limit }, { root: 100, includeRoot: true, limit: 1000 });
    assert.equal(r.a.usage(), null, 'no usage before the end');
    sampler.watched[0]?.onExceeded(5000);
    assert.deepEqual(r.a.state, { kind: 'stopping', reason: { kind: 'memory-limit', rssBytes: 5000, limitBytes: 1000 }, group: 100, exit: null, treeGone: false });
    assert.deepEqual(r.port.calls.filter((c) => c.startsWith('signal') || c.startsWith('killTree')), ['signal 100 SIGKILL', 'killTree 100 3000']);
    r.a.kill(); // the scheduler's kill after: nothing more
    assert.equal(r.port.calls.filter((c) => c.startsWith('killTree')).length, 1);
    r.a.exit({ kind: 'signal', signal: 'SIGKILL' });
    endBoth(r.a);
    r.port.gone?.();
    assert.deepEqual(await r.outcome(), { kind: 'memory-limit', rssBytes: 5000, limitBytes: 1000 });
    assert.ok(sampler.watched[0]?.stopped);
    assert.deepEqual(r.a.usage(), { peakRssBytes: 1234, cpuTimeMs: 56, samples: 3 });
  });

  it('memory past the limit while already being killed (a timeout): SIGKILL at once, reason becomes memory-limit', async () => {
    const sampler = new FakeSampler();
    const r = rig({ sampler, memoryLimit: 1000 });
    r.a.started(100);
    r.a.kill();
    sampler.watched[0]?.onExceeded(2000);
    assert.deepEqual(r.port.calls.filter((c) => c.startsWith('signal')), ['signal 100 SIGKILL']);
    r.a.exit({ kind: 'signal', signal: 'SIGKILL' });
    endBoth(r.a);
    r.port.gone?.();
    assert.deepEqual(await r.outcome(), { kind: 'memory-limit', rssBytes: 2000, limitBytes: 1000 });
  });

  it('a tree past its limit that still exits 0 keeps its success', async () => {
    const sampler = new FakeSampler();
    const r = rig({ sampler, memoryLimit: 1000 });
    r.a.started(100);
    r.a.exit(ok);
    endBoth(r.a);
    assert.deepEqual(await r.outcome(), ok);
    // exceeded after settling: ignored
    sampler.watched[0]?.onExceeded(5000);
    assert.deepEqual(r.port.calls.filter((c) => c.startsWith('signal')), []);
  });

  it('OOM: a SIGKILL death while the OOM-kill count went up reads as out of memory; otherwise a plain SIGKILL', async () => {
    let count = 4;
    const sampler = new FakeSampler();
    const r = rig({ sampler, oomKillCount: () => count });
    r.a.started(100);
    count = 5;
    r.a.exit({ kind: 'signal', signal: 'SIGKILL' });
    endBoth(r.a);
    assert.deepEqual(await r.outcome(), { kind: 'signal', signal: 'SIGKILL', oom: true });

    const p = rig({ sampler, oomKillCount: () => count });
    p.a.started(100);
    p.a.exit({ kind: 'signal', signal: 'SIGKILL' });
    endBoth(p.a);
    assert.deepEqual(await p.outcome(), { kind: 'signal', signal: 'SIGKILL' });
  });

  it('not sampled when killed before it started', async () => {
    const sampler = new FakeSampler();
    const r = rig({ sampler });
    r.a.kill();
    r.a.started(100);
    assert.equal(sampler.watched.length, 0);
    r.a.exit({ kind: 'signal', signal: 'SIGTERM' });
    endBoth(r.a);
    r.port.gone?.();
    await r.outcome();
    assert.equal(r.a.usage(), null);
  });

  it('timers: kill polls and flush timers are all cancelled on settling', async () => {
    const r = rig();
    r.a.started(100);
    r.a.output('stdout', Buffer.from('x'));
    r.a.exit(ok);
    assert.ok(r.timers.pending >= 2, 'flush window and pipe-close wait pending');
    endBoth(r.a);
    await r.outcome();
    assert.equal(r.timers.pending, 0);
  });
});

describe('attempt launch resolution (shared by both launchers)', () => {
  const job = (command: Job['command'], extra: Partial<Job> = {}): Job => ({ ...(jobsOf(makeGraph([{ id: 'a', command }]))[0] as Job), cwd: '/tmp', ...extra });
  const ctx = (over: Partial<LaunchContext> = {}): LaunchContext => ({ baseEnv: { PATH: '/usr/bin:/bin' }, execSize: new ExecSize({ PATH: '/usr/bin:/bin' }), checkCwd: () => null, directExec: true, ...over });

  it('plain lines are exec’d directly, shell syntax goes to the shell, argv stays argv', () => {
    const plain = resolveLaunch(job({ kind: 'shell', line: 'sleep 1' }), 1, ctx());
    assert.ok(!('error' in plain));
    assert.deepEqual(plain.argv, ['sleep', '1']);
    const sh = resolveLaunch(job({ kind: 'shell', line: 'echo $HOME' }), 1, ctx());
    assert.ok(!('error' in sh));
    assert.equal(sh.argv, null);
    assert.equal(sh.line, 'echo $HOME');
    assert.equal(sh.program, 'shell');
    const noDirect = resolveLaunch(job({ kind: 'shell', line: 'sleep 1' }), 1, ctx({ directExec: false }));
    assert.ok(!('error' in noDirect) && noDirect.argv === null);
  });

  it('env: the job’s env plus ACTIONTREE_ACTION and ACTIONTREE_ATTEMPT', () => {
    const r = resolveLaunch(job({ kind: 'argv', argv: ['x'] }, { env: { A: '1' } }), 3, ctx());
    assert.ok(!('error' in r));
    assert.deepEqual(r.env, { A: '1', ACTIONTREE_ACTION: 'a', ACTIONTREE_ATTEMPT: '3' });
  });

  it('reasons: bad cwd, empty command, missing program, too large', () => {
    assert.deepEqual(resolveLaunch(job({ kind: 'shell', line: 'x' }), 1, ctx({ checkCwd: (c) => `cwd does not exist: ${c}` })), { error: 'cwd does not exist: /tmp' });
    assert.deepEqual(resolveLaunch(job({ kind: 'shell', line: '   ' }), 1, ctx()), { error: 'empty command' });
    assert.deepEqual(resolveLaunch(job({ kind: 'argv', argv: [] }), 1, ctx()), { error: 'empty command' });
    assert.deepEqual(resolveLaunch(job({ kind: 'argv', argv: ['nope'] }), 1, ctx({ findProgram: (f) => ({ problem: `command not found: '${f}' (ENOENT)` }) })), { error: "command not found: 'nope' (ENOENT)" });
    if (process.platform === 'linux') {
      const r = resolveLaunch(job({ kind: 'argv', argv: ['x'] }, { env: { BIG: 'x'.repeat(200_000) } }), 1, ctx());
      assert.ok('error' in r && /environment variable BIG is too large/.test(r.error), JSON.stringify(r));
    }
  });

  it('beginAttempt: affinity cores taken and pinned with taskset, given back when it cannot start; the retry banner goes to the log', () => {
    const cores = new CoreSet([0, 1]);
    const log = new FakeLog();
    const services = { sampler: null, oomKillCount: null, cores };
    const b = beginAttempt(job({ kind: 'shell', line: 'sleep 1' }), 2, services, log, ctx());
    assert.ok('launch' in b);
    assert.deepEqual(b.launch.argv, ['taskset', '-c', '0', 'sleep', '1']);
    assert.deepEqual(log.chunks, ['\n--- actiontree: attempt 2 ---\n']);
    assert.deepEqual(cores.take(1), [1], 'core 0 is held');
    b.release();
    assert.deepEqual(cores.take(1), [0], 'core 0 given back');
    const fresh = new CoreSet([0, 1]);
    const bad = beginAttempt(job({ kind: 'shell', line: 'x' }), 1, { ...services, cores: fresh }, log, ctx({ checkCwd: () => 'cwd does not exist: /tmp' }));
    assert.ok('handle' in bad);
    assert.deepEqual(fresh.take(1), [0], 'the failed start gave its core back');
  });

  it('ExecSize (base measured once) gives the same answers as measuring the merged environment', function () {
    if (process.platform !== 'linux') this.skip();
    const base = { PATH: '/usr/bin', BIG: 'b'.repeat(140_000), MID: 'm'.repeat(100_000) };
    const sizer = new ExecSize(base);
    const cases: [Record<string, string>, string[]][] = [
      [{ BIG: 'small' }, ['true']],
      [{ BIG: 'small', NEW: 'x'.repeat(200_000) }, ['true']],
      [{ BIG: 'small', ...Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`V${i}`, 'v'.repeat(100_000)])) }, ['true']],
      [{ BIG: 'small' }, ['x'.repeat(140_000)]],
      [{ BIG: 'small', MID: 'é'.repeat(70_000) }, ['true']],
      [{}, ['true']],
    ];
    for (const [env, argv] of cases) assert.equal(sizer.problem(argv, env, false), execSizeProblem(argv, { ...base, ...env }, false), JSON.stringify(Object.keys(env)));
    assert.match(sizer.problem(['true'], {}, false) ?? '', /environment variable BIG is too large/);
  });
});
