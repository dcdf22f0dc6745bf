import type { ActionFinishedEvent, FinalActionState, RunEvent, RunResult } from './events';
import type { JobHandle, JobStarter } from './executor';
import { Heap } from './heap';
import { LockTable, normalizeLocks } from './lockTable';
import type { PauseSwitch, StartHold } from './pause';
import { groupTimeoutReason, isSuccess, outcomeExitCode, outcomeReason, outcomeSignal, retryKind, runTimeoutReason, type Outcome, type ProcessExit } from './outcome';
import type { Job, LockNeed, PlanGroup, ResourceCapacity } from './plan';
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

/** SPEC §8 limits the scheduler enforces itself (a plan's `limits`). */
export interface SchedulerLimits {
  /** Memory capacity (bytes) that jobs' `needs.memory` count against; undefined = not admitted. */
  readonly memory?: number | undefined;
  /** The whole run (ms): past it the run is canceled, "run timed out after 30m". */
  readonly timeoutMs?: number | undefined;
  /** Groups with a timeout measured from the group's first start. */
  readonly groups?: readonly PlanGroup[];
}

export interface RunParams {
  /** The jobs to run (a plan's `jobs`): dependencies outside this list count as done; duplicate ids: the first. */
  readonly jobs: readonly Job[];
  /** Declared resources the jobs' needs count against (a plan's `resources`); an unknown name is not counted. */
  readonly resources: readonly ResourceCapacity[];
  readonly options: SchedulerOptions;
  readonly executor: JobStarter;
  readonly gate?: SchedulerGate;
  readonly limits?: SchedulerLimits;
  /** SPEC §8 pause/resume: while paused nothing new starts (events run-paused / run-resumed). */
  readonly pause?: PauseSwitch;
  /** SPEC §8 maxLoad / minFreeMemory: holds back new starts while at least one action runs. */
  readonly hold?: StartHold;
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
  /** SPEC §10 locks, one per name (lockTable.ts). */
  readonly locks: readonly LockNeed[];
  /** Takes some lock exclusively. */
  readonly exclusive: boolean;
  /** An exclusive request passed over because a lock is held: counted as waiting (lockTable.ts, writer preference). */
  lockWaiting: boolean;
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
  /** Waiting for `retryDelay` before the next attempt (the job keeps its slots). */
  retryTimer: (() => void) | null;
  timedOut: boolean;
  /** Killed because its group timed out: the group's name. */
  groupKilled: string | null;
  /** SPEC §8: what the last finished attempt used, when measured. */
  usage: { peakRssBytes: number; cpuTimeMs: number } | null;
  killedByCancel: boolean;
  finished: ActionFinishedEvent | null;
  /** A finally job after a keepGoing-false stop: how many of its (transitive) dependencies are unfinished; else null. */
  afterStop: number | null;
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
  private readonly lockTable = new LockTable();
  private unfinished = 0;
  private stopping = false;
  private canceled = false;
  private anyFailed = false;
  private startedAt = 0;
  private ended = false;
  /** Why the run was canceled: the reason of every job it cancels. */
  private cancelReason = 'run canceled';
  private runTimer: (() => void) | null = null;
  private readonly groups = new Map<string, PlanGroup>();
  /** Groups whose timer runs (from the first start of a member). */
  private readonly groupTimers = new Map<string, () => void>();
  private readonly groupsTimedOut = new Set<string>();
  private paused = false;
  private running = 0;
  private readonly unsubscribe: (() => void)[] = [];

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
    const memCap = p.limits?.memory;
    const memSlot = memCap !== undefined && memCap > 0 ? capacities.length : -1;
    if (memSlot >= 0) capacities.push(memCap as number);
    this.pool = new SlotPool(capacities);
    for (const g of p.limits?.groups ?? []) this.groups.set(g.name, g);

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
      const mem = job.needs.memory;
      if (memSlot >= 0 && mem !== undefined && mem > 0) need.push([memSlot, mem]);
      const locks = normalizeLocks(job.needs.locks);
      const node: Node = {
        job,
        need,
        locks,
        exclusive: locks.some((l) => l.mode === 'exclusive'),
        lockWaiting: false,
        remaining: job.remaining,
        dependents: [],
        waitingFor: 0,
        state: 'pending',
        attempt: 0,
        readyAt: null,
        startedAt: null,
        proc: null,
        cancelTimer: null,
        retryTimer: null,
        timedOut: false,
        groupKilled: null,
        usage: null,
        killedByCancel: false,
        finished: null,
        afterStop: null,
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
      this.cancelRun('run canceled');
      return;
    }
    this.p.signal.addEventListener('abort', this.onAbort);
    if (this.p.pause !== undefined) {
      if (this.p.pause.paused) this.setPaused(true);
      this.unsubscribe.push(this.p.pause.subscribe((v) => this.setPaused(v)));
    }
    if (this.p.hold !== undefined) {
      this.unsubscribe.push(
        this.p.hold.subscribe(() => {
          if (this.ended) return;
          this.schedule();
          this.checkDone();
        }),
      );
    }
    const runTimeout = this.p.limits?.timeoutMs;
    if (runTimeout !== undefined && runTimeout > 0) {
      this.runTimer = this.p.clock.setTimer(runTimeout, () => {
        this.runTimer = null;
        this.cancelRun(runTimeoutReason(runTimeout));
      });
    }
    // Roots first, in file order (a gate's skip may make later nodes ready on the way).
    for (const n of this.nodes.filter((x) => x.waitingFor === 0)) if (n.state === 'pending') this.makeReady(n);
    this.schedule();
    this.checkDone();
  }

  private readonly onAbort = (): void => this.cancelRun('run canceled');

  private setPaused(v: boolean): void {
    if (this.ended || this.paused === v) return;
    this.paused = v;
    this.emit(v ? { type: 'run-paused', time: this.now() } : { type: 'run-resumed', time: this.now() });
    if (!v) {
      this.schedule();
      this.checkDone();
    }
  }

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
    // After a keepGoing-false stop only `finally` jobs (acceptFailedDependencies) are left ready.
    if (this.canceled || this.paused) return;
    // maxLoad / minFreeMemory hold back starts — never the first one (like make -l): with nothing running, nothing would free up.
    const hold = this.p.hold;
    if (hold !== undefined && this.running > 0 && hold.blocked() !== null) return;
    const aside: Node[] = [];
    let reserved: Map<number, number> | undefined;
    while (this.ready.size > 0 && !this.pool.full(0)) {
      const n = this.ready.pop() as Node;
      if (n.state !== 'ready') continue; // canceled while queued
      // Locks (SPEC §10) first: an action waiting for a lock reserves no slots (lockTable.ts: writer preference).
      const locksFit = n.locks.length === 0 || this.lockTable.fits(n.locks, n.lockWaiting);
      if (locksFit && this.pool.fits(n.need, reserved)) {
        this.startAction(n);
        if (hold !== undefined && hold.blocked() !== null) break;
        continue;
      }
      aside.push(n);
      if (!locksFit) {
        if (n.exclusive && !n.lockWaiting) {
          n.lockWaiting = true;
          this.lockTable.waiting(n.locks, 1);
        }
        continue;
      }
      if (reserved === undefined) {
        reserved = new Map(this.pool.blocking(n.need));
        // Every action needs a CPU slot: if the reservation takes the rest, nothing else can start.
        if (this.pool.used(0) + (reserved.get(0) ?? 0) >= this.pool.capacity(0)) break;
      }
    }
    for (const n of aside) this.ready.push(n);
  }

  private startAction(n: Node): void {
    this.running++;
    this.pool.acquire(n.need);
    if (n.locks.length > 0) {
      if (n.lockWaiting) {
        n.lockWaiting = false;
        this.lockTable.waiting(n.locks, -1);
      }
      this.lockTable.acquire(n.job.id, n.locks);
    }
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
    // Read when each event is emitted: a queueing executor may learn its id (a Slurm job id) after start().
    const ref = (): { ref?: string } => (proc.ref !== undefined ? { ref: proc.ref } : {});
    let started = false;
    /** `action-started` at `at` (the real start for queued attempts), then the timeout counts from there. */
    const begin = (at: number): void => {
      if (started || n.proc !== proc || n.state !== 'running') return;
      started = true;
      if (n.startedAt === null) n.startedAt = at;
      if (attempt === 1 && n.job.group !== undefined) this.startGroupClock(n.job.group);
      this.emit({
        type: 'action-started',
        action: id,
        time: at,
        attempt,
        pid: proc.pid,
        ...(previous !== undefined ? { previous } : {}),
        ...ref(),
      });
      const timeoutMs = n.job.timeoutMs;
      if (timeoutMs !== undefined && timeoutMs > 0) {
        n.cancelTimer = this.p.clock.setTimer(Math.max(0, timeoutMs - Math.max(0, this.now() - at)), () => {
          n.cancelTimer = null;
          if (n.proc === proc && n.state === 'running') {
            n.timedOut = true;
            proc.kill();
          }
        });
      }
    };
    if (proc.began === undefined) begin(time);
    else {
      // A queueing executor (a cluster): the attempt holds its slots while it waits; it starts when the executor says so.
      this.emit({ type: 'action-queued', action: id, time, attempt, ...ref() });
      proc.began.then(
        (at) => begin(at ?? this.now()),
        () => begin(this.now()),
      );
    }
    proc.exited.then(
      (exit) => {
        begin(this.now());
        this.onExit(n, proc, exit);
      },
      (err: unknown) => {
        begin(this.now());
        this.onExit(n, proc, { kind: 'spawn-error', message: String(err) });
      },
    );
  }

  private onExit(n: Node, proc: JobHandle, exit: ProcessExit): void {
    if (n.proc !== proc || n.state !== 'running') return;
    n.cancelTimer?.();
    n.cancelTimer = null;
    n.proc = null;
    const u = proc.usage?.() ?? null;
    n.usage = u === null ? null : { peakRssBytes: u.peakRssBytes, cpuTimeMs: u.cpuTimeMs };
    let outcome: Outcome = exit;
    if (n.killedByCancel && !isSuccess(exit)) outcome = { kind: 'canceled' };
    else if (n.groupKilled !== null && !isSuccess(exit)) outcome = { kind: 'group-timeout', group: n.groupKilled, afterMs: this.groups.get(n.groupKilled)?.timeoutMs ?? 0 };
    else if (n.timedOut) outcome = { kind: 'timeout', afterMs: n.job.timeoutMs ?? 0 };
    this.endTime = proc.endTime?.();
    if (isSuccess(outcome)) {
      this.finish(n, 'succeeded', null, 0, null);
      return;
    }
    const reason = outcome.kind === 'canceled' ? this.cancelReason : (outcomeReason(outcome) ?? 'failed');
    if (this.retries(n, outcome)) {
      const finishedAt = this.endTime ?? this.now();
      this.endTime = undefined;
      const previous = { finishedAt, reason, exitCode: outcomeExitCode(outcome), signal: outcomeSignal(outcome), ...(n.usage ?? {}) };
      const base = n.job.retryDelayMs;
      if (base === undefined || base <= 0) {
        this.launchAttempt(n, previous);
        return;
      }
      // retryDelay, doubling: attempt 1 failed → base, attempt 2 → 2·base, … (the job keeps its slots meanwhile).
      const delay = base * 2 ** (n.attempt - 1);
      n.retryTimer = this.p.clock.setTimer(delay, () => {
        n.retryTimer = null;
        if (n.state === 'running' && !this.canceled) this.launchAttempt(n, previous);
      });
      return;
    }
    this.finish(n, outcome.kind === 'canceled' ? 'canceled' : 'failed', reason, outcomeExitCode(outcome), outcomeSignal(outcome));
  }

  /** Another attempt? Only within `retries`, for a kind listed in `retryOn` (default all), never after a cancel. */
  private retries(n: Node, outcome: Outcome): boolean {
    if (this.canceled || n.attempt > n.job.retries) return false;
    const kind = retryKind(outcome);
    if (kind === null) return false;
    return n.job.retryOn === undefined || n.job.retryOn.includes(kind);
  }

  /** The group's timeout runs from its first member's first start. */
  private startGroupClock(name: string): void {
    if (this.groupTimers.has(name) || this.groupsTimedOut.has(name)) return;
    const ms = this.groups.get(name)?.timeoutMs;
    if (ms === undefined || ms <= 0) return;
    this.groupTimers.set(
      name,
      this.p.clock.setTimer(ms, () => {
        this.groupTimers.delete(name);
        this.groupTimedOut(name, ms);
      }),
    );
  }

  /** Kills the group's running members (they fail with the group's reason) and cancels the rest. */
  private groupTimedOut(name: string, ms: number): void {
    if (this.ended || this.canceled) return;
    this.groupsTimedOut.add(name);
    const reason = groupTimeoutReason(name, ms);
    for (const n of this.nodes) {
      if (n.job.group !== name) continue;
      if (n.state === 'running') {
        n.groupKilled = name;
        if (n.proc !== null) n.proc.kill();
        else if (n.retryTimer !== null) {
          n.retryTimer();
          n.retryTimer = null;
          this.finish(n, 'failed', reason, null, null);
        }
      } else if (n.state === 'pending' || n.state === 'ready') {
        this.record(n, 'canceled', reason, null, null);
        this.anyFailed = true;
        this.propagate(n);
      }
    }
    this.schedule();
    this.checkDone();
  }

  /** The exact end of the attempt being finished, when its executor knows it (used once by record()). */
  private endTime: number | undefined;

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
    this.running--;
    this.pool.release(n.need);
    if (n.locks.length > 0) this.lockTable.release(n.job.id, n.locks);
    this.schedule();
    this.checkDone();
  }

  private record(n: Node, state: FinalActionState, reason: string | null, exitCode: number | null, signal: string | null): void {
    if (n.lockWaiting) {
      n.lockWaiting = false;
      this.lockTable.waiting(n.locks, -1);
    }
    n.state = state;
    const at = this.endTime ?? this.now();
    this.endTime = undefined;
    const e: ActionFinishedEvent = {
      type: 'action-finished',
      action: n.job.id,
      time: at,
      state,
      reason,
      exitCode,
      signal,
      attempts: n.attempt,
      ...(n.usage !== null && n.attempt > 0 ? n.usage : {}),
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
    if (this.finallyWaits.size > 0) this.releaseFinally(n);
  }

  /** Dependents of a finished node: count down, or cancel (cascading) when they don't accept the failure. */
  private propagate(root: Node): void {
    const stack: Node[] = [root];
    while (stack.length > 0) {
      const n = stack.pop() as Node;
      const ok = n.state === 'succeeded' || n.state === 'skipped';
      for (const d of n.dependents) {
        if (d.state !== 'pending' || d.afterStop !== null) continue; // a finally after a stop: see releaseFinally
        if (ok || d.job.acceptFailedDependencies) {
          d.waitingFor--;
          if (d.waitingFor === 0) {
            if (!this.stopping) this.makeReady(d);
            else if (!this.runsAsFinally(d)) this.record(d, 'canceled', this.stopReason(), null, null);
            // else: a finally job during a stop stays pending; cancelNotStarted makes it wait for all before it.
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

  /**
   * A job that accepts failed dependencies is a `finally` (SPEC §3, docs/runner.md): after a
   * keepGoing-false stop it still runs once all its dependencies have finished. A canceled
   * run (cancel, run or group timeout) cancels it like everything else.
   */
  private runsAsFinally(n: Node): boolean {
    return n.job.acceptFailedDependencies && !this.canceled;
  }

  /**
   * Every pending or ready action becomes canceled, in file order — except `finally` jobs of a
   * keepGoing-false stop: each waits until every job it depends on, directly or through others,
   * has finished (canceled ones at once, running ones when they end), then runs.
   */
  private cancelNotStarted(reason: string): void {
    this.stopReasonText = reason;
    const kept: Node[] = [];
    for (const n of this.nodes) {
      if (n.state !== 'pending' && n.state !== 'ready') continue;
      if (this.runsAsFinally(n)) kept.push(n);
      else this.record(n, 'canceled', reason, null, null);
    }
    if (kept.length === 0) {
      this.ready.drain();
      return;
    }
    for (const f of kept) {
      if (f.state !== 'pending') continue;
      let waiting = 0;
      const seen = new Set<Node>([f]);
      const stack = [f];
      while (stack.length > 0) {
        const x = stack.pop() as Node;
        for (const dep of x.job.deps) {
          const d = this.byId.get(dep);
          if (d === undefined || seen.has(d)) continue;
          seen.add(d);
          stack.push(d);
          if (d.state === 'pending' || d.state === 'ready' || d.state === 'running') {
            waiting++;
            let list = this.finallyWaits.get(d);
            if (list === undefined) this.finallyWaits.set(d, (list = []));
            list.push(f);
          }
        }
      }
      f.afterStop = waiting;
    }
    for (const f of kept) if (f.state === 'pending' && f.afterStop === 0) this.makeReady(f);
  }

  /** After a stop: ancestor → the finally jobs waiting for it to finish. */
  private readonly finallyWaits = new Map<Node, Node[]>();

  private releaseFinally(n: Node): void {
    const waiting = this.finallyWaits.get(n);
    if (waiting === undefined) return;
    this.finallyWaits.delete(n);
    for (const f of waiting) {
      f.afterStop = (f.afterStop ?? 1) - 1;
      if (f.afterStop === 0 && f.state === 'pending' && !this.canceled) this.makeReady(f);
    }
  }

  private cancelRun(reason: string): void {
    if (this.canceled || this.ended) return;
    this.canceled = true;
    this.stopping = true;
    this.cancelReason = reason;
    this.cancelNotStarted(reason);
    for (const n of this.nodes) {
      if (n.state !== 'running') continue;
      if (n.proc !== null) {
        n.killedByCancel = true;
        n.proc.kill();
      } else if (n.retryTimer !== null) {
        n.retryTimer();
        n.retryTimer = null;
        this.finish(n, 'canceled', reason, null, null);
      }
    }
    this.checkDone();
  }

  private checkDone(): void {
    if (this.unfinished > 0 || this.ended) return;
    this.ended = true;
    this.p.signal.removeEventListener('abort', this.onAbort);
    this.runTimer?.();
    this.runTimer = null;
    for (const u of this.unsubscribe) u();
    if (this.paused) {
      this.paused = false;
      this.emit({ type: 'run-resumed', time: this.now() });
    }
    for (const cancel of this.groupTimers.values()) cancel();
    this.groupTimers.clear();
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
