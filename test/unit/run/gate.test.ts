import assert from 'node:assert/strict';
import type { Graph } from '../../../src/core/model';
import type { FinalActionState, RunEvent } from '../../../src/core/run/events';
import type { Job } from '../../../src/core/run/plan';
import { runGraph, type GateDecision, type RunSummary, type SchedulerGate, type SchedulerOptions } from '../../../src/core/run/scheduler';
import { FakeClock, FakeExecutor, jobsOf, makeGraph, type AttemptScript } from './fakes';

/** The scheduler's gate port (incremental runs plug in here): skip, async answers, cancel, notifications. */

interface GateRun {
  summary: RunSummary;
  events: RunEvent[];
  executor: FakeExecutor;
  asked: [string, number][];
  told: [string, FinalActionState][];
  starts: [string, number][];
  finished: Record<string, { state: string; reason: string | null; time: number; attempts: number }>;
}

async function run(
  graph: Graph,
  decide: (job: Job, clock: FakeClock) => GateDecision | Promise<GateDecision>,
  scripts: Record<string, AttemptScript[]> = {},
  opts: Partial<SchedulerOptions> = {},
  abortAt?: number,
): Promise<GateRun> {
  const clock = new FakeClock(1000);
  const executor = new FakeExecutor(clock, scripts);
  const events: RunEvent[] = [];
  const asked: [string, number][] = [];
  const told: [string, FinalActionState][] = [];
  const ac = new AbortController();
  if (abortAt !== undefined) clock.setTimer(abortAt, () => ac.abort());
  const gate: SchedulerGate = {
    beforeStart: (job) => {
      asked.push([job.id, clock.now() - 1000]);
      return decide(job, clock);
    },
    afterFinish: (job, state, e) => {
      assert.equal(e.state, state);
      assert.equal(e.action, job.id);
      told.push([job.id, state]);
    },
  };
  const summary = await clock.run(
    runGraph({
      jobs: jobsOf(graph),
      resources: graph.resources,
      options: { runId: 'r', cpus: 2, keepGoing: false, ...opts },
      executor,
      gate,
      signal: ac.signal,
      clock,
      onEvent: (e) => events.push(e),
    }),
  );
  const starts: [string, number][] = [];
  const finished: GateRun['finished'] = {};
  for (const e of events) {
    if (e.type === 'action-started' && e.attempt === 1) starts.push([e.action, e.time - 1000]);
    if (e.type === 'action-finished') finished[e.action] = { state: e.state, reason: e.reason, time: e.time - 1000, attempts: e.attempts };
  }
  return { summary, events, executor, asked, told, starts, finished };
}

const RUN: GateDecision = { skip: false };
const SKIP: GateDecision = { skip: true, reason: 'up to date' };

/** Resolves `d` after `ms` of fake time. */
function later(clock: FakeClock, ms: number, d: GateDecision): Promise<GateDecision> {
  return new Promise((resolve) => clock.setTimer(ms, () => resolve(d)));
}

describe('scheduler gate (fake executor, fake clock)', () => {
  it('a skipped job finishes at once as skipped with the reason: no attempt, dependents go on, the run succeeds', async () => {
    const g = makeGraph([{ id: 'a' }, { id: 'b', deps: ['a'] }, { id: 'c', deps: ['b'] }, { id: 'd' }]);
    const r = await run(g, (job) => (job.id === 'a' || job.id === 'b' ? SKIP : RUN), { c: [{ ms: 10 }], d: [{ ms: 30 }] });
    assert.deepEqual(r.finished['a'], { state: 'skipped', reason: 'up to date', time: 0, attempts: 0 });
    assert.deepEqual(r.finished['b'], { state: 'skipped', reason: 'up to date', time: 0, attempts: 0 });
    assert.deepEqual(r.executor.launches.map((l) => l.id).sort(), ['c', 'd']);
    assert.deepEqual(r.starts, [['c', 0], ['d', 0]]);
    assert.equal(r.summary.result, 'succeeded');
    const a = r.summary.actions.find((x) => x.id === 'a');
    assert.equal(a?.startedAt, null);
    assert.equal(a?.readyAt, 1000);
    // Each job was asked once, when it became ready, after its action-ready event.
    assert.deepEqual(r.asked.map((x) => x[0]).sort(), ['a', 'b', 'c', 'd']);
    for (const id of ['a', 'b', 'c', 'd']) {
      const ready = r.events.findIndex((e) => e.type === 'action-ready' && e.action === id);
      const fin = r.events.findIndex((e) => e.type === 'action-finished' && e.action === id);
      assert.ok(ready >= 0 && ready < fin, id);
      assert.equal(r.events.filter((e) => e.type === 'action-started' && e.action === id).length, r.executor.launches.filter((l) => l.id === id).length);
    }
    // afterFinish saw every end, in event order.
    const finOrder = r.events.filter((e) => e.type === 'action-finished').map((e) => (e.type === 'action-finished' ? [e.action, e.state] : []));
    assert.deepEqual(r.told, finOrder);
  });

  it('a skipped job holds no slots: with one CPU, the others start at once', async () => {
    const g = makeGraph([{ id: 'wide', cpus: 2, resources: { db: 1 } }, { id: 'x', resources: { db: 1 } }], { db: 1 });
    const r = await run(g, (job) => (job.id === 'wide' ? SKIP : RUN), { x: [{ ms: 10 }] }, { cpus: 1 });
    assert.deepEqual(r.starts, [['x', 0]]);
    assert.equal(r.finished['wide']?.state, 'skipped');
  });

  it('an asynchronous answer: the job starts only once the gate has answered', async () => {
    const g = makeGraph([{ id: 'a' }, { id: 'b', deps: ['a'] }, { id: 'c' }]);
    const r = await run(g, (job, clock) => (job.id === 'a' ? later(clock, 25, SKIP) : later(clock, 5, RUN)), { b: [{ ms: 10 }], c: [{ ms: 10 }] });
    assert.deepEqual(r.finished['a'], { state: 'skipped', reason: 'up to date', time: 25, attempts: 0 });
    // c answered at 5; b became ready at 25 (when a was skipped), answered at 30.
    assert.deepEqual(r.starts, [['c', 5], ['b', 30]]);
    assert.deepEqual(r.asked, [['a', 0], ['c', 0], ['b', 25]]);
    assert.equal(r.summary.result, 'succeeded');
  });

  it('a gate that throws or rejects: the job runs (when in doubt, run)', async () => {
    const g = makeGraph([{ id: 'a' }, { id: 'b' }]);
    const r = await run(g, (job) => {
      if (job.id === 'a') throw new Error('broken state file');
      return Promise.reject(new Error('unreadable'));
    });
    assert.deepEqual(r.starts.map((s) => s[0]).sort(), ['a', 'b']);
    assert.equal(r.finished['a']?.state, 'succeeded');
    assert.equal(r.finished['b']?.state, 'succeeded');
  });

  it('canceled while the gate is thinking: the job is canceled and never starts; the late answer is ignored', async () => {
    const g = makeGraph([{ id: 'a' }, { id: 'b' }]);
    const r = await run(g, (job, clock) => later(clock, 50, job.id === 'a' ? RUN : SKIP), {}, {}, 20);
    assert.equal(r.executor.launches.length, 0);
    assert.deepEqual(r.finished['a'], { state: 'canceled', reason: 'run canceled', time: 20, attempts: 0 });
    assert.deepEqual(r.finished['b'], { state: 'canceled', reason: 'run canceled', time: 20, attempts: 0 });
    assert.equal(r.summary.result, 'canceled');
    assert.deepEqual(r.told, [['a', 'canceled'], ['b', 'canceled']]);
  });

  it('keepGoing false: a failure while another job waits for the gate cancels it; it never starts', async () => {
    const g = makeGraph([{ id: 'bad' }, { id: 'slow', deps: [] }]);
    const r = await run(g, (job, clock) => (job.id === 'bad' ? RUN : later(clock, 30, RUN)), { bad: [{ ms: 10, exit: { kind: 'exit', code: 1 } }] });
    assert.deepEqual(r.starts, [['bad', 0]]);
    assert.equal(r.finished['slow']?.state, 'canceled');
    assert.match(r.finished['slow']?.reason ?? '', /'bad' failed/);
    assert.equal(r.summary.result, 'failed');
  });

  it('a failed dependency still cancels dependents without asking the gate about them', async () => {
    const g = makeGraph([{ id: 'bad' }, { id: 'after', deps: ['bad'] }, { id: 'ok', deps: ['bad'], accept: true }]);
    const r = await run(g, () => SKIP, {}, { keepGoing: true });
    // bad is skipped (as asked), so both dependents go on and are skipped too.
    assert.deepEqual(Object.values(r.finished).map((f) => f.state), ['skipped', 'skipped', 'skipped']);
    const r2 = await run(g, (job) => (job.id === 'bad' ? RUN : SKIP), { bad: [{ ms: 10, exit: { kind: 'exit', code: 2 } }] }, { keepGoing: true });
    assert.equal(r2.finished['after']?.state, 'canceled');
    assert.equal(r2.finished['ok']?.state, 'skipped');
    assert.deepEqual(r2.asked.map((a) => a[0]), ['bad', 'ok']);
  });

  it('a chain of 20,000 skipped jobs finishes without deep recursion, every job asked once', async () => {
    const n = 20_000;
    const g = makeGraph(Array.from({ length: n }, (_, i) => ({ id: `j${i}`, ...(i > 0 ? { deps: [`j${i - 1}`] } : {}) })));
    const r = await run(g, () => SKIP);
    assert.equal(r.asked.length, n);
    assert.equal(r.told.length, n);
    assert.equal(r.executor.launches.length, 0);
    assert.equal(r.summary.result, 'succeeded');
    assert.ok(r.summary.actions.every((a) => a.state === 'skipped'));
  });

  it('without a gate nothing changes: same events as before (no skip, every job started)', async () => {
    const g = makeGraph([{ id: 'a' }, { id: 'b', deps: ['a'] }]);
    const clock = new FakeClock(1000);
    const executor = new FakeExecutor(clock);
    const events: RunEvent[] = [];
    await clock.run(
      runGraph({ jobs: jobsOf(g), resources: [], options: { runId: 'r', cpus: 1, keepGoing: false }, executor, signal: new AbortController().signal, clock, onEvent: (e) => events.push(e) }),
    );
    assert.deepEqual(
      events.map((e) => `${e.type}${'action' in e ? ` ${e.action}` : ''}`),
      ['run-started', 'action-ready a', 'action-started a', 'action-finished a', 'action-ready b', 'action-started b', 'action-finished b', 'run-finished'],
    );
  });
});
