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
    assert.deepEqual(s.counts, { pending: 0, ready: 0, running: 0, succeeded: 1, failed: 1, canceled: 1, skipped: 0 });
    assert.equal(doneCount(s), 3);
    const a = s.actions['a']!;
    assert.equal(a.readyAt, 100);
    assert.equal(a.startedAt, 101);
    assert.equal(a.finishedAt, 150);
    assert.equal(a.outputEvents, 1);
    assert.deepEqual(a.attempts, [{ attempt: 1, startedAt: 101, finishedAt: 150, pid: 11, reason: null, exitCode: 0, signal: null }]);
    const b = s.actions['b']!;
    assert.equal(b.state, 'failed');
    assert.equal(b.reason, 'exit code 2');
    assert.deepEqual(b.attempts.map((x) => [x.attempt, x.startedAt, x.finishedAt, x.reason]), [
      [1, 101, 159, 'exit code 1'],
      [2, 160, 200, 'exit code 2'],
    ]);
    assert.equal(s.actions['c']!.startedAt, null);
    assert.equal(s.actions['c']!.pendingAt, 100);
  });

  it('is pure: earlier states are not modified', () => {
    const states = [initialRunState()];
    for (const e of events) states.push(reduceRun(states[states.length - 1]!, e));
    const snapshot = JSON.stringify(states[4]);
    assert.deepEqual(runningActions(states[5]!), ['a', 'b']);
    assert.equal(JSON.stringify(states[4]), snapshot);
    assert.equal(states[4]!.actions['a']!.state, 'running');
  });

  it('adds actions it has not seen (a view attached mid-run)', () => {
    const s = reduceRun(initialRunState(), { type: 'action-started', action: 'x', time: 5, attempt: 1, pid: null });
    assert.equal(s.actions['x']!.state, 'running');
    assert.deepEqual(s.order, ['x']);
    assert.equal(s.counts.running, 1);
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
    const at = s.actions['a']!.attempts;
    assert.deepEqual([at[0]!.peakRssBytes, at[0]!.cpuTimeMs, at[1]!.peakRssBytes, at[1]!.cpuTimeMs], [1000, 3, 2000, 7]);
  });
});
