import type { ActionModel, Graph } from '../model';
import type { ActionFinishedEvent, FinalActionState, OutputStream, RunEvent, RunResult } from './events';
import { Heap } from './heap';
import { isSuccess, outcomeExitCode, outcomeReason, outcomeSignal, type Outcome, type ProcessExit } from './outcome';
import { SlotPool, type Need } from './slots';

/**
 * The scheduler (SPEC §3): pure, no I/O of its own. Processes go through a
 * `ProcessLauncher` port, time through a `Clock`, cancellation through an `AbortSignal`;
 * everything it does is reported as `RunEvent`s to one listener.
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

export interface LaunchRequest {
  readonly action: ActionModel;
  /** 1-based. */
  readonly attempt: number;
  /** Called with decoded output text, in arrival order per stream. */
  readonly onOutput: (stream: OutputStream, text: string) => void;
}

export interface LaunchedProcess {
  /** null when nothing could be spawned (then `exited` reports a spawn-error). */
  readonly pid: number | null;
  /** Resolves once the process has exited and its output is drained (after kill(): once its tree is gone). Never rejects. */
  readonly exited: Promise<ProcessExit>;
  /** Terminates the whole process tree (SIGTERM, then SIGKILL after a grace period). Idempotent. */
  kill(): void;
}

export interface ProcessLauncher {
  launch(request: LaunchRequest): LaunchedProcess;
}

export interface SchedulerOptions {
  readonly runId: string;
  /** CPU slots (>= 1). */
  readonly cpus: number;
  readonly keepGoing: boolean;
  readonly graphFile?: string;
  /** Remaining critical path per action (its own estimate plus the longest chain after it). Missing = 1. */
  readonly remaining?: ReadonlyMap<string, number>;
  /** Estimated durations (ms) from earlier runs; copied into the run-started event. */
  readonly estimates?: ReadonlyMap<string, number>;
}

export interface RunParams {
  readonly graph: Graph;
  /** The action ids to run, closed under dependencies (any order; duplicates ignored). */
  readonly selection: readonly string[];
  readonly options: SchedulerOptions;
  readonly launcher: ProcessLauncher;
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
  readonly action: ActionModel;
  readonly need: Need;
  readonly remaining: number;
  readonly dependents: Node[];
  /** Unfinished dependencies among the selection. */
  waitingFor: number;
  state: NodeState;
  attempt: number;
  readyAt: number | null;
  startedAt: number | null;
  proc: LaunchedProcess | null;
  cancelTimer: (() => void) | null;
  timedOut: boolean;
  killedByCancel: boolean;
  finished: ActionFinishedEvent | null;
}

/** Higher priority first, then longer remaining critical path, then file order. */
function before(a: Node, b: Node): boolean {
  if (a.action.priority !== b.action.priority) return a.action.priority > b.action.priority;
  if (a.remaining !== b.remaining) return a.remaining > b.remaining;
  return a.action.index < b.action.index;
}

/** Runs the selected actions; resolves when every one has finished (never rejects). */
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
    for (const r of p.graph.resources) {
      slotOf.set(r.name, capacities.length);
      capacities.push(r.capacity);
    }
    this.pool = new SlotPool(capacities);

    const selected = new Set(p.selection);
    for (const action of p.graph.actions) {
      if (!selected.has(action.id)) continue;
      const need: [number, number][] = [];
      if (action.cpus > 0) need.push([0, action.cpus]);
      for (const use of action.resources) {
        const slot = slotOf.get(use.name);
        if (slot !== undefined && use.amount > 0) need.push([slot, use.amount]);
      }
      const node: Node = {
        action,
        need,
        remaining: p.options.remaining?.get(action.id) ?? 1,
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
      this.byId.set(action.id, node);
    }
    for (const node of this.nodes) {
      const seen = new Set<string>();
      for (const dep of node.action.deps) {
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
      o.estimates ? this.nodes.flatMap((n) => (o.estimates?.has(n.action.id) ? [[n.action.id, o.estimates.get(n.action.id) as number]] : [])) : [],
    );
    this.emit({
      type: 'run-started',
      runId: o.runId,
      time: this.startedAt,
      cpus: o.cpus,
      actions: this.nodes.map((n) => n.action.id),
      ...(o.graphFile !== undefined ? { graphFile: o.graphFile } : {}),
      keepGoing: o.keepGoing,
      ...(o.estimates ? { estimates } : {}),
    });
    if (this.p.signal.aborted) {
      this.cancelRun();
      return;
    }
    this.p.signal.addEventListener('abort', this.onAbort);
    for (const n of this.nodes) if (n.waitingFor === 0) this.makeReady(n);
    this.schedule();
    this.checkDone();
  }

  private readonly onAbort = (): void => this.cancelRun();

  private makeReady(n: Node): void {
    n.state = 'ready';
    n.readyAt = this.now();
    this.emit({ type: 'action-ready', action: n.action.id, time: n.readyAt });
    this.ready.push(n);
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
    const id = n.action.id;
    const time = this.now();
    const proc = this.p.launcher.launch({
      action: n.action,
      attempt,
      onOutput: (stream, text) => {
        if (text.length > 0) this.emit({ type: 'action-output', action: id, time: this.now(), stream, text });
      },
    });
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
    const timeoutMs = n.action.timeoutMs;
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

  private onExit(n: Node, proc: LaunchedProcess, exit: ProcessExit): void {
    if (n.proc !== proc || n.state !== 'running') return;
    n.cancelTimer?.();
    n.cancelTimer = null;
    n.proc = null;
    let outcome: Outcome = exit;
    if (n.timedOut) outcome = { kind: 'timeout', afterMs: n.action.timeoutMs ?? 0 };
    else if (n.killedByCancel && !isSuccess(exit)) outcome = { kind: 'canceled' };
    if (isSuccess(outcome)) {
      this.finish(n, 'succeeded', null, 0, null);
      return;
    }
    const reason = outcomeReason(outcome) ?? 'failed';
    if (outcome.kind !== 'canceled' && !this.canceled && n.attempt <= n.action.retries) {
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
        this.stopReasonText = `not started: '${n.action.id}' failed (keepGoing is false)`;
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
      action: n.action.id,
      time: this.now(),
      state,
      reason,
      exitCode,
      signal,
      attempts: n.attempt,
    };
    n.finished = e;
    this.unfinished--;
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
        if (ok || d.action.acceptFailedDependencies) {
          d.waitingFor--;
          if (d.waitingFor === 0) {
            if (this.stopping) this.record(d, 'canceled', this.stopReason(), null, null);
            else this.makeReady(d);
          }
        } else {
          this.record(d, 'canceled', `dependency '${n.action.id}' ${n.state}`, null, null);
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
          id: n.action.id,
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
