import type { ActionFinishedEvent, FinalActionState, RunEvent, RunResult } from './events';
import type { JobHandle, JobStarter } from './executor';
import { Heap } from './heap';
import { isSuccess, outcomeExitCode, outcomeReason, outcomeSignal, type Outcome, type ProcessExit } from './outcome';
import type { Job, ResourceCapacity } from './plan';
import { SlotPool, type Need } from './slots';

/**
 * The scheduler (SPEC §3): pure, no I/O of its own. It runs the Jobs of a plan (plan.ts);
 * attempts go through an executor port (`JobStarter`, executor.ts), time through a `Clock`,
 * cancellation through an `AbortSignal`, the decision to skip a ready job through an optional
 * `SchedulerGate`; everything it does is reported as `RunEvent`s to one listener.
 *
 * Cost: each ready action enters a binary heap once (O(log ready)); a scheduling pass pops
 * until the CPU slots are full, setting aside actions that do not fit a resource and pushing
 * them back afterwards. With CPU-only graphs a pass is O(started · log ready).
 */

export interface Clock {
  /** Milliseconds since the Unix epoch (fractions allowed). */
  now(): number;
  /** Calls `fn` after `ms`; returns a function that cancels the timer. */
  setTimer(ms: number, fn: () => void): () => void;
}

/** A gate's answer for a ready job: start it, or finish it as `skipped` with a reason (e.g. "up to date"). */
export type GateDecision = { readonly skip: false } | { readonly skip: true; readonly reason: string };

/**
 * Hooks around each job (incremental runs plug in here). Both are optional.
 * - `beforeStart` is asked once when a job becomes ready (after its `action-ready`). A skip
 *   finishes it at once as `skipped` with the reason (no attempt, no slots), and its
 *   dependents go on as after a success. May answer asynchronously; the job starts only
 *   after the answer (a run canceled meanwhile cancels it). A throw or rejection = run it.
 * - `afterFinish` is told every job's end (succeeded, failed, canceled or skipped), right
 *   before its `action-finished` event is emitted (so what it records is saved before anyone
 *   sees the event). Must not throw (a throw is ignored).
 */
export interface SchedulerGate {
  beforeStart?(job: Job): GateDecision | Promise<GateDecision>;
  afterFinish?(job: Job, state: FinalActionState, event: ActionFinishedEvent): void;
}

export interface SchedulerOptions {
  readonly runId: string;
  /** CPU slots (>= 1). */
  readonly cpus: number;
  readonly keepGoing: boolean;
  readonly graphFile?: string;
  /** Estimated durations (ms) from earlier runs; copied into the run-started event. */
  readonly estimates?: ReadonlyMap<string, number>;
}

export interface RunParams {
  /** The jobs to run (a plan's `jobs`): dependencies outside this list count as done; duplicate ids: the first. */
  readonly jobs: readonly Job[];
  /** Declared resources the jobs' needs count against (a plan's `resources`); an unknown name is not counted. */
  readonly resources: readonly ResourceCapacity[];
  readonly options: SchedulerOptions;
  readonly executor: JobStarter;
  readonly gate?: SchedulerGate;
  readonly signal: AbortSignal;
  readonly clock: Clock;
  readonly onEvent: (event: RunEvent) => void;
}

export interface ActionSummary {
  readonly id: string;
  readonly state: FinalActionState;
  readonly reason: string | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly attempts: number;
  readonly pendingAt: number;
  readonly readyAt: number | null;
  readonly startedAt: number | null;
  readonly finishedAt: number;
}

export interface RunSummary {
  readonly runId: string;
  readonly result: RunResult;
  readonly startedAt: number;
  readonly finishedAt: number;
  /** File order. */
  readonly actions: readonly ActionSummary[];
}

type NodeState = 'pending' | 'ready' | 'running' | FinalActionState;

interface Node {
  readonly job: Job;
  readonly need: Need;
  readonly remaining: number;
  readonly dependents: Node[];
  /** Unfinished dependencies among the selection. */
  waitingFor: number;
  state: NodeState;
  attempt: number;
  readyAt: number | null;
  startedAt: number | null;
  proc: JobHandle | null;
  cancelTimer: (() => void) | null;
  timedOut: boolean;
  killedByCancel: boolean;
  finished: ActionFinishedEvent | null;
}

const RUN: GateDecision = { skip: false };

function isThenable<T>(x: T | Promise<T>): x is Promise<T> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

/** Higher priority first, then longer remaining critical path, then file order. */
function before(a: Node, b: Node): boolean {
  if (a.job.priority !== b.job.priority) return a.job.priority > b.job.priority;
  if (a.remaining !== b.remaining) return a.remaining > b.remaining;
  return a.job.index < b.job.index;
}

/** Runs the jobs; resolves when every one has finished (never rejects). */
export function runGraph(p: RunParams): Promise<RunSummary> {
  return new Promise<RunSummary>((resolve) => new Run(p, resolve).start());
}

class Run {
  private readonly nodes: Node[] = [];
  private readonly byId = new Map<string, Node>();
  private readonly ready = new Heap<Node>(before);
  private readonly pool: SlotPool;
  private unfinished = 0;
  private stopping = false;
  private canceled = false;
  private anyFailed = false;
  private startedAt = 0;
  private ended = false;

  constructor(
    private readonly p: RunParams,
    private readonly resolve: (s: RunSummary) => void,
  ) {
    const slotOf = new Map<string, number>();
    const capacities = [Math.max(1, p.options.cpus)];
    for (const r of p.resources) {
      if (slotOf.has(r.name)) continue;
      slotOf.set(r.name, capacities.length);
      capacities.push(r.capacity);
    }
    this.pool = new SlotPool(capacities);

    for (const job of p.jobs) {
      if (this.byId.has(job.id)) continue;
      const need: [number, number][] = [];
      if (job.needs.cpus > 0) need.push([0, job.needs.cpus]);
      const seenSlots = new Set<number>();
      for (const use of job.needs.resources) {
        const slot = slotOf.get(use.name);
        if (slot !== undefined && use.amount > 0 && !seenSlots.has(slot)) {
          seenSlots.add(slot);
          need.push([slot, use.amount]);
        }
      }
      const node: Node = {
        job,
        need,
        remaining: job.remaining,
        dependents: [],
        waitingFor: 0,
        state: 'pending',
        attempt: 0,
        readyAt: null,
        startedAt: null,
        proc: null,
        cancelTimer: null,
        timedOut: false,
        killedByCancel: false,
        finished: null,
      };
      this.nodes.push(node);
      this.byId.set(job.id, node);
    }
    for (const node of this.nodes) {
      const seen = new Set<string>();
      for (const dep of node.job.deps) {
        const d = this.byId.get(dep);
        if (d === undefined || seen.has(dep) || d === node) continue;
        seen.add(dep);
        d.dependents.push(node);
        node.waitingFor++;
      }
    }
    this.unfinished = this.nodes.length;
  }

  private emit(e: RunEvent): void {
    this.p.onEvent(e);
  }

  private now(): number {
    return this.p.clock.now();
  }

  start(): void {
    const o = this.p.options;
    this.startedAt = this.now();
    // Object.fromEntries defines own keys (an id `__proto__` stays a key).
    const estimates: Record<string, number> = Object.fromEntries(
      o.estimates ? this.nodes.flatMap((n) => (o.estimates?.has(n.job.id) ? [[n.job.id, o.estimates.get(n.job.id) as number]] : [])) : [],
    );
    this.emit({
      type: 'run-started',
      runId: o.runId,
      time: this.startedAt,
      cpus: o.cpus,
      actions: this.nodes.map((n) => n.job.id),
      ...(o.graphFile !== undefined ? { graphFile: o.graphFile } : {}),
      keepGoing: o.keepGoing,
      ...(o.estimates ? { estimates } : {}),
    });
    if (this.p.signal.aborted) {
      this.cancelRun();
      return;
    }
    this.p.signal.addEventListener('abort', this.onAbort);
    // Roots first, in file order (a gate's skip may make later nodes ready on the way).
    for (const n of this.nodes.filter((x) => x.waitingFor === 0)) if (n.state === 'pending') this.makeReady(n);
    this.schedule();
    this.checkDone();
  }

  private readonly onAbort = (): void => this.cancelRun();

  private makeReady(n: Node): void {
    n.state = 'ready';
    n.readyAt = this.now();
    this.emit({ type: 'action-ready', action: n.job.id, time: n.readyAt });
    if (this.p.gate?.beforeStart === undefined) {
      this.ready.push(n);
      return;
    }
    this.gateQueue.push(n);
    if (!this.gating) this.drainGate();
  }

  /** Ready nodes waiting for the gate's answer (a queue, so skips cascade without recursion). */
  private gateQueue: Node[] = [];
  private gating = false;

  private drainGate(): void {
    const beforeStart = this.p.gate?.beforeStart;
    if (beforeStart === undefined) return;
    this.gating = true;
    try {
      for (let i = 0; i < this.gateQueue.length; i++) {
        const n = this.gateQueue[i] as Node;
        if (n.state !== 'ready') continue;
        let answer: GateDecision | Promise<GateDecision>;
        try {
          answer = beforeStart.call(this.p.gate, n.job);
        } catch {
          answer = RUN;
        }
        if (isThenable(answer)) {
          answer.then(
            (d) => this.gateAnswered(n, d),
            () => this.gateAnswered(n, RUN),
          );
          continue;
        }
        this.applyGate(n, answer);
      }
    } finally {
      this.gateQueue = [];
      this.gating = false;
    }
  }

  private gateAnswered(n: Node, d: GateDecision): void {
    if (n.state !== 'ready' || this.ended) return; // canceled while the gate was thinking
    this.applyGate(n, d);
    this.schedule();
    this.checkDone();
  }

  private applyGate(n: Node, d: GateDecision): void {
    if (n.state !== 'ready') return;
    if (typeof d === 'object' && d !== null && d.skip === true) {
      this.record(n, 'skipped', typeof d.reason === 'string' ? d.reason : 'skipped', null, null);
      this.propagate(n);
    } else {
      this.ready.push(n);
    }
  }

  /**
   * Starts ready actions best-first while they fit. The best action that does not fit holds
   * back what it is missing on the slots that block it (reservation), so lower-ranked
   * actions can use the other slots but cannot keep it waiting forever: a wide or
   * over-capacity action starts as soon as its slots drain.
   */
  private schedule(): void {
    if (this.stopping) return;
    const aside: Node[] = [];
    let reserved: Map<number, number> | undefined;
    while (this.ready.size > 0 && !this.pool.full(0)) {
      const n = this.ready.pop() as Node;
      if (n.state !== 'ready') continue; // canceled while queued
      if (this.pool.fits(n.need, reserved)) {
        this.startAction(n);
        continue;
      }
      aside.push(n);
      if (reserved === undefined) {
        reserved = new Map(this.pool.blocking(n.need));
        // Every action needs a CPU slot: if the reservation takes the rest, nothing else can start.
        if (this.pool.used(0) + (reserved.get(0) ?? 0) >= this.pool.capacity(0)) break;
      }
    }
    for (const n of aside) this.ready.push(n);
  }

  private startAction(n: Node): void {
    this.pool.acquire(n.need);
    n.state = 'running';
    this.launchAttempt(n, undefined);
  }

  private launchAttempt(n: Node, previous: { finishedAt: number; reason: string; exitCode: number | null; signal: string | null } | undefined): void {
    n.attempt++;
    n.timedOut = false;
    const attempt = n.attempt;
    const id = n.job.id;
    const proc = this.p.executor.start(n.job, attempt, (stream, text) => {
      if (text.length > 0) this.emit({ type: 'action-output', action: id, time: this.now(), stream, text });
    });
    // Taken once start() has returned: a synchronous spawn (fork + exec) is the executor's
    // cost, not the action's (recorded durations are what the action took).
    const time = this.now();
    n.proc = proc;
    if (n.startedAt === null) n.startedAt = time;
    this.emit({
      type: 'action-started',
      action: id,
      time,
      attempt,
      pid: proc.pid,
      ...(previous !== undefined ? { previous } : {}),
    });
    const timeoutMs = n.job.timeoutMs;
    if (timeoutMs !== undefined && timeoutMs > 0) {
      n.cancelTimer = this.p.clock.setTimer(timeoutMs, () => {
        n.cancelTimer = null;
        if (n.proc === proc && n.state === 'running') {
          n.timedOut = true;
          proc.kill();
        }
      });
    }
    proc.exited.then(
      (exit) => this.onExit(n, proc, exit),
      (err: unknown) => this.onExit(n, proc, { kind: 'spawn-error', message: String(err) }),
    );
  }

  private onExit(n: Node, proc: JobHandle, exit: ProcessExit): void {
    if (n.proc !== proc || n.state !== 'running') return;
    n.cancelTimer?.();
    n.cancelTimer = null;
    n.proc = null;
    let outcome: Outcome = exit;
    if (n.timedOut) outcome = { kind: 'timeout', afterMs: n.job.timeoutMs ?? 0 };
    else if (n.killedByCancel && !isSuccess(exit)) outcome = { kind: 'canceled' };
    if (isSuccess(outcome)) {
      this.finish(n, 'succeeded', null, 0, null);
      return;
    }
    const reason = outcomeReason(outcome) ?? 'failed';
    if (outcome.kind !== 'canceled' && !this.canceled && n.attempt <= n.job.retries) {
      this.launchAttempt(n, { finishedAt: this.now(), reason, exitCode: outcomeExitCode(outcome), signal: outcomeSignal(outcome) });
      return;
    }
    this.finish(n, outcome.kind === 'canceled' ? 'canceled' : 'failed', reason, outcomeExitCode(outcome), outcomeSignal(outcome));
  }

  /** Reports a running action's end, then (failure first) stops or cascades, then frees its slots. */
  private finish(n: Node, state: FinalActionState, reason: string | null, exitCode: number | null, signal: string | null): void {
    this.record(n, state, reason, exitCode, signal);
    let stopNow = false;
    if (state === 'failed') {
      this.anyFailed = true;
      if (!this.p.options.keepGoing && !this.stopping) {
        stopNow = true;
        this.stopping = true;
        this.stopReasonText = `not started: '${n.job.id}' failed (keepGoing is false)`;
      }
    }
    this.propagate(n);
    if (stopNow) this.cancelNotStarted(this.stopReasonText);
    this.pool.release(n.need);
    this.schedule();
    this.checkDone();
  }

  private record(n: Node, state: FinalActionState, reason: string | null, exitCode: number | null, signal: string | null): void {
    n.state = state;
    const e: ActionFinishedEvent = {
      type: 'action-finished',
      action: n.job.id,
      time: this.now(),
      state,
      reason,
      exitCode,
      signal,
      attempts: n.attempt,
    };
    n.finished = e;
    this.unfinished--;
    // The gate hears it first: what it records (incremental state) is saved before anyone
    // sees the event, so a runner killed right after "✓ build" still remembers build.
    const after = this.p.gate?.afterFinish;
    if (after !== undefined) {
      try {
        after.call(this.p.gate, n.job, state, e);
      } catch {
        // a notification: its failure is not the run's
      }
    }
    this.emit(e);
  }

  /** Dependents of a finished node: count down, or cancel (cascading) when they don't accept the failure. */
  private propagate(root: Node): void {
    const stack: Node[] = [root];
    while (stack.length > 0) {
      const n = stack.pop() as Node;
      const ok = n.state === 'succeeded' || n.state === 'skipped';
      for (const d of n.dependents) {
        if (d.state !== 'pending') continue;
        if (ok || d.job.acceptFailedDependencies) {
          d.waitingFor--;
          if (d.waitingFor === 0) {
            if (this.stopping) this.record(d, 'canceled', this.stopReason(), null, null);
            else this.makeReady(d);
          }
        } else {
          this.record(d, 'canceled', `dependency '${n.job.id}' ${n.state}`, null, null);
          this.anyFailed = true;
          stack.push(d);
        }
      }
    }
  }

  private stopReasonText = 'run canceled';

  private stopReason(): string {
    return this.stopReasonText;
  }

  /** Every pending or ready action becomes canceled, in file order. */
  private cancelNotStarted(reason: string): void {
    this.stopReasonText = reason;
    for (const n of this.nodes) {
      if (n.state === 'pending' || n.state === 'ready') this.record(n, 'canceled', reason, null, null);
    }
    this.ready.drain();
  }

  private cancelRun(): void {
    if (this.canceled || this.ended) return;
    this.canceled = true;
    this.stopping = true;
    this.cancelNotStarted('run canceled');
    for (const n of this.nodes) {
      if (n.state === 'running' && n.proc !== null) {
        n.killedByCancel = true;
        n.proc.kill();
      }
    }
    this.checkDone();
  }

  private checkDone(): void {
    if (this.unfinished > 0 || this.ended) return;
    this.ended = true;
    this.p.signal.removeEventListener('abort', this.onAbort);
    const result: RunResult = this.canceled ? 'canceled' : this.anyFailed ? 'failed' : 'succeeded';
    const finishedAt = this.now();
    this.emit({ type: 'run-finished', time: finishedAt, result });
    this.resolve({
      runId: this.p.options.runId,
      result,
      startedAt: this.startedAt,
      finishedAt,
      actions: this.nodes.map((n) => {
        const f = n.finished as ActionFinishedEvent;
        return {
          id: n.job.id,
          state: f.state,
          reason: f.reason,
          exitCode: f.exitCode,
          signal: f.signal,
          attempts: f.attempts,
          pendingAt: this.startedAt,
          readyAt: n.readyAt,
          startedAt: n.startedAt,
          finishedAt: f.time,
        };
      }),
    });
  }
}
