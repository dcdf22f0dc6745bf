import type { ActionState, AttemptEnd, RunEvent, RunResult } from './events';

/**
 * The state of a run as every view sees it, derived from `RunEvent`s only:
 * `state = events.reduce(reduceRun, initialRunState())`. Pure and immutable (each event
 * returns a new object; untouched actions are shared). Output text is deliberately NOT kept
 * here: views that show output keep their own bounded buffers (the log file has it all).
 */

export interface AttemptState {
  /** 1-based. */
  readonly attempt: number;
  /** When the attempt was queued on a cluster (action-queued); absent for local attempts. Queue time = startedAt - queuedAt. */
  readonly queuedAt?: number;
  /** Executor-specific id of the attempt (a Slurm job id); absent for local processes. */
  readonly ref?: string;
  readonly startedAt: number;
  /** null while running. */
  readonly finishedAt: number | null;
  readonly pid: number | null;
  /** How the attempt ended; null while running or when it succeeded. */
  readonly reason: string | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
}

export interface ActionRunState {
  readonly id: string;
  readonly state: ActionState;
  /** Run start (all selected actions are pending from then on). */
  readonly pendingAt: number | null;
  readonly readyAt: number | null;
  /**
   * Set while an attempt waits in a cluster's queue (action-queued → action-started); the action
   * stays `ready` meanwhile, so views show it as queued, not running. null otherwise.
   */
  readonly queuedAt: number | null;
  /** Start of the first attempt. */
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly attempts: readonly AttemptState[];
  readonly reason: string | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** Number of action-output events seen (the text itself is not kept). */
  readonly outputEvents: number;
}

export type RunStatus = 'idle' | 'running' | 'finished';

export interface RunCounts {
  readonly pending: number;
  readonly ready: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly canceled: number;
  readonly skipped: number;
}

export interface RunState {
  readonly status: RunStatus;
  readonly runId: string | null;
  readonly graphFile: string | null;
  readonly cpus: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly result: RunResult | null;
  /** Selected action ids in the order of the run-started event (file order). */
  readonly order: readonly string[];
  readonly actions: Readonly<Record<string, ActionRunState>>;
  readonly counts: RunCounts;
  /** Estimated durations (ms) from earlier runs, when the run-started event carried them. */
  readonly estimates: Readonly<Record<string, number>>;
  /** Time of the latest event seen (lets a view compute elapsed time without a clock). */
  readonly lastEventTime: number | null;
}

const zeroCounts: RunCounts = { pending: 0, ready: 0, running: 0, succeeded: 0, failed: 0, canceled: 0, skipped: 0 };

export function initialRunState(): RunState {
  return {
    status: 'idle',
    runId: null,
    graphFile: null,
    cpus: 0,
    startedAt: null,
    finishedAt: null,
    result: null,
    order: [],
    actions: {},
    counts: zeroCounts,
    estimates: {},
    lastEventTime: null,
  };
}

function blankAction(id: string, pendingAt: number | null): ActionRunState {
  return {
    id,
    state: 'pending',
    pendingAt,
    readyAt: null,
    queuedAt: null,
    startedAt: null,
    finishedAt: null,
    attempts: [],
    reason: null,
    exitCode: null,
    signal: null,
    outputEvents: 0,
  };
}

function moveCount(counts: RunCounts, from: ActionState | null, to: ActionState): RunCounts {
  if (from === to) return counts;
  const next = { ...counts };
  if (from !== null) next[from] = Math.max(0, next[from] - 1);
  next[to] = next[to] + 1;
  return next;
}

function closeAttempt(attempts: readonly AttemptState[], end: AttemptEnd | null, time: number): AttemptState[] {
  const list = attempts.slice();
  const last = list[list.length - 1];
  if (last !== undefined && last.finishedAt === null) {
    list[list.length - 1] = {
      ...last,
      finishedAt: end?.finishedAt ?? time,
      reason: end?.reason ?? null,
      exitCode: end?.exitCode ?? null,
      signal: end?.signal ?? null,
    };
  }
  return list;
}

/** Applies one event. Unknown action ids (e.g. a view attached mid-run) are added on the fly. */
export function reduceRun(state: RunState, event: RunEvent): RunState {
  switch (event.type) {
    case 'run-started': {
      const actions: Record<string, ActionRunState> = {};
      for (const id of event.actions) actions[id] = blankAction(id, event.time);
      return {
        status: 'running',
        runId: event.runId,
        graphFile: event.graphFile ?? null,
        cpus: event.cpus,
        startedAt: event.time,
        finishedAt: null,
        result: null,
        order: event.actions.slice(),
        actions,
        counts: { ...zeroCounts, pending: event.actions.length },
        estimates: event.estimates ? { ...event.estimates } : {},
        lastEventTime: event.time,
      };
    }
    case 'action-ready': {
      const { prev, base } = lookup(state, event.action);
      const next: ActionRunState = { ...base, state: 'ready', readyAt: event.time };
      return withAction(state, next, prev?.state ?? null, event.time);
    }
    case 'action-queued': {
      const { prev, base } = lookup(state, event.action);
      // A retry's queue time: the action stays `running` (it holds its slots) until the attempt starts.
      const next: ActionRunState = { ...base, state: base.state === 'running' ? 'running' : 'ready', readyAt: base.readyAt ?? event.time, queuedAt: event.time };
      return withAction(state, next, prev?.state ?? null, event.time);
    }
    case 'action-started': {
      const { prev, base } = lookup(state, event.action);
      const attempts = closeAttempt(base.attempts, event.previous ?? null, event.time);
      attempts.push({
        ...(base.queuedAt !== null ? { queuedAt: Math.min(base.queuedAt, event.time) } : {}),
        ...(event.ref !== undefined ? { ref: event.ref } : {}),
        attempt: event.attempt,
        startedAt: event.time,
        finishedAt: null,
        pid: event.pid,
        reason: null,
        exitCode: null,
        signal: null,
      });
      const next: ActionRunState = {
        ...base,
        state: 'running',
        readyAt: base.readyAt ?? event.time,
        queuedAt: null,
        startedAt: base.startedAt ?? event.time,
        attempts,
      };
      return withAction(state, next, prev?.state ?? null, event.time);
    }
    case 'action-output': {
      const { prev, base } = lookup(state, event.action);
      const next: ActionRunState = { ...base, outputEvents: base.outputEvents + 1 };
      return withAction(state, next, prev?.state ?? null, event.time);
    }
    case 'action-finished': {
      const { prev, base } = lookup(state, event.action);
      const failedEnd: AttemptEnd | null =
        event.state === 'succeeded'
          ? null
          : { finishedAt: event.time, reason: event.reason ?? event.state, exitCode: event.exitCode, signal: event.signal };
      const attempts = closeAttempt(base.attempts, failedEnd, event.time);
      const last = attempts[attempts.length - 1];
      if (last !== undefined && event.state === 'succeeded' && last.finishedAt !== null) {
        attempts[attempts.length - 1] = { ...last, exitCode: event.exitCode };
      }
      const next: ActionRunState = {
        ...base,
        state: event.state,
        queuedAt: null,
        finishedAt: event.time,
        attempts,
        reason: event.reason,
        exitCode: event.exitCode,
        signal: event.signal,
      };
      return withAction(state, next, prev?.state ?? null, event.time);
    }
    case 'run-finished':
      return { ...state, status: 'finished', finishedAt: event.time, result: event.result, lastEventTime: event.time };
    default: {
      const never: never = event;
      return never;
    }
  }
}

function lookup(state: RunState, id: string): { prev: ActionRunState | undefined; base: ActionRunState } {
  const prev = Object.prototype.hasOwnProperty.call(state.actions, id) ? state.actions[id] : undefined;
  return { prev, base: prev ?? blankAction(id, state.startedAt) };
}

function withAction(state: RunState, next: ActionRunState, from: ActionState | null, time: number): RunState {
  const isNew = from === null;
  return {
    ...state,
    order: isNew ? [...state.order, next.id] : state.order,
    actions: { ...state.actions, [next.id]: next },
    counts: isNew ? moveCount(moveCount(state.counts, null, 'pending'), 'pending', next.state) : moveCount(state.counts, from, next.state),
    lastEventTime: time,
  };
}

/** Finished actions (succeeded + failed + canceled + skipped). */
export function doneCount(state: RunState): number {
  const c = state.counts;
  return c.succeeded + c.failed + c.canceled + c.skipped;
}

/** Ids of running actions in run order. */
export function runningActions(state: RunState): string[] {
  return state.order.filter((id) => state.actions[id]?.state === 'running');
}
