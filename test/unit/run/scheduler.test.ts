import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Graph } from '../../../src/core/model';
import type { RunEvent } from '../../../src/core/run/events';
import { PauseSwitch, type StartHold } from '../../../src/core/run/pause';
import { runGraph, type RunSummary, type SchedulerLimits, type SchedulerOptions } from '../../../src/core/run/scheduler';
import { FakeClock, FakeExecutor, jobsOf, makeGraph, type AttemptScript } from './fakes';

interface Result {
  summary: RunSummary;
  events: RunEvent[];
  launcher: FakeExecutor;
  starts: [string, number][];
  finished: Record<string, { state: string; reason: string | null; time: number; attempts: number }>;
}

async function run(
  graph: Graph,
  scripts: Record<string, AttemptScript[]>,
  opts: Partial<SchedulerOptions> & { remaining?: ReadonlyMap<string, number>; limits?: SchedulerLimits } = {},
  abortAt?: number,
  selection?: string[],
): Promise<Result> {
  const clock = new FakeClock(1000);
  const launcher = new FakeExecutor(clock, scripts);
  const { remaining, limits, ...options } = opts;
  const events: RunEvent[] = [];
  const ac = new AbortController();
  if (abortAt !== undefined) clock.setTimer(abortAt, () => ac.abort());
  const summary = await clock.run(
    runGraph({
      jobs: jobsOf(graph, selection, remaining),
      resources: graph.resources,
      options: { runId: 'r', cpus: 2, keepGoing: false, ...options },
      executor: launcher,
      ...(limits !== undefined ? { limits } : {}),
      signal: ac.signal,
      clock,
      onEvent: (e) => events.push(e),
    }),
  );
  const starts: [string, number][] = [];
  const finished: Result['finished'] = {};
  for (const e of events) {
    if (e.type === 'action-started' && e.attempt === 1) starts.push([e.action, e.time - 1000]);
    if (e.type === 'action-finished') finished[e.action] = { state: e.state, reason: e.reason, time: e.time - 1000, attempts: e.attempts };
  }
  return { summary, events, launcher, starts, finished };
}

const ms = (n: number, exit?: AttemptScript['exit']): AttemptScript[] => [exit ? { ms: n, exit } : { ms: n }];

describe('scheduler (fake launcher, fake clock)', () => {
  it('starts in priority, then remaining critical path, then file order, at exact times', async () => {
    const g = makeGraph([
      { id: 'a' },
      { id: 'b' },
      { id: 'c', priority: 5 },
      { id: 'd' },
      { id: 'e', deps: ['a'] },
    ]);
    const remaining = new Map([['a', 30], ['b', 10], ['c', 1], ['d', 10], ['e', 20]]);
    const r = await run(g, { a: ms(10), b: ms(10), c: ms(50), d: ms(10), e: ms(20) }, { remaining });
    // c first (priority), then a (longest remaining); at t=10 a ends: b (file order before d), e becomes ready
    // with remaining 20 > b, d (10) so e starts at 10; at 30 e ends -> b; at 40 b ends -> d... c ends at 50.
    assert.deepEqual(r.starts, [['c', 0], ['a', 0], ['e', 10], ['b', 30], ['d', 40]]);
    assert.equal(r.summary.result, 'succeeded');
    assert.equal(r.summary.finishedAt - r.summary.startedAt, 50);
    const types = r.events.map((e) => e.type);
    assert.equal(types[0], 'run-started');
    assert.equal(types[types.length - 1], 'run-finished');
  });

  it('never exceeds a resource; an over-capacity action runs alone on it', async () => {
    const g = makeGraph(
      [
        { id: 'x', resources: { db: 1 } },
        { id: 'y', resources: { db: 1 } },
        { id: 'big', resources: { db: 3 }, priority: -1 },
        { id: 'free' },
        { id: 'wide', cpus: 4, priority: -2 },
      ],
      { db: 2 },
      2,
    );
    const r = await run(g, { x: ms(10), y: ms(20), big: ms(5), free: ms(30), wide: ms(7) }, { cpus: 4 });
    // cpus 4: x, y, free start at 0 (big needs db 3 > 2: waits until db is free; wide needs 4 cpus: waits).
    assert.deepEqual(r.starts, [['x', 0], ['y', 0], ['free', 0], ['big', 20], ['wide', 30]]);
    assert.equal(r.finished['big']!.time, 25);
    assert.equal(r.finished['wide']!.time, 37);
  });

  it('a wide action is not starved by a stream of smaller ones (its missing slots are held back)', async () => {
    // 2 CPUs; 'wide' needs both. Without holding slots back, the 1-CPU chain actions would
    // backfill every freed slot and 'wide' would wait for the whole stream.
    const actions = [
      { id: 'first' },
      { id: 'wide', cpus: 2, deps: ['first'] },
      ...Array.from({ length: 6 }, (_, i) => ({ id: `s${i}` })),
    ];
    const r = await run(makeGraph(actions), { first: ms(5), wide: ms(10), s0: ms(10), s1: ms(10), s2: ms(10), s3: ms(10), s4: ms(10), s5: ms(10) });
    // t=0: first + s0; t=5: first ends, wide is ready and holds the freed CPU; t=10: s0 ends -> wide.
    assert.deepEqual(r.starts.slice(0, 3), [['first', 0], ['s0', 0], ['wide', 10]]);
    assert.deepEqual(r.starts.slice(3).map((x) => x[1]), [20, 20, 30, 30, 40]);
  });

  it('an over-capacity action gets its resource once it drains, ahead of lower-ranked users', async () => {
    const g = makeGraph(
      [{ id: 'hog', resources: { db: 5 }, priority: 1, deps: ['u0'] }, ...Array.from({ length: 5 }, (_, i) => ({ id: `u${i}`, resources: { db: 1 } }))],
      { db: 2 },
      4,
    );
    const r = await run(g, { hog: ms(10), u0: ms(5), u1: ms(20), u2: ms(20), u3: ms(20), u4: ms(20) }, { cpus: 4 });
    // u0, u1 take db at 0; u0 ends at 5 -> hog ready, db held back for it; u1 ends at 20 -> hog alone; then the rest.
    assert.deepEqual(r.starts, [['u0', 0], ['u1', 0], ['hog', 20], ['u2', 30], ['u3', 30], ['u4', 50]]);
  });

  it('keepGoing false: failure is reported before slots free; nothing new starts; the rest is canceled', async () => {
    const g = makeGraph([{ id: 'bad' }, { id: 'slow' }, { id: 'next' }, { id: 'after', deps: ['bad'] }]);
    const r = await run(g, { bad: ms(10, { kind: 'exit', code: 3 }), slow: ms(40), next: ms(5) });
    assert.deepEqual(r.starts, [['bad', 0], ['slow', 0]]);
    assert.equal(r.finished['bad']!.reason, 'exit code 3');
    assert.equal(r.finished['slow']!.state, 'succeeded');
    assert.equal(r.finished['next']!.state, 'canceled');
    assert.match(r.finished['next']!.reason!, /'bad' failed/);
    assert.equal(r.finished['after']!.reason, "dependency 'bad' failed");
    assert.equal(r.summary.result, 'failed');
    const badAt = r.events.findIndex((e) => e.type === 'action-finished' && e.action === 'bad');
    assert.ok(!r.events.slice(badAt).some((e) => e.type === 'action-started'));
  });

  it('keepGoing true: independent work continues, dependents cascade to canceled', async () => {
    const g = makeGraph([
      { id: 'bad' },
      { id: 'ok' },
      { id: 'mid', deps: ['bad'] },
      { id: 'leaf', deps: ['mid'] },
      { id: 'other', deps: ['ok'] },
      { id: 'cleanup', deps: ['leaf'], accept: true },
    ]);
    const r = await run(g, { bad: ms(10, { kind: 'exit', code: 1 }) }, { keepGoing: true });
    assert.equal(r.finished['mid']!.reason, "dependency 'bad' failed");
    assert.equal(r.finished['leaf']!.reason, "dependency 'mid' canceled");
    assert.equal(r.finished['other']!.state, 'succeeded');
    assert.equal(r.finished['cleanup']!.state, 'succeeded', 'acceptFailedDependencies runs after a canceled dependency');
    assert.equal(r.summary.result, 'failed');
  });

  it('keepGoing false: an acceptFailedDependencies job runs as a finally once its dependencies have finished', async () => {
    const g = makeGraph([
      { id: 'bad' },
      { id: 'slow' },
      { id: 'publish', deps: ['slow'] },
      { id: 'notify', deps: ['publish'], accept: true },
      { id: 'also', deps: ['slow', 'bad'], accept: true },
      { id: 'after', deps: ['notify'] },
      { id: 'indep', priority: -1 },
    ]);
    const r = await run(g, { bad: ms(10, { kind: 'exit', code: 1 }), slow: ms(50), notify: ms(5), also: ms(5) });
    assert.equal(r.finished['publish']!.state, 'canceled');
    assert.equal(r.finished['indep']!.state, 'canceled');
    // notify waited for everything before it: publish (canceled) and slow (still running at the stop).
    assert.deepEqual(r.finished['notify'], { state: 'succeeded', reason: null, time: 55, attempts: 1 });
    assert.deepEqual(r.finished['also'], { state: 'succeeded', reason: null, time: 55, attempts: 1 });
    assert.equal(r.finished['after']!.state, 'canceled', 'a dependent of the finally is new work: not started');
    assert.equal(r.summary.result, 'failed');
  });

  it('a canceled run cancels acceptFailedDependencies jobs too', async () => {
    const g = makeGraph([{ id: 'slow' }, { id: 'notify', deps: ['slow'], accept: true }]);
    const r = await run(g, { slow: [{ ms: 1000, killMs: 5 }] }, {}, 10);
    assert.equal(r.finished['notify']!.state, 'canceled');
    assert.equal(r.summary.result, 'canceled');
  });

  describe('SPEC §8 time limits and retry policy', () => {
    it('run timeout: running actions are killed, the rest canceled, every reason "run timed out after …"', async () => {
      const g = makeGraph([{ id: 'long' }, { id: 'next', deps: ['long'] }, { id: 'short' }]);
      const r = await run(g, { long: ms(10_000), short: ms(5) }, { limits: { timeoutMs: 100 } });
      assert.deepEqual(r.launcher.kills, [{ id: 'long', at: 1100 }]);
      assert.equal(r.finished['long']!.state, 'canceled');
      assert.equal(r.finished['long']!.reason, 'run timed out after 100ms');
      assert.equal(r.finished['next']!.reason, 'run timed out after 100ms');
      assert.equal(r.finished['short']!.state, 'succeeded');
      assert.equal(r.summary.result, 'canceled');
    });

    it('group timeout runs from the group\'s first start: running members fail, the rest are canceled, others go on', async () => {
      const groups = [{ name: 'tests', timeoutMs: 100, description: undefined }];
      const g = makeGraph([
        { id: 'build' },
        { id: 't1', deps: ['build'], limits: { group: 'tests' } },
        { id: 't2', deps: ['build'], limits: { group: 'tests' } },
        { id: 't3', deps: ['t1'], limits: { group: 'tests' } },
        { id: 'after', deps: ['t3'] },
        { id: 'other', deps: ['build'] },
      ], {}, 3);
      const r = await run(g, { build: ms(50), t1: ms(500), t2: ms(20), other: ms(300) }, { cpus: 3, keepGoing: true, limits: { groups } });
      // The group starts at 50 (t1, t2): its timer fires at 150.
      assert.deepEqual(r.launcher.kills, [{ id: 't1', at: 1150 }]);
      assert.deepEqual(r.finished['t1'], { state: 'failed', reason: "group 'tests' timed out after 100ms", time: 150, attempts: 1 });
      assert.equal(r.finished['t2']!.state, 'succeeded');
      assert.deepEqual(r.finished['t3'], { state: 'canceled', reason: "group 'tests' timed out after 100ms", time: 150, attempts: 0 });
      assert.equal(r.finished['after']!.reason, "dependency 't3' canceled");
      assert.equal(r.finished['other']!.state, 'succeeded');
      assert.equal(r.summary.result, 'failed');
    });

    it('retryOn: only the listed kinds are retried', async () => {
      const g = makeGraph([
        { id: 'onlyTimeout', retries: 2, timeoutMs: 50, limits: { retryOn: ['timeout'] } },
        { id: 'exitNotRetried', retries: 2, limits: { retryOn: ['timeout'] } },
        { id: 'failureRetried', retries: 1, limits: { retryOn: ['failure'] } },
      ], {}, 3);
      const r = await run(
        g,
        {
          onlyTimeout: [{ ms: 1000 }, { ms: 10, exit: { kind: 'exit', code: 3 } }],
          exitNotRetried: ms(10, { kind: 'exit', code: 1 }),
          failureRetried: [{ ms: 10, exit: { kind: 'exit', code: 1 } }, { ms: 10 }],
        },
        { cpus: 3 },
      );
      assert.deepEqual(r.finished['onlyTimeout'], { state: 'failed', reason: 'exit code 3', time: 60, attempts: 2 }, 'timeout retried, then an exit is not');
      assert.equal(r.finished['exitNotRetried']!.attempts, 1);
      assert.equal(r.finished['failureRetried']!.state, 'succeeded');
      assert.equal(r.finished['failureRetried']!.attempts, 2);
    });

    it('retryDelay doubles: 100, 200, 400 ms between attempts; a cancel during the wait cancels at once', async () => {
      const g = makeGraph([{ id: 'flaky', retries: 3, limits: { retryDelayMs: 100 } }]);
      const r = await run(g, { flaky: [{ ms: 10, exit: { kind: 'exit', code: 1 } }, { ms: 10, exit: { kind: 'exit', code: 1 } }, { ms: 10, exit: { kind: 'exit', code: 1 } }, { ms: 10 }] });
      assert.deepEqual(r.launcher.launches.map((l) => l.at - 1000), [0, 110, 320, 730]);
      assert.deepEqual(r.finished['flaky'], { state: 'succeeded', reason: null, time: 740, attempts: 4 });
      const c = await run(g, { flaky: ms(10, { kind: 'exit', code: 1 }) }, {}, 50);
      assert.deepEqual(c.finished['flaky'], { state: 'canceled', reason: 'run canceled', time: 50, attempts: 1 });
    });

    it('memory admission: jobs hold their memory against the capacity; an oversized one runs alone', async () => {
      const G = 1024 ** 3;
      const g = makeGraph([
        { id: 'a', limits: { memory: 3 * G } },
        { id: 'b', limits: { memory: 2 * G } },
        { id: 'c', limits: { memory: 2 * G } },
        { id: 'huge', limits: { memory: 9 * G }, priority: -1 },
        { id: 'free' },
      ], {}, 8);
      const r = await run(g, { a: ms(100), b: ms(100), c: ms(100), huge: ms(100), free: ms(100) }, { cpus: 8, limits: { memory: 6 * G } });
      assert.deepEqual(r.starts, [['a', 0], ['b', 0], ['free', 0], ['c', 100], ['huge', 200]]);
    });
  });

  describe('SPEC §8 pause/resume and start holds', () => {
    it('pause holds new starts for as long as it lasts; running actions and retries go on; events mark it', async () => {
      const clock = new FakeClock(1000);
      const g = makeGraph([{ id: 'a', retries: 1 }, { id: 'b' }, { id: 'c', deps: ['a'] }]);
      const launcher = new FakeExecutor(clock, { a: [{ ms: 50, exit: { kind: 'exit', code: 1 } }, { ms: 50 }], b: ms(10), c: ms(10) });
      const pause = new PauseSwitch();
      clock.setTimer(5, () => pause.pause());
      clock.setTimer(500, () => pause.resume());
      const events: RunEvent[] = [];
      await clock.run(
        runGraph({ jobs: jobsOf(g), resources: [], options: { runId: 'r', cpus: 1, keepGoing: false }, executor: launcher, pause, signal: new AbortController().signal, clock, onEvent: (e) => events.push(e) }),
      );
      assert.deepEqual(launcher.launches.map((l) => [l.id, l.attempt, l.at - 1000]), [['a', 1, 0], ['a', 2, 50], ['b', 1, 500], ['c', 1, 510]]);
      const marks = events.filter((e) => e.type === 'run-paused' || e.type === 'run-resumed').map((e) => [e.type, e.time - 1000]);
      assert.deepEqual(marks, [['run-paused', 5], ['run-resumed', 500]]);
    });

    it('a hold (maxLoad/minFreeMemory) blocks starts only while something runs, and is re-asked when it changes', async () => {
      const clock = new FakeClock(1000);
      const g = makeGraph([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
      const launcher = new FakeExecutor(clock, { a: ms(300), b: ms(10), c: ms(10) });
      let blocked: string | null = 'load 9 >= maxLoad 4';
      let notify: () => void = () => {};
      const hold: StartHold = { blocked: () => blocked, subscribe: (cb) => ((notify = cb), () => {}) };
      clock.setTimer(100, () => {
        blocked = null;
        notify();
      });
      await clock.run(
        runGraph({ jobs: jobsOf(g), resources: [], options: { runId: 'r', cpus: 3, keepGoing: false }, executor: launcher, hold, signal: new AbortController().signal, clock, onEvent: () => {} }),
      );
      assert.deepEqual(launcher.launches.map((l) => [l.id, l.at - 1000]), [['a', 0], ['b', 100], ['c', 100]]);
    });
  });

  it('retries: attempts carry the previous end; succeeds on the third attempt', async () => {
    const g = makeGraph([{ id: 'flaky', retries: 2 }]);
    const r = await run(g, {
      flaky: [{ ms: 5, exit: { kind: 'exit', code: 1 } }, { ms: 5, exit: { kind: 'signal', signal: 'SIGSEGV' } }, { ms: 5 }],
    });
    const started = r.events.filter((e) => e.type === 'action-started');
    assert.deepEqual(started.map((e) => (e.type === 'action-started' ? [e.attempt, e.time - 1000, e.previous?.reason] : [])), [
      [1, 0, undefined],
      [2, 5, 'exit code 1'],
      [3, 10, 'killed by SIGSEGV'],
    ]);
    assert.deepEqual(r.finished['flaky'], { state: 'succeeded', reason: null, time: 15, attempts: 3 });
  });

  it('timeout kills the attempt and fails with a clear reason (after retries)', async () => {
    const g = makeGraph([{ id: 'hang', timeoutMs: 50, retries: 1 }]);
    const r = await run(g, { hang: [{ ms: 10_000, killMs: 3000 }] });
    assert.deepEqual(r.launcher.kills, [{ id: 'hang', at: 1050 }, { id: 'hang', at: 4100 }]);
    assert.deepEqual(r.finished['hang'], { state: 'failed', reason: 'timed out after 50ms', time: 6100, attempts: 2 });
  });

  it('spawn errors fail the action with the reason', async () => {
    const g = makeGraph([{ id: 'nope' }]);
    const r = await run(g, { nope: ms(0, { kind: 'spawn-error', message: "command not found: 'zz' (ENOENT)" }) });
    assert.equal(r.finished['nope']!.reason, "spawn failed: command not found: 'zz' (ENOENT)");
    assert.equal(r.summary.result, 'failed');
  });

  it('cancel kills running actions, cancels the rest, and finishes canceled', async () => {
    const g = makeGraph([{ id: 'a' }, { id: 'b' }, { id: 'c', deps: ['a'] }]);
    const r = await run(g, { a: [{ ms: 100, killMs: 20 }], b: ms(100) }, {}, 30);
    assert.deepEqual(r.launcher.kills.map((k) => [k.id, k.at - 1000]), [['a', 30], ['b', 30]]);
    assert.deepEqual(r.finished['c'], { state: 'canceled', reason: 'run canceled', time: 30, attempts: 0 });
    assert.equal(r.finished['a']!.state, 'canceled');
    assert.equal(r.finished['a']!.time, 50);
    assert.equal(r.summary.result, 'canceled');
    assert.equal(r.summary.finishedAt - 1000, 50);
  });

  it('runs only the selection', async () => {
    const g = makeGraph([{ id: 'a' }, { id: 'b', deps: ['a'] }, { id: 'c' }]);
    const r = await run(g, {}, {}, undefined, ['a', 'b']);
    assert.deepEqual(r.starts.map((s) => s[0]), ['a', 'b']);
    const first = r.events[0];
    assert.ok(first?.type === 'run-started');
    assert.deepEqual(first.actions, ['a', 'b']);
  });

  it('an empty selection succeeds at once', async () => {
    const r = await run(makeGraph([{ id: 'a' }]), {}, {}, undefined, []);
    assert.equal(r.summary.result, 'succeeded');
    assert.deepEqual(r.events.map((e) => e.type), ['run-started', 'run-finished']);
  });

  it('2,000 actions: all run, dependencies respected, 2 slots', async () => {
    const actions = Array.from({ length: 2000 }, (_, i) => ({ id: `t${i}`, deps: i >= 50 ? [`t${i - 50}`, `t${(i * 7) % (i - (i % 50))}`] : [] }));
    const r = await run(makeGraph(actions), {});
    assert.equal(r.starts.length, 2000);
    assert.equal(r.summary.result, 'succeeded');
    assert.equal(r.summary.finishedAt - r.summary.startedAt, 10_000); // 2000 × 10 ms / 2 slots, no idle slot
  });

  it('is deterministic: the same graph and durations give the same events', async () => {
    const actions = Array.from({ length: 60 }, (_, i) => ({ id: `n${i}`, deps: i > 3 ? [`n${(i * 7) % i}`, `n${i - 1 - (i % 3)}`] : [], priority: i % 5 === 0 ? 1 : 0 }));
    const scripts: Record<string, AttemptScript[]> = {};
    actions.forEach((a, i) => (scripts[a.id] = [{ ms: 5 + ((i * 37) % 23), out: `out ${i}\n` }]));
    const remaining = new Map(actions.map((a, i) => [a.id, (i * 13) % 7]));
    const one = await run(makeGraph(actions, {}, 3), scripts, { cpus: 3, remaining });
    const two = await run(makeGraph(actions, {}, 3), scripts, { cpus: 3, remaining });
    assert.deepEqual(two.events, one.events);
    assert.equal(one.summary.result, 'succeeded');
  });

  it('property: random DAGs never exceed CPU or resource capacity and respect dependencies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 25 }).chain((n) =>
          fc.record({
            cpus: fc.integer({ min: 1, max: 4 }),
            cap: fc.integer({ min: 1, max: 3 }),
            keepGoing: fc.boolean(),
            acts: fc.array(
              fc.record({
                deps: fc.array(fc.nat(), { maxLength: 3 }),
                cpus: fc.integer({ min: 1, max: 5 }),
                r: fc.integer({ min: 0, max: 4 }),
                ms: fc.integer({ min: 1, max: 50 }),
                fail: fc.boolean(),
                prio: fc.integer({ min: -1, max: 1 }),
              }),
              { minLength: n, maxLength: n },
            ),
          }),
        ),
        async ({ cpus, cap, keepGoing, acts }) => {
          const specs = acts.map((a, i) => ({
            id: `a${i}`,
            deps: i === 0 ? [] : [...new Set(a.deps.map((d) => `a${d % i}`))],
            cpus: a.cpus,
            resources: a.r > 0 ? { r: a.r } : {},
            priority: a.prio,
          }));
          const scripts: Record<string, AttemptScript[]> = {};
          acts.forEach((a, i) => (scripts[`a${i}`] = [{ ms: a.ms, exit: { kind: 'exit', code: a.fail && i % 3 === 0 ? 1 : 0 } }]));
          const g = makeGraph(specs, { r: cap }, cpus);
          const r = await run(g, scripts, { cpus, keepGoing });
          const spans = new Map<string, [number, number]>();
          for (const e of r.events) {
            if (e.type === 'action-started') spans.set(e.action, [e.time, Infinity]);
            if (e.type === 'action-finished' && spans.has(e.action)) spans.get(e.action)![1] = e.time;
          }
          const times = [...new Set([...spans.values()].map((s) => s[0]))];
          for (const t of times) {
            const live = [...spans.entries()].filter(([, [s, f]]) => s <= t && t < f).map(([id]) => g.byId.get(id)!);
            const usedC = live.reduce((x, a) => x + a.cpus, 0);
            const usedR = live.reduce((x, a) => x + (a.resources[0]?.amount ?? 0), 0);
            if (live.some((a) => a.cpus > cpus)) assert.equal(live.length, 1, 'over-capacity cpu action runs alone');
            else assert.ok(usedC <= cpus, `cpus ${usedC} > ${cpus} at ${t}`);
            const overR = live.filter((a) => (a.resources[0]?.amount ?? 0) > cap);
            if (overR.length > 0) assert.equal(live.filter((a) => a.resources.length > 0).length, 1, 'over-capacity resource action runs alone');
            else assert.ok(usedR <= cap, `r ${usedR} > ${cap} at ${t}`);
          }
          for (const a of g.actions) {
            const s = spans.get(a.id);
            if (!s) continue;
            for (const d of a.dependsOn) {
              const ds = spans.get(d.value);
              assert.ok(ds && ds[1] <= s[0], `${a.id} started before ${d.value} finished`);
            }
          }
          assert.equal(Object.keys(r.finished).length, specs.length);
        },
      ),
      { numRuns: 150, seed: 42 },
    );
  });
});
