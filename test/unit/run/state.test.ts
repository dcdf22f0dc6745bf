import assert from 'node:assert/strict';
import type { RunEvent } from '../../../src/core/run/events';
import { doneCount, initialRunState, reduceRun, runningActions } from '../../../src/core/run/state';

const events: RunEvent[] = [
  { type: 'run-started', runId: 'r1', time: 100, cpus: 2, actions: ['a', 'b', 'c'] },
  { type: 'action-ready', action: 'a', time: 100 },
  { type: 'action-ready', action: 'b', time: 100 },
  { type: 'action-started', action: 'a', time: 101, attempt: 1, pid: 11 },
  { type: 'action-started', action: 'b', time: 101, attempt: 1, pid: 12 },
  { type: 'action-output', action: 'a', time: 102, stream: 'stdout', text: 'hi\n' },
  { type: 'action-finished', action: 'a', time: 150, state: 'succeeded', reason: null, exitCode: 0, signal: null, attempts: 1 },
  {
    type: 'action-started', action: 'b', time: 160, attempt: 2, pid: 13,
    previous: { finishedAt: 159, reason: 'exit code 1', exitCode: 1, signal: null },
  },
  { type: 'action-finished', action: 'b', time: 200, state: 'failed', reason: 'exit code 2', exitCode: 2, signal: null, attempts: 2 },
  { type: 'action-finished', action: 'c', time: 200, state: 'canceled', reason: "dependency 'b' failed", exitCode: null, signal: null, attempts: 0 },
  { type: 'run-finished', time: 201, result: 'failed' },
];

describe('reduceRun', () => {
  it('derives per-action state, attempts and counts from events', () => {
    const s0 = initialRunState();
    const s = events.reduce(reduceRun, s0);
    assert.equal(s0.status, 'idle');
    assert.equal(s.status, 'finished');
    assert.equal(s.result, 'failed');
    assert.deepEqual(s.counts, { pending: 0, ready: 0, running: 0, serving: 0, succeeded: 1, failed: 1, canceled: 1, skipped: 0 });
    assert.equal(doneCount(s), 3);
    const a = s.actions.get('a')!;
    assert.equal(a.readyAt, 100);
    assert.equal(a.startedAt, 101);
    assert.equal(a.finishedAt, 150);
    assert.equal(a.outputEvents, 1);
    assert.deepEqual(a.attempts, [{ attempt: 1, startedAt: 101, finishedAt: 150, pid: 11, reason: null, exitCode: 0, signal: null }]);
    const b = s.actions.get('b')!;
    assert.equal(b.state, 'failed');
    assert.equal(b.reason, 'exit code 2');
    assert.deepEqual(b.attempts.map((x) => [x.attempt, x.startedAt, x.finishedAt, x.reason]), [
      [1, 101, 159, 'exit code 1'],
      [2, 160, 200, 'exit code 2'],
    ]);
    assert.equal(s.actions.get('c')!.startedAt, null);
    assert.equal(s.actions.get('c')!.pendingAt, 100);
  });

  it('is pure: earlier states are not modified', () => {
    const states = [initialRunState()];
    for (const e of events) states.push(reduceRun(states[states.length - 1]!, e));
    const snapshot = JSON.stringify(states[4]);
    assert.deepEqual(runningActions(states[5]!), ['a', 'b']);
    assert.equal(JSON.stringify(states[4]), snapshot);
    assert.equal(states[4]!.actions.get('a')!.state, 'running');
  });

  it('adds actions it has not seen (a view attached mid-run)', () => {
    const s = reduceRun(initialRunState(), { type: 'action-started', action: 'x', time: 5, attempt: 1, pid: null });
    assert.equal(s.actions.get('x')!.state, 'running');
    assert.deepEqual(s.order, ['x']);
    assert.equal(s.counts.running, 1);
  });
});

const HOSTILE_IDS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

/** A run of `n` actions: started, ready, running, one output line, finished. */
function bigRun(n: number): RunEvent[] {
  const ids = Array.from({ length: n }, (_, i) => `a${i}`);
  const out: RunEvent[] = [{ type: 'run-started', runId: 'big', time: 0, cpus: 4, actions: ids }];
  ids.forEach((id, i) => {
    out.push({ type: 'action-ready', action: id, time: i + 1 });
    out.push({ type: 'action-started', action: id, time: i + 1, attempt: 1, pid: 1000 + i });
    out.push({ type: 'action-output', action: id, time: i + 2, stream: 'stdout', text: 'x\n' });
    out.push({ type: 'action-finished', action: id, time: i + 3, state: 'succeeded', reason: null, exitCode: 0, signal: null, attempts: 1 });
  });
  out.push({ type: 'run-finished', time: n + 10, result: 'succeeded' });
  return out;
}

describe('reduceRun: ids that are Object.prototype names', () => {
  it('keeps __proto__, constructor, toString, hasOwnProperty, valueOf as ordinary actions', () => {
    const evs: RunEvent[] = [
      { type: 'run-started', runId: 'r', time: 1, cpus: 1, actions: HOSTILE_IDS, estimates: JSON.parse('{"__proto__": 5, "constructor": 7}') },
      ...HOSTILE_IDS.map((id, i): RunEvent => ({ type: 'action-started', action: id, time: 2 + i, attempt: 1, pid: i })),
      ...HOSTILE_IDS.map((id, i): RunEvent => ({ type: 'action-finished', action: id, time: 10 + i, state: 'succeeded', reason: null, exitCode: 0, signal: null, attempts: 1 })),
    ];
    const s = evs.reduce(reduceRun, initialRunState());
    assert.deepEqual(s.order, HOSTILE_IDS);
    assert.equal(s.actions.size, 5);
    for (const id of HOSTILE_IDS) {
      assert.equal(s.actions.get(id)?.state, 'succeeded', id);
      assert.equal(s.actions.get(id)?.id, id);
    }
    assert.equal(s.counts.succeeded, 5);
    assert.equal(s.counts.pending, 0);
    assert.equal(s.estimates.get('__proto__'), 5);
    assert.equal(s.estimates.get('constructor'), 7);
    assert.equal(s.estimates.get('toString'), undefined);
    // A state that never saw them does not invent them.
    assert.equal(initialRunState().actions.get('constructor'), undefined);
    assert.equal(initialRunState().actions.has('__proto__'), false);
    // The snapshot form keeps them as own keys.
    assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(s.actions))), HOSTILE_IDS);
  });

  it('an action first seen mid-run may be named __proto__', () => {
    const s = reduceRun(initialRunState(), { type: 'action-ready', action: '__proto__', time: 3 });
    assert.deepEqual(s.order, ['__proto__']);
    assert.equal(s.actions.get('__proto__')?.state, 'ready');
    assert.equal(s.counts.ready, 1);
  });
});

describe('reduceRun: persistence and cost', () => {
  it('branches from an old state without disturbing it or its other branch', () => {
    const base = reduceRun(initialRunState(), { type: 'run-started', runId: 'r', time: 0, cpus: 1, actions: ['a'] });
    const left = reduceRun(base, { type: 'action-ready', action: 'x', time: 1 });
    const right = reduceRun(base, { type: 'action-started', action: 'y', time: 1, attempt: 1, pid: 1 });
    const right2 = reduceRun(right, { type: 'action-ready', action: 'x', time: 2 });
    assert.deepEqual(base.order, ['a']);
    assert.deepEqual(left.order, ['a', 'x']);
    assert.deepEqual(right.order, ['a', 'y']);
    assert.deepEqual(right2.order, ['a', 'y', 'x']);
    assert.equal(base.actions.get('x'), undefined);
    assert.equal(right.actions.get('x'), undefined);
    assert.equal(left.actions.get('y'), undefined);
    assert.equal(left.actions.get('x')?.state, 'ready');
    assert.equal(right2.actions.get('x')?.state, 'ready');
    assert.equal(right2.actions.get('y')?.state, 'running');
    // Extending `left` further still works (its index was the shared one).
    const left2 = reduceRun(left, { type: 'action-ready', action: 'z', time: 3 });
    assert.deepEqual(left2.order, ['a', 'x', 'z']);
    assert.equal(right2.actions.get('z'), undefined);
  });

  it('every intermediate state of a 3,000-action replay still reads as it did', () => {
    const evs = bigRun(3000);
    const states = [initialRunState()];
    for (const e of evs) states.push(reduceRun(states[states.length - 1]!, e));
    // After event k (1-based, k >= 2), action floor((k-2)/4) has seen (k-2)%4+1 of its events.
    const expect = ['ready', 'running', 'running', 'succeeded'];
    for (const k of [2, 3, 4, 5, 4000, 4001, 4002, 4003, 12001]) {
      const s = states[k]!;
      const i = Math.floor((k - 2) / 4);
      assert.equal(s.actions.get(`a${i}`)?.state, expect[(k - 2) % 4], `state ${k}`);
      if (i + 1 < 3000) assert.equal(s.actions.get(`a${i + 1}`)?.state, 'pending', `state ${k} next`);
      if (i > 0) assert.equal(s.actions.get(`a${i - 1}`)?.state, 'succeeded');
      assert.equal(s.counts.succeeded, i + ((k - 2) % 4 === 3 ? 1 : 0));
    }
    assert.equal(states[states.length - 1]!.counts.succeeded, 3000);
  });

  it('replays 20,000 actions (80,002 events) in linear time', function () {
    // The old reducer copied the whole actions object per event: 80k events of a 20k-action
    // run took many minutes. Linear replay takes well under a second; the bound is loose
    // (a loaded 2-core machine) but far below what a quadratic replay needs.
    this.timeout(60_000);
    const evs = bigRun(20_000);
    const t0 = performance.now();
    let s = initialRunState();
    for (const e of evs) s = reduceRun(s, e);
    const ms = performance.now() - t0;
    assert.equal(s.counts.succeeded, 20_000);
    assert.equal(s.actions.get('a19999')?.outputEvents, 1);
    assert.ok(ms < 15_000, `replay took ${ms.toFixed(0)} ms`);
  });
});

describe('reduceRun: events read from a damaged file', () => {
  it('ignores events it cannot apply instead of corrupting the state', () => {
    const bad = [
      { type: 'run-started', runId: 'r', time: 1, cpus: 1 },
      { type: 'action-ready', time: 2 },
      { type: 'action-started', action: { x: 1 }, time: 3, attempt: 1, pid: 1 },
      { type: 'action-finished', action: 'a', time: 4, state: 'bogus', reason: null, exitCode: null, signal: null, attempts: 1 },
      { type: 'action-ready', action: 'b', time: 5 },
      { type: 'run-finished', time: 6, result: 'weird' },
    ] as unknown as RunEvent[];
    const s = bad.reduce(reduceRun, initialRunState());
    assert.deepEqual(s.order, ['b']);
    assert.deepEqual(s.counts, { pending: 0, ready: 1, running: 0, serving: 0, succeeded: 0, failed: 0, canceled: 0, skipped: 0 });
    assert.equal(s.status, 'finished');
    assert.equal(s.result, null);
  });
});

describe('reduceRun: SPEC §8 pause intervals and attempt usage', () => {
  it('run-paused / run-resumed keep the paused flag and the intervals; run-finished closes an open one', () => {
    const evs: RunEvent[] = [
      { type: 'run-started', runId: 'r', time: 0, cpus: 1, actions: ['a'] },
      { type: 'run-paused', time: 10 },
      { type: 'run-paused', time: 11 },
      { type: 'run-resumed', time: 20 },
      { type: 'run-paused', time: 30 },
    ];
    const s = evs.reduce(reduceRun, initialRunState());
    assert.equal(s.paused, true);
    assert.deepEqual(s.pauses, [{ start: 10, end: 20 }, { start: 30, end: null }]);
    const f = reduceRun(s, { type: 'run-finished', time: 40, result: 'canceled' });
    assert.equal(f.paused, false);
    assert.deepEqual(f.pauses, [{ start: 10, end: 20 }, { start: 30, end: 40 }]);
  });

  it('peakRssBytes / cpuTimeMs land on the attempt they measured (previous on a retry, the last on finish)', () => {
    const evs: RunEvent[] = [
      { type: 'run-started', runId: 'r', time: 0, cpus: 1, actions: ['a'] },
      { type: 'action-started', action: 'a', time: 1, attempt: 1, pid: 5 },
      { type: 'action-started', action: 'a', time: 5, attempt: 2, pid: 6, previous: { finishedAt: 4, reason: 'exit code 1', exitCode: 1, signal: null, peakRssBytes: 1000, cpuTimeMs: 3 } },
      { type: 'action-finished', action: 'a', time: 9, state: 'succeeded', reason: null, exitCode: 0, signal: null, attempts: 2, peakRssBytes: 2000, cpuTimeMs: 7 },
    ];
    const s = evs.reduce(reduceRun, initialRunState());
    const at = s.actions.get('a')!.attempts;
    assert.deepEqual([at[0]!.peakRssBytes, at[0]!.cpuTimeMs, at[1]!.peakRssBytes, at[1]!.cpuTimeMs], [1000, 3, 2000, 7]);
  });
});
