import assert from 'node:assert/strict';
import { planRun } from '../../../src/core/run/plan';
import { OutputTails } from '../../../src/core/run/tail';
import { formatMs, outcomeReason } from '../../../src/core/run/outcome';
import { makeGraph } from './fakes';

describe('planRun', () => {
  const g = makeGraph([{ id: 'a' }, { id: 'b', deps: ['a'] }, { id: 'c', deps: ['b'] }, { id: 'x' }, { id: 'y', deps: ['x'] }]);

  it('selects named actions plus their dependencies, in file order; reports unknown names', () => {
    assert.deepEqual(planRun(g, ['c', 'x'], new Map()).selection, ['a', 'b', 'c', 'x']);
    assert.deepEqual(planRun(g, [], new Map()).selection, ['a', 'b', 'c', 'x', 'y']);
    assert.deepEqual(planRun(g, ['zz', 'b'], new Map()).unknown, ['zz']);
  });

  it('only: exactly the named actions, in file order, without their dependencies', () => {
    assert.deepEqual(planRun(g, ['c', 'x'], new Map(), true).selection, ['c', 'x']);
    assert.deepEqual(planRun(g, ['y', 'b'], new Map(), true).selection, ['b', 'y']);
    assert.deepEqual(planRun(g, ['zz', 'b'], new Map(), true).unknown, ['zz']);
  });

  it('remaining critical path: 1 per action without estimates', () => {
    const r = planRun(g, [], new Map()).remaining;
    assert.deepEqual([...r.entries()].sort(), [['a', 3], ['b', 2], ['c', 1], ['x', 2], ['y', 1]]);
  });

  it('with estimates: unknown actions count as the median of the known ones', () => {
    const r = planRun(g, [], new Map([['a', 100], ['b', 10], ['c', 30]])).remaining;
    // median of 10, 30, 100 = 30 for x and y
    assert.equal(r.get('a'), 140);
    assert.equal(r.get('x'), 60);
    assert.equal(r.get('y'), 30);
  });
});

describe('OutputTails', () => {
  it('keeps only the last maxChars per action, in order, and counts what it dropped', () => {
    const t = new OutputTails(10);
    t.add('a', 'hello ');
    t.add('a', 'world!\n');
    t.add('b', 'x');
    assert.deepEqual(t.get('a'), { text: 'lo world!\n', dropped: 3 });
    t.add('a', '0123456789ABC');
    assert.deepEqual(t.get('a'), { text: '3456789ABC', dropped: 16 });
    assert.deepEqual(t.get('b'), { text: 'x', dropped: 0 });
  });

  it('lastLines returns the last n lines and whether there was more', () => {
    const t = new OutputTails(1000);
    t.add('a', 'l1\nl2\nl3\n');
    assert.deepEqual(t.lastLines('a', 2), { lines: ['l2', 'l3'], more: true });
    assert.deepEqual(t.lastLines('a', 5), { lines: ['l1', 'l2', 'l3'], more: false });
    assert.deepEqual(t.lastLines('none', 5), { lines: [], more: false });
  });
});

describe('outcome reasons', () => {
  it('names each outcome', () => {
    assert.equal(outcomeReason({ kind: 'exit', code: 0 }), null);
    assert.equal(outcomeReason({ kind: 'exit', code: 2 }), 'exit code 2');
    assert.equal(outcomeReason({ kind: 'signal', signal: 'SIGKILL' }), 'killed by SIGKILL');
    assert.equal(outcomeReason({ kind: 'timeout', afterMs: 300_000 }), 'timed out after 5m');
    assert.equal(outcomeReason({ kind: 'spawn-error', message: 'x' }), 'spawn failed: x');
    assert.equal(outcomeReason({ kind: 'canceled' }), 'run canceled');
    assert.deepEqual([250, 5000, 1500, 3_600_000, 90_000].map(formatMs), ['250ms', '5s', '1.5s', '1h', '90s']);
  });
});
