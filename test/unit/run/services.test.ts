import assert from 'node:assert/strict';
import type { Graph } from '../../../src/core/model';
import type { RunEvent } from '../../../src/core/run/events';
import { runGraph, SERVICE_STOPPED_REASON, type RunSummary } from '../../../src/core/run/scheduler';
import { initialRunState, reduceRun } from '../../../src/core/run/state';
import type { ServiceSpec } from '../../../src/core/service';
import { FakeClock, FakeExecutor, jobsOf, makeGraph, type AttemptScript } from './fakes';

/** SPEC §10 services in the scheduler (fake executor, fake clock): exact times, no processes. */

const svc = (readyTimeoutMs = 5000): ServiceSpec => ({ readyWhen: { kind: 'log', pattern: 'up' }, readyTimeoutMs });
/** A service that never exits on its own (until killed), ready after `readyMs`. */
const serving = (readyMs: number | undefined, ms = 1_000_000): AttemptScript[] => [{ ms, ...(readyMs !== undefined ? { readyMs } : {}) }];

interface Result {
  summary: RunSummary;
  events: RunEvent[];
  ex: FakeExecutor;
  fin: Record<string, { state: string; reason: string | null; time: number; attempts: number; exitCode: number | null }>;
  at: (type: RunEvent['type'], action: string) => number | undefined;
}

async function run(
  graph: Graph,
  scripts: Record<string, AttemptScript[]>,
  o: { cpus?: number; keepGoing?: boolean; abortAt?: number; checks?: Record<string, string | null>; checkMs?: number; selection?: string[] } = {},
): Promise<Result> {
  const clock = new FakeClock(1000);
  const ex = new FakeExecutor(clock, scripts, o.checks ?? {}, o.checkMs ?? 0);
  const events: RunEvent[] = [];
  const ac = new AbortController();
  if (o.abortAt !== undefined) clock.setTimer(o.abortAt, () => ac.abort());
  const summary = await clock.run(
    runGraph({
      jobs: jobsOf(graph, o.selection),
      resources: graph.resources,
      options: { runId: 'r', cpus: o.cpus ?? 2, keepGoing: o.keepGoing ?? false },
      executor: ex,
      signal: ac.signal,
      clock,
      onEvent: (e) => events.push(e),
    }),
  );
  const fin: Result['fin'] = {};
  for (const e of events) {
    if (e.type === 'action-finished') fin[e.action] = { state: e.state, reason: e.reason, time: e.time - 1000, attempts: e.attempts, exitCode: e.exitCode };
  }
  const at = (type: RunEvent['type'], action: string): number | undefined => {
    const e = events.find((x) => x.type === type && 'action' in x && x.action === action);
    return e === undefined ? undefined : e.time - 1000;
  };
  return { summary, events, ex, fin, at };
}

describe('services (SPEC §10) in the scheduler', () => {
  it('releases dependents at readiness and stops the service once the last dependent finished: succeeded, with the reason', async () => {
    const g = makeGraph([{ id: 'db', service: svc() }, { id: 'a', deps: ['db'] }, { id: 'b', deps: ['db'] }, { id: 'c', deps: ['a'] }]);
    const r = await run(g, { db: serving(30), a: [{ ms: 20 }], b: [{ ms: 50 }], c: [{ ms: 100 }] }, { cpus: 4 });
    assert.equal(r.at('service-ready', 'db'), 30);
    assert.equal(r.at('action-started', 'a'), 30);
    assert.equal(r.at('action-started', 'b'), 30);
    // b (the last direct dependent) ends at 80: the service is stopped then, although c (which depends on a only) still runs.
    assert.deepEqual(r.ex.kills, [{ id: 'db', at: 1080 }]);
    assert.deepEqual(r.fin['db'], { state: 'succeeded', reason: SERVICE_STOPPED_REASON, time: 80, attempts: 1, exitCode: null });
    assert.equal(r.fin['c']?.time, 150);
    assert.equal(r.summary.result, 'succeeded');
    const db = r.summary.actions.find((a) => a.id === 'db');
    assert.equal(db?.servingAt, 1030);
    // The event order: service-ready before its dependents' action-ready.
    const types = r.events.filter((e) => 'action' in e && (e.action === 'db' || e.action === 'a')).map((e) => `${e.type}:${'action' in e ? e.action : ''}`);
    assert.deepEqual(types.slice(0, 5), ['action-ready:db', 'action-started:db', 'service-ready:db', 'action-ready:a', 'action-started:a']);
  });

  it('a service nothing selected depends on starts, becomes ready and is stopped at once (succeeded)', async () => {
    const g = makeGraph([{ id: 'db', service: svc() }, { id: 'other' }]);
    const r = await run(g, { db: serving(40), other: [{ ms: 10 }] });
    assert.deepEqual(r.ex.kills, [{ id: 'db', at: 1040 }]);
    assert.equal(r.fin['db']?.state, 'succeeded');
    assert.equal(r.fin['db']?.reason, SERVICE_STOPPED_REASON);
  });

  it('a service that exits before it is ready fails, and its dependents are canceled', async () => {
    const g = makeGraph([{ id: 'db', service: svc() }, { id: 'a', deps: ['db'] }]);
    const r = await run(g, { db: [{ ms: 20, exit: { kind: 'exit', code: 3 } }] });
    assert.deepEqual(r.fin['db'], { state: 'failed', reason: 'exited before it was ready (exit code 3)', time: 20, attempts: 1, exitCode: 3 });
    assert.equal(r.fin['a']?.state, 'canceled');
    assert.equal(r.fin['a']?.reason, "dependency 'db' failed");
    assert.equal(r.summary.result, 'failed');
  });

  it('exit code 0 before readiness is a failure too', async () => {
    const g = makeGraph([{ id: 'db', service: svc() }, { id: 'a', deps: ['db'] }]);
    const r = await run(g, { db: [{ ms: 20 }] });
    assert.equal(r.fin['db']?.state, 'failed');
    assert.equal(r.fin['db']?.reason, 'exited before it was ready (exit code 0)');
    assert.equal(r.ex.launches.filter((l) => l.id === 'a').length, 0);
  });

  it('a service never ready fails after readyTimeout, its tree killed: "not ready after 5s"', async () => {
    const g = makeGraph([{ id: 'db', service: svc(5000) }, { id: 'a', deps: ['db'] }]);
    const r = await run(g, { db: serving(undefined) });
    assert.deepEqual(r.ex.kills, [{ id: 'db', at: 6000 }]);
    assert.equal(r.fin['db']?.state, 'failed');
    assert.equal(r.fin['db']?.reason, 'not ready after 5s');
    assert.equal(r.fin['db']?.exitCode, null);
    assert.equal(r.fin['a']?.state, 'canceled');
  });

  it('a failed readiness is retried within retries; the second attempt serves', async () => {
    const g = makeGraph([{ id: 'db', service: svc(), retries: 1 }, { id: 'a', deps: ['db'] }]);
    const r = await run(g, { db: [{ ms: 10, exit: { kind: 'exit', code: 1 } }, { ms: 1_000_000, readyMs: 15 }], a: [{ ms: 5 }] });
    assert.equal(r.fin['db']?.state, 'succeeded');
    assert.equal(r.fin['db']?.attempts, 2);
    assert.equal(r.at('service-ready', 'db'), 25);
    assert.equal(r.fin['a']?.time, 30);
  });

  it('checkService refusing (port in use) fails the service before any attempt', async () => {
    const g = makeGraph([{ id: 'db', service: svc() }, { id: 'a', deps: ['db'] }]);
    const reason = 'port 5432 is already in use by another process';
    const r = await run(g, { db: serving(10) }, { checks: { db: reason }, checkMs: 3 });
    assert.deepEqual(r.ex.checks, ['db']);
    assert.deepEqual(r.ex.launches, []);
    assert.deepEqual(r.fin['db'], { state: 'failed', reason, time: 3, attempts: 0, exitCode: null });
    assert.equal(r.fin['a']?.state, 'canceled');
  });

  it('checkService is only asked for services', async () => {
    const g = makeGraph([{ id: 'db', service: svc() }, { id: 'a', deps: ['db'] }]);
    const r = await run(g, { db: serving(10), a: [{ ms: 1 }] }, { checkMs: 2 });
    assert.deepEqual(r.ex.checks, ['db']);
    assert.equal(r.at('action-started', 'db'), 2);
    assert.equal(r.fin['db']?.state, 'succeeded');
  });

  it('a serving service gives back its CPU slot: with cpus 1 its dependent still runs (no deadlock)', async () => {
    const g = makeGraph([{ id: 'db', service: svc() }, { id: 'a', deps: ['db'] }, { id: 'b' }]);
    const r = await run(g, { db: serving(10), a: [{ ms: 10 }], b: [{ ms: 10 }] }, { cpus: 1 });
    assert.equal(r.summary.result, 'succeeded');
    assert.equal(r.fin['db']?.state, 'succeeded');
    // db holds the only slot until it is ready (10); then a (file order before b) runs, then b.
    assert.equal(r.at('action-started', 'a'), 10);
    assert.equal(r.at('action-started', 'b'), 20);
  });

  it('a serving service gives back its locks too: a dependent taking the same exclusive lock still runs', async () => {
    const g = makeGraph([{ id: 'db', service: svc(), locks: { data: 'exclusive' } }, { id: 'a', deps: ['db'], locks: { data: 'exclusive' } }]);
    const r = await run(g, { db: serving(10), a: [{ ms: 10 }] });
    assert.equal(r.summary.result, 'succeeded');
    assert.equal(r.at('action-started', 'a'), 10);
    assert.equal(r.fin['db']?.reason, SERVICE_STOPPED_REASON);
  });

  it('cancel stops a serving service (canceled) and leaves nothing running', async () => {
    const g = makeGraph([{ id: 'db', service: svc() }, { id: 'a', deps: ['db'] }]);
    const r = await run(g, { db: serving(10), a: [{ ms: 1000 }] }, { abortAt: 50 });
    assert.deepEqual(r.ex.kills.map((k) => k.id).sort(), ['a', 'db']);
    assert.equal(r.fin['db']?.state, 'canceled');
    assert.equal(r.fin['db']?.reason, 'run canceled');
    assert.equal(r.summary.result, 'canceled');
  });

  it('cancel while the port check runs cancels the service without starting it', async () => {
    const g = makeGraph([{ id: 'db', service: svc() }, { id: 'a', deps: ['db'] }]);
    const r = await run(g, { db: serving(10) }, { checkMs: 100, abortAt: 50 });
    assert.deepEqual(r.ex.launches, []);
    assert.equal(r.fin['db']?.state, 'canceled');
    assert.equal(r.summary.result, 'canceled');
  });

  it('a service that exits non-zero while serving fails "… while serving"; running dependents go on', async () => {
    const g = makeGraph([{ id: 'db', service: svc() }, { id: 'a', deps: ['db'] }]);
    const r = await run(g, { db: [{ ms: 30, readyMs: 10, exit: { kind: 'exit', code: 2 } }], a: [{ ms: 100 }] }, { keepGoing: true });
    assert.equal(r.fin['db']?.state, 'failed');
    assert.equal(r.fin['db']?.reason, 'exit code 2 while serving');
    assert.equal(r.fin['a']?.state, 'succeeded');
    assert.equal(r.summary.result, 'failed');
  });

  it('a service that exits 0 on its own while serving succeeds', async () => {
    const g = makeGraph([{ id: 'db', service: svc() }, { id: 'a', deps: ['db'] }]);
    const r = await run(g, { db: [{ ms: 30, readyMs: 10 }], a: [{ ms: 100 }] });
    assert.equal(r.fin['db']?.state, 'succeeded');
    assert.equal(r.fin['db']?.reason, 'exited on its own after it was ready');
    assert.deepEqual(r.ex.kills, []);
  });

  it('keepGoing false: another action fails while the service starts → the service is stopped (canceled), no wait for readiness', async () => {
    const g = makeGraph([{ id: 'db', service: svc(60_000) }, { id: 'bad' }, { id: 'a', deps: ['db'] }]);
    const r = await run(g, { db: serving(undefined), bad: [{ ms: 5, exit: { kind: 'exit', code: 1 } }] });
    assert.deepEqual(r.ex.kills, [{ id: 'db', at: 1005 }]);
    assert.equal(r.fin['db']?.state, 'canceled');
    assert.match(r.fin['db']?.reason ?? '', /'bad' failed/);
    assert.equal(r.fin['a']?.state, 'canceled');
  });

  it('a service serving another service: stopped in reverse order, each after its last dependent', async () => {
    const g = makeGraph([{ id: 'db', service: svc() }, { id: 'api', deps: ['db'], service: svc() }, { id: 'e2e', deps: ['api'] }]);
    const r = await run(g, { db: serving(10), api: serving(10), e2e: [{ ms: 50 }] });
    assert.equal(r.at('action-started', 'api'), 10);
    assert.equal(r.at('action-started', 'e2e'), 20);
    // e2e ends at 70 → api stopped; api ends (kill: 0 ms) → db stopped.
    assert.deepEqual(r.ex.kills, [
      { id: 'api', at: 1070 },
      { id: 'db', at: 1070 },
    ]);
    assert.equal(r.fin['db']?.reason, SERVICE_STOPPED_REASON);
    assert.equal(r.fin['api']?.reason, SERVICE_STOPPED_REASON);
  });

  it('a finally action (acceptFailedDependencies) after a keepGoing-false stop keeps a serving service until it ran', async () => {
    const g = makeGraph([{ id: 'db', service: svc() }, { id: 'bad', deps: ['db'] }, { id: 'slow', deps: ['db'] }, { id: 'report', deps: ['db', 'slow'], accept: true }]);
    const r = await run(g, { db: serving(10), bad: [{ ms: 5, exit: { kind: 'exit', code: 1 } }], slow: [{ ms: 50 }], report: [{ ms: 20 }] });
    assert.equal(r.fin['report']?.state, 'succeeded');
    assert.equal(r.at('action-started', 'report'), 60);
    assert.deepEqual(r.ex.kills, [{ id: 'db', at: 1080 }]);
    assert.equal(r.fin['db']?.state, 'succeeded');
  });

  it('the reducer shows a ready service as serving until it ends', () => {
    let s = initialRunState();
    s = reduceRun(s, { type: 'run-started', runId: 'r', time: 0, cpus: 1, actions: ['db', 'a'] });
    s = reduceRun(s, { type: 'action-ready', action: 'db', time: 1 });
    s = reduceRun(s, { type: 'action-started', action: 'db', time: 2, attempt: 1, pid: 7 });
    assert.equal(s.actions.get('db')?.state, 'running');
    s = reduceRun(s, { type: 'service-ready', action: 'db', time: 5, attempt: 1 });
    assert.equal(s.actions.get('db')?.state, 'serving');
    assert.equal(s.actions.get('db')?.servingAt, 5);
    assert.equal(s.counts.serving, 1);
    assert.equal(s.counts.running, 0);
    s = reduceRun(s, { type: 'action-finished', action: 'db', time: 9, state: 'succeeded', reason: SERVICE_STOPPED_REASON, exitCode: null, signal: null, attempts: 1 });
    assert.equal(s.actions.get('db')?.state, 'succeeded');
    assert.equal(s.counts.serving, 0);
    // A late service-ready (replayed after the end) changes nothing.
    const again = reduceRun(s, { type: 'service-ready', action: 'db', time: 10, attempt: 1 });
    assert.equal(again.actions.get('db')?.state, 'succeeded');
  });
});
