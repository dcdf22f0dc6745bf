import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Graph } from '../../../src/core/model';
import type { RunEvent } from '../../../src/core/run/events';
import { LockTable, normalizeLocks } from '../../../src/core/run/lockTable';
import { runGraph, type RunSummary } from '../../../src/core/run/scheduler';
import { initialRunState, reduceRun } from '../../../src/core/run/state';
import { capacityOf, formatWaitReason, waitReason, type ActionNeeds } from '../../../src/core/run/waiting';
import { FakeClock, FakeExecutor, jobsOf, makeGraph, type ActionSpec, type AttemptScript } from './fakes';

interface Result {
  summary: RunSummary;
  events: RunEvent[];
  /** id -> [first start, finish] relative to the run's start (only actions that started). */
  spans: Map<string, [number, number]>;
  states: Record<string, string>;
}

async function run(graph: Graph, scripts: Record<string, AttemptScript[]>, cpus: number, keepGoing = false): Promise<Result> {
  const clock = new FakeClock(1000);
  const executor = new FakeExecutor(clock, scripts);
  const events: RunEvent[] = [];
  const summary = await clock.run(
    runGraph({
      jobs: jobsOf(graph),
      resources: graph.resources,
      options: { runId: 'r', cpus, keepGoing },
      executor,
      signal: new AbortController().signal,
      clock,
      onEvent: (e) => events.push(e),
    }),
  );
  const spans = new Map<string, [number, number]>();
  const states: Record<string, string> = {};
  for (const e of events) {
    if (e.type === 'action-started' && e.attempt === 1) spans.set(e.action, [e.time - 1000, Infinity]);
    if (e.type === 'action-finished') {
      states[e.action] = e.state;
      const s = spans.get(e.action);
      if (s) s[1] = e.time - 1000;
    }
  }
  return { summary, events, spans, states };
}

const ms = (n: number, code = 0): AttemptScript[] => [{ ms: n, exit: { kind: 'exit', code } }];

describe('locks (SPEC §10): scheduler admission, fake clock', () => {
  it('shared holders run together; an exclusive holder runs alone', async () => {
    const g = makeGraph(
      [
        { id: 'r1', locks: { db: 'shared' } },
        { id: 'r2', locks: { db: 'shared' } },
        { id: 'w', locks: { db: 'exclusive' }, priority: -1 },
        { id: 'free', priority: -2 },
      ],
      {},
      4,
    );
    const r = await run(g, { r1: ms(100), r2: ms(60), w: ms(50), free: ms(10) }, 4);
    assert.deepEqual([...r.spans.entries()], [
      ['r1', [0, 100]],
      ['r2', [0, 60]],
      ['free', [0, 10]], // needs no lock: not held back
      ['w', [100, 150]],
    ]);
    assert.equal(r.summary.result, 'succeeded');
  });

  it('two exclusive holders never overlap; the better-ranked goes first', async () => {
    const g = makeGraph([{ id: 'a', locks: { db: 'exclusive' } }, { id: 'b', locks: { db: 'exclusive' }, priority: 1 }], {}, 4);
    const r = await run(g, { a: ms(30), b: ms(20) }, 4);
    assert.deepEqual(r.spans.get('b'), [0, 20]);
    assert.deepEqual(r.spans.get('a'), [20, 50]);
  });

  it('writer preference: a waiting exclusive request stops new shared holders from joining', async () => {
    // r1 holds db shared from 0 to 100. w (exclusive) is ready at 10; r2 (shared) at 20.
    // r2 may not join r1's hold while w waits: w runs 100–150, then r2 150–160.
    const g = makeGraph(
      [
        { id: 'x' },
        { id: 'y' },
        { id: 'r1', locks: { db: 'shared' } },
        { id: 'w', deps: ['x'], locks: { db: 'exclusive' } },
        { id: 'r2', deps: ['y'], locks: { db: 'shared' }, priority: 5 },
      ],
      {},
      4,
    );
    const r = await run(g, { x: ms(10), y: ms(20), r1: ms(100), w: ms(50), r2: ms(10) }, 4);
    assert.deepEqual(r.spans.get('w'), [100, 150]);
    assert.deepEqual(r.spans.get('r2'), [150, 160], 'r2 waited behind the exclusive request although ranked higher');
  });

  it('crossed exclusive/shared requests (each waiting for the other\'s lock) do not deadlock', async () => {
    // j: db exclusive + cache shared; k: cache exclusive + db shared. Both wait while r and s hold
    // db and cache shared; when those drain, j (file order) starts, then k.
    const g = makeGraph(
      [
        { id: 'r', locks: { db: 'shared' } },
        { id: 's', locks: { cache: 'shared' } },
        { id: 'j', locks: { db: 'exclusive', cache: 'shared' } },
        { id: 'k', locks: { cache: 'exclusive', db: 'shared' } },
      ],
      {},
      4,
    );
    const r = await run(g, { r: ms(50), s: ms(50), j: ms(10), k: ms(10) }, 4);
    assert.deepEqual(r.spans.get('j'), [50, 60]);
    assert.deepEqual(r.spans.get('k'), [60, 70]);
    assert.equal(r.summary.result, 'succeeded');
  });

  it('a lock is released when its holder fails, and waiting holders go on (keepGoing)', async () => {
    const g = makeGraph([{ id: 'a', locks: { db: 'exclusive' } }, { id: 'b', locks: { db: 'exclusive' } }], {}, 2);
    const r = await run(g, { a: ms(10, 1), b: ms(10) }, 2, true);
    assert.deepEqual(r.states, { a: 'failed', b: 'succeeded' });
    assert.deepEqual(r.spans.get('b'), [10, 20]);
  });

  it('keepGoing false: a holder waiting for a lock is canceled after a failure; the run ends', async () => {
    const g = makeGraph([{ id: 'a', locks: { db: 'exclusive' } }, { id: 'b', locks: { db: 'shared' } }, { id: 'c', locks: { db: 'exclusive' } }], {}, 4);
    const r = await run(g, { a: ms(10, 1) }, 4);
    assert.deepEqual(r.states, { a: 'failed', b: 'canceled', c: 'canceled' });
    assert.equal(r.summary.result, 'failed');
  });

  it('LockTable: shared, exclusive and writer preference by hand', () => {
    const t = new LockTable();
    const sh = normalizeLocks([{ name: 'db', mode: 'shared' }]);
    const ex = normalizeLocks([{ name: 'db', mode: 'exclusive' }]);
    assert.ok(t.fits(ex) && t.fits(sh));
    t.acquire('a', sh);
    assert.ok(t.fits(sh));
    assert.ok(!t.fits(ex));
    t.waiting(ex, 1);
    assert.ok(!t.fits(sh), 'no new shared holder while an exclusive request waits');
    assert.ok(t.fits(sh, true), 'a waiting exclusive request itself may take the lock shared elsewhere');
    t.release('a', sh);
    assert.ok(t.fits(ex));
    assert.ok(!t.fits(sh), 'the drained lock goes to the waiting exclusive request first');
    t.waiting(ex, -1);
    assert.ok(t.fits(sh));
    t.acquire('w', ex);
    assert.deepEqual(t.holders('db'), { mode: 'exclusive', ids: ['w'] });
    assert.ok(!t.fits(sh) && !t.fits(ex));
    t.release('w', ex);
    assert.deepEqual(t.holders('db'), { mode: null, ids: [] });
    assert.deepEqual(normalizeLocks([{ name: 'x', mode: 'shared' }, { name: 'x', mode: 'exclusive' }, { name: 'y', mode: 'shared' }]), [
      { name: 'x', mode: 'exclusive' },
      { name: 'y', mode: 'shared' },
    ]);
  });

  it('property: random graphs — shared never overlaps exclusive, one exclusive at a time, no deadlock, all finish', async () => {
    const LOCKS = ['db', 'cache', 'net'];
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 30 }).chain((n) =>
          fc.record({
            cpus: fc.integer({ min: 1, max: 5 }),
            cap: fc.integer({ min: 1, max: 3 }),
            keepGoing: fc.boolean(),
            acts: fc.array(
              fc.record({
                deps: fc.array(fc.nat(), { maxLength: 3 }),
                cpus: fc.integer({ min: 1, max: 3 }),
                r: fc.integer({ min: 0, max: 2 }),
                ms: fc.integer({ min: 1, max: 40 }),
                fail: fc.integer({ min: 0, max: 9 }),
                prio: fc.integer({ min: -1, max: 1 }),
                locks: fc.array(fc.tuple(fc.constantFrom(...LOCKS), fc.constantFrom('shared' as const, 'exclusive' as const)), { maxLength: 3 }),
              }),
              { minLength: n, maxLength: n },
            ),
          }),
        ),
        async ({ cpus, cap, keepGoing, acts }) => {
          const specs: ActionSpec[] = acts.map((a, i) => ({
            id: `a${i}`,
            deps: i === 0 ? [] : [...new Set(a.deps.map((d) => `a${d % i}`))],
            cpus: a.cpus,
            resources: a.r > 0 ? { r: a.r } : {},
            priority: a.prio,
            locks: Object.fromEntries(a.locks),
          }));
          const scripts: Record<string, AttemptScript[]> = {};
          acts.forEach((a, i) => (scripts[`a${i}`] = ms(a.ms, a.fail === 0 ? 1 : 0)));
          const g = makeGraph(specs, { r: cap }, cpus);
          // FakeClock.run throws when no timer is left but the run has not finished: a deadlock fails the property.
          const r = await run(g, scripts, cpus, keepGoing);
          assert.equal(Object.keys(r.states).length, specs.length, 'every action finished');
          const lockOf = (id: string, name: string): string | undefined => g.byId.get(id)?.locks?.find((l) => l.name === name)?.mode;
          const entries = [...r.spans.entries()];
          for (let i = 0; i < entries.length; i++) {
            for (let j = i + 1; j < entries.length; j++) {
              const [a, [as, af]] = entries[i] as [string, [number, number]];
              const [b, [bs, bf]] = entries[j] as [string, [number, number]];
              const overlap = as < bf && bs < af;
              if (!overlap) continue;
              for (const name of LOCKS) {
                const ma = lockOf(a, name);
                const mb = lockOf(b, name);
                if (ma === undefined || mb === undefined) continue;
                assert.ok(ma === 'shared' && mb === 'shared', `${a} (${ma}) and ${b} (${mb}) overlap on lock ${name}: [${as}, ${af}) and [${bs}, ${bf})`);
              }
            }
          }
          // Dependencies are still respected.
          for (const a of g.actions) {
            const s = r.spans.get(a.id);
            if (!s) continue;
            for (const d of a.deps) {
              const ds = r.spans.get(d);
              assert.ok(ds && ds[1] <= s[0], `${a.id} started before ${d} finished`);
            }
          }
          if (!acts.some((a) => a.fail === 0)) assert.equal(r.summary.result, 'succeeded');
        },
      ),
      { numRuns: 300, seed: 12 },
    );
  });
});

describe('locks: waiting reason (tree and chart)', () => {
  const needs: Record<string, ActionNeeds> = {
    a: { deps: [], cpus: 1, resources: [], locks: [{ name: 'db', mode: 'shared' }] },
    b: { deps: [], cpus: 1, resources: [], locks: [{ name: 'db', mode: 'shared' }] },
    c: { deps: [], cpus: 1, resources: [], locks: [{ name: 'db', mode: 'shared' }] },
    w: { deps: [], cpus: 1, resources: [], locks: [{ name: 'db', mode: 'exclusive' }] },
    v: { deps: [], cpus: 1, resources: [], locks: [{ name: 'db', mode: 'exclusive' }] },
  };
  const needsOf = (id: string): ActionNeeds | undefined => needs[id];
  const start: RunEvent = { type: 'run-started', runId: 'r', time: 0, cpus: 8, actions: ['a', 'b', 'c', 'w', 'v'] };
  const ready = (action: string): RunEvent => ({ type: 'action-ready', action, time: 0 });
  const started = (action: string): RunEvent => ({ type: 'action-started', action, time: 1, attempt: 1, pid: 1 });
  const text = (events: RunEvent[], id: string): string | null => {
    const s = events.reduce(reduceRun, initialRunState());
    const r = waitReason(s, id, needsOf, capacityOf(8, []));
    return r === null ? null : formatWaitReason(r);
  };

  it('an exclusive request held shared names the shared holders', () => {
    assert.equal(text([start, ready('a'), ready('b'), ready('w'), started('a'), started('b')], 'w'), 'waiting for lock db (exclusive, held shared by a, b)');
  });
  it('a request on a lock held exclusively names its holder', () => {
    assert.equal(text([start, ready('w'), ready('a'), ready('v'), started('w')], 'a'), 'waiting for lock db (shared, held exclusive by w)');
    assert.equal(text([start, ready('w'), ready('a'), ready('v'), started('w')], 'v'), 'waiting for lock db (exclusive, held exclusive by w)');
  });
  it('a shared request behind a waiting exclusive one says so (writer preference)', () => {
    assert.equal(text([start, ready('a'), ready('w'), ready('c'), started('a')], 'c'), 'waiting for lock db (shared, behind exclusive w)');
  });
  it('many holders are elided', () => {
    assert.equal(text([start, ready('a'), ready('b'), ready('c'), ready('w'), started('a'), started('b'), started('c')], 'w'), 'waiting for lock db (exclusive, held shared by a, b +1)');
  });
});
