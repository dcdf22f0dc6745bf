import assert from 'node:assert/strict';
import type { RunEvent } from '../../../src/core/run/events';
import { initialRunState, reduceRun } from '../../../src/core/run/state';
import { capacityOf, formatWaitReason, waitReason, waitingSince, type ActionNeeds } from '../../../src/core/run/waiting';
import { countActions, finishedOf, formatCounts, plural, runCounts, totalOf } from '../../../src/core/run/counts';

const needs: Record<string, ActionNeeds> = {
  build: { deps: [], cpus: 1, resources: [] },
  migrate: { deps: [], cpus: 1, resources: [{ name: 'db', amount: 1 }] },
  seed: { deps: [], cpus: 1, resources: [{ name: 'db', amount: 1 }] },
  test: { deps: ['build', 'migrate'], cpus: 1, resources: [] },
  lint: { deps: [], cpus: 1, resources: [] },
  big: { deps: [], cpus: 2, resources: [] },
};
const needsOf = (id: string): ActionNeeds | undefined => needs[id];

function state(events: RunEvent[]) {
  return events.reduce(reduceRun, initialRunState());
}

describe('waitReason (core/run/waiting)', () => {
  const start: RunEvent = { type: 'run-started', runId: 'r', time: 1000, cpus: 2, actions: ['build', 'migrate', 'seed', 'test', 'lint', 'big'] };

  it('names the dependencies a pending action waits for', () => {
    const s = state([start, { type: 'action-ready', action: 'build', time: 1000 }, { type: 'action-started', action: 'build', time: 1001, attempt: 1, pid: 1 }]);
    const r = waitReason(s, 'test', needsOf, capacityOf(2, [{ name: 'db', capacity: 1 }]));
    assert.deepEqual(r, { kind: 'dependencies', on: ['build', 'migrate'] });
    assert.equal(formatWaitReason(r!), "waiting for 'build', 'migrate'");
    assert.equal(waitingSince(s.actions.get('test')!), 1000);
  });

  it('a ready action that would fit says the run is paused (not "about to start") until it resumes', () => {
    const ready: RunEvent[] = [start, { type: 'action-ready', action: 'lint', time: 1000 }, { type: 'action-ready', action: 'migrate', time: 1000 }, { type: 'action-ready', action: 'seed', time: 1000 }];
    const cap = capacityOf(2, [{ name: 'db', capacity: 1 }]);
    assert.equal(formatWaitReason(waitReason(state(ready), 'lint', needsOf, cap)!), 'queued: about to start');
    const paused = state([...ready, { type: 'action-started', action: 'migrate', time: 1001, attempt: 1, pid: 1 }, { type: 'run-paused', time: 1002 }]);
    assert.deepEqual(waitReason(paused, 'lint', needsOf, cap), { kind: 'paused' });
    assert.equal(formatWaitReason({ kind: 'paused' }), 'paused: starts after Resume Run');
    // An exhausted resource is still named while paused; a pending action still names its dependencies.
    assert.equal(formatWaitReason(waitReason(paused, 'seed', needsOf, cap)!), 'waiting for db (held by migrate)');
    assert.equal(waitReason(paused, 'test', needsOf, cap)?.kind, 'dependencies');
    const resumed = state([...ready, { type: 'run-paused', time: 1002 }, { type: 'run-resumed', time: 1003 }]);
    assert.equal(formatWaitReason(waitReason(resumed, 'lint', needsOf, cap)!), 'queued: about to start');
  });

  it('names an exhausted resource and who holds it', () => {
    const s = state([
      start,
      { type: 'action-ready', action: 'migrate', time: 1000 },
      { type: 'action-ready', action: 'seed', time: 1000 },
      { type: 'action-started', action: 'migrate', time: 1001, attempt: 1, pid: 1 },
    ]);
    const r = waitReason(s, 'seed', needsOf, capacityOf(2, [{ name: 'db', capacity: 1 }]));
    assert.equal(formatWaitReason(r!), 'waiting for db (held by migrate)');
  });

  it('says how many CPU slots are in use when the CPU is exhausted', () => {
    const s = state([
      start,
      { type: 'action-ready', action: 'build', time: 1000 },
      { type: 'action-ready', action: 'lint', time: 1000 },
      { type: 'action-ready', action: 'migrate', time: 1000 },
      { type: 'action-started', action: 'build', time: 1001, attempt: 1, pid: 1 },
      { type: 'action-started', action: 'lint', time: 1001, attempt: 1, pid: 2 },
    ]);
    const r = waitReason(s, 'migrate', needsOf, capacityOf(2, [{ name: 'db', capacity: 1 }]));
    assert.equal(formatWaitReason(r!), 'waiting for a CPU slot (2 of 2 in use)');
    // A 2-CPU action waits while one slot is taken.
    const s2 = state([start, { type: 'action-ready', action: 'big', time: 1000 }, { type: 'action-ready', action: 'build', time: 1000 }, { type: 'action-started', action: 'build', time: 1001, attempt: 1, pid: 1 }]);
    assert.equal(formatWaitReason(waitReason(s2, 'big', needsOf, capacityOf(2, []))!), 'waiting for a CPU slot (1 of 2 in use)');
  });

  it('an action over capacity only waits while anything else holds the slot; queued otherwise', () => {
    const s = state([start, { type: 'action-ready', action: 'big', time: 1000 }]);
    assert.deepEqual(waitReason(s, 'big', needsOf, capacityOf(1, [])), { kind: 'queued' });
  });

  it('is null for running and finished actions', () => {
    const s = state([start, { type: 'action-ready', action: 'build', time: 1000 }, { type: 'action-started', action: 'build', time: 1001, attempt: 1, pid: 1 }]);
    assert.equal(waitReason(s, 'build', needsOf, capacityOf(2, [])), null);
    assert.equal(waitReason(s, 'nope', needsOf, capacityOf(2, [])), null);
  });
});

describe('counts that add up (core/run/counts)', () => {
  it('2 succeeded · 1 failed · 2 not run, not "5/5 done"', () => {
    const s = state([
      { type: 'run-started', runId: 'r', time: 0, cpus: 2, actions: ['a', 'b', 'c', 'd', 'e'] },
      { type: 'action-started', action: 'a', time: 1, attempt: 1, pid: 1 },
      { type: 'action-finished', action: 'a', time: 2, state: 'succeeded', reason: null, exitCode: 0, signal: null, attempts: 1 },
      { type: 'action-started', action: 'b', time: 1, attempt: 1, pid: 1 },
      { type: 'action-finished', action: 'b', time: 2, state: 'succeeded', reason: null, exitCode: 0, signal: null, attempts: 1 },
      { type: 'action-started', action: 'c', time: 1, attempt: 1, pid: 1 },
      { type: 'action-finished', action: 'c', time: 2, state: 'failed', reason: 'exit code 1', exitCode: 1, signal: null, attempts: 1 },
      { type: 'action-finished', action: 'd', time: 2, state: 'canceled', reason: "dependency 'c' failed", exitCode: null, signal: null, attempts: 0 },
      { type: 'action-finished', action: 'e', time: 2, state: 'canceled', reason: "dependency 'c' failed", exitCode: null, signal: null, attempts: 0 },
      { type: 'run-finished', time: 3, result: 'failed' },
    ]);
    const c = runCounts(s);
    assert.equal(formatCounts(c), '2 succeeded · 1 failed · 2 not run');
    assert.equal(totalOf(c), 5);
    assert.equal(finishedOf(c), 5);
  });

  it('a canceled run where nothing finished says so', () => {
    const c = countActions([
      { state: 'canceled', ran: true },
      { state: 'canceled', ran: false },
      { state: 'canceled', ran: false },
      { state: 'canceled', ran: false },
    ]);
    assert.equal(formatCounts(c), '1 canceled · 3 not run');
  });

  it('live runs count running and waiting; empty is "no actions"', () => {
    assert.equal(formatCounts(countActions([{ state: 'running', ran: true }, { state: 'ready', ran: false }, { state: 'pending', ran: false }, { state: 'skipped', ran: false }])), '1 skipped · 1 running · 2 waiting');
    assert.equal(formatCounts(countActions([])), 'no actions');
  });

  it('pluralizes', () => {
    assert.equal(plural(1, 'action'), '1 action');
    assert.equal(plural(0, 'action'), '0 actions');
    assert.equal(plural(3, 'action'), '3 actions');
  });
});
