import * as assert from 'node:assert/strict';
import { buildGanttModel } from '../../../src/core/gantt/model';
import { inputFromRunState } from '../../../src/core/gantt/input';
import type { RunEvent } from '../../../src/core/run/events';
import type { JobHandle, JobStarter } from '../../../src/core/run/executor';
import type { ProcessExit } from '../../../src/core/run/outcome';
import { runGraph } from '../../../src/core/run/scheduler';
import { initialRunState, reduceRun } from '../../../src/core/run/state';
import { FakeClock, jobsOf, makeGraph } from './fakes';

/**
 * A queueing executor (a cluster, SPEC §9) through the scheduler with a fake clock: the
 * attempt is queued at start(), starts when the executor says so (its `began` time), the
 * timeout counts from that start, and the end time is the executor's (the wrapper's record).
 */
class QueueingExecutor implements JobStarter {
  constructor(
    private readonly clock: FakeClock,
    /** Per job: queue wait (ms), run time (ms), exit code. */
    private readonly plan: Record<string, { queue: number; run: number; code: number }>,
  ) {}

  start(job: { id: string }): JobHandle {
    const p = this.plan[job.id]!;
    const queuedAt = this.clock.now();
    let resolveBegan!: (t: number | null) => void;
    let resolveExit!: (e: ProcessExit) => void;
    const began = new Promise<number | null>((r) => (resolveBegan = r));
    const exited = new Promise<ProcessExit>((r) => (resolveExit = r));
    let end: number | undefined;
    let killed = false;
    // The executor learns of the start 50 ms late (a poll), but reports the exact start time.
    this.clock.setTimer(p.queue + 50, () => resolveBegan(queuedAt + p.queue));
    this.clock.setTimer(p.queue + p.run + 50, () => {
      if (killed) return;
      end = queuedAt + p.queue + p.run;
      resolveExit({ kind: 'exit', code: p.code });
    });
    return {
      pid: null,
      ref: `job-${job.id}`,
      began,
      exited,
      endTime: () => end,
      kill: () => {
        if (killed) return;
        killed = true;
        end = undefined;
        resolveExit({ kind: 'signal', signal: 'SIGTERM' });
      },
    };
  }
}

describe('scheduler with a queueing executor (action-queued)', () => {
  it('emits action-queued, then action-started at the real start, finished at the exact end; the reducer and chart show the queue', async () => {
    const clock = new FakeClock(1000);
    const graph = makeGraph([{ id: 'a' }, { id: 'b', deps: ['a'] }]);
    const events: RunEvent[] = [];
    const executor = new QueueingExecutor(clock, { a: { queue: 300, run: 1000, code: 0 }, b: { queue: 100, run: 200, code: 0 } });
    const summary = await clock.run(
      runGraph({ jobs: jobsOf(graph), resources: [], options: { runId: 'r', cpus: 2, keepGoing: false }, executor, signal: new AbortController().signal, clock, onEvent: (e) => events.push(e) }),
    );
    assert.equal(summary.result, 'succeeded');
    const of = (type: string, id: string): RunEvent => events.find((e) => e.type === type && 'action' in e && e.action === id)!;
    assert.deepEqual(of('action-queued', 'a'), { type: 'action-queued', action: 'a', time: 1000, attempt: 1, ref: 'job-a' });
    assert.deepEqual(of('action-started', 'a'), { type: 'action-started', action: 'a', time: 1300, attempt: 1, pid: null, ref: 'job-a' });
    assert.equal((of('action-finished', 'a') as { time: number }).time, 2300, 'the exact end, not when the runner noticed (2350)');
    assert.equal((of('action-started', 'b') as { time: number }).time, 2350 + 100);
    const state = events.reduce(reduceRun, initialRunState());
    assert.equal(state.actions.get('a')?.attempts[0]?.queuedAt, 1000);
    assert.equal(state.actions.get('a')?.attempts[0]?.ref, 'job-a');
    assert.equal(state.actions.get('a')?.queuedAt, null, 'no longer queued');
    const model = buildGanttModel(inputFromRunState(state), 5000);
    const bars = model.rows.find((r) => r.action.id === 'a')!.bars;
    assert.deepEqual(
      bars.filter((b) => b.kind === 'queue').map((b) => [b.start, b.end]),
      [[1000, 1300]],
    );
  });

  it('while queued the action is ready with queuedAt (views show "queued"), and the timeout counts from the real start', async () => {
    const clock = new FakeClock(0);
    const graph = makeGraph([{ id: 't', timeoutMs: 500 }]);
    const events: RunEvent[] = [];
    const executor = new QueueingExecutor(clock, { t: { queue: 2000, run: 10_000, code: 0 } });
    let sawQueued = false;
    const summary = await clock.run(
      runGraph({
        jobs: jobsOf(graph),
        resources: [],
        options: { runId: 'r', cpus: 1, keepGoing: false },
        executor,
        signal: new AbortController().signal,
        clock,
        onEvent: (e) => {
          events.push(e);
          if (e.type === 'action-queued') {
            const s = events.reduce(reduceRun, initialRunState());
            sawQueued = s.actions.get('t')?.state === 'ready' && s.actions.get('t')?.queuedAt === 0;
          }
        },
      }),
    );
    assert.ok(sawQueued, 'queued = ready with queuedAt');
    const f = summary.actions[0]!;
    assert.equal(f.reason, 'timed out after 500ms');
    assert.ok(f.finishedAt >= 2000 + 500, `the 2 s in the queue do not count (finished at ${f.finishedAt})`);
  });
});
