import type { ActionState, AttemptEnd, RunEvent, RunResult } from './events';
import { IdTable } from './table';

/**
 * The state of a run as every view sees it, derived from `RunEvent`s only:
 * `state = events.reduce(reduceRun, initialRunState())`. Pure and immutable (each event
 * returns a new object; untouched actions are shared). Output text is deliberately NOT kept
 * here: views that show output keep their own bounded buffers (the log file has it all).
 *
 * Cost: one event costs O(log n) in the number of actions (the actions live in a persistent
 * table, `IdTable`, that shares all but one path with the previous state), so replaying a
 * run is linear in its events. Actions are keyed by id in a `Map`-like table — read them
 * with `state.actions.get(id)`; any string is an id, `__proto__` and `constructor` too.
 */

export type ActionTable = IdTable<ActionRunState>;

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
  /** SPEC §8: peak resident memory of the attempt's process tree (bytes), once measured. */
  readonly peakRssBytes?: number;
  /** SPEC §8: user + system CPU time of the attempt's process tree (ms), once measured. */
  readonly cpuTimeMs?: number;
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
  /** SPEC §10: when a service became ready (service-ready; its state is `serving` until it ends); absent otherwise. */
  readonly servingAt?: number;
}

export type RunStatus = 'idle' | 'running' | 'finished';

export interface RunCounts {
  readonly pending: number;
  readonly ready: number;
  readonly running: number;
  /** SPEC §10: services that are ready and still running. */
  readonly serving: number;
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
  /**
   * Selected action ids in the order of the run-started event (file order), then any id
   * first seen later. Computed on first use (O(n) once per state): per event, prefer
   * `actions.get(id)`.
   */
  readonly order: readonly string[];
  /** Per-action state by id, in `order`. */
  readonly actions: ActionTable;
  readonly counts: RunCounts;
  /** Estimated durations (ms) from earlier runs, when the run-started event carried them. */
  readonly estimates: ReadonlyMap<string, number>;
  /** Time of the latest event seen (lets a view compute elapsed time without a clock). */
  readonly lastEventTime: number | null;
  /** SPEC §8: paused now (between run-paused and run-resumed). */
  readonly paused?: boolean;
  /** SPEC §8: paused intervals, in order; `end` null while still paused. */
  readonly pauses?: readonly PauseInterval[];
}

export interface PauseInterval {
  readonly start: number;
  readonly end: number | null;
}

const zeroCounts: RunCounts = { pending: 0, ready: 0, running: 0, serving: 0, succeeded: 0, failed: 0, canceled: 0, skipped: 0 };

type Fields = Omit<RunState, 'order' | 'actions'>;

const EMPTY_TABLE: ActionTable = IdTable.empty<ActionRunState>();
const NO_ESTIMATES: ReadonlyMap<string, number> = new Map();

/** A state object: O(1) to make (the fields are copied, the table is shared). */
function makeState(f: Fields, actions: ActionTable): RunState {
  return {
    status: f.status,
    runId: f.runId,
    graphFile: f.graphFile,
    cpus: f.cpus,
    startedAt: f.startedAt,
    finishedAt: f.finishedAt,
    result: f.result,
    get order(): readonly string[] {
      return actions.order;
    },
    actions,
    counts: f.counts,
    estimates: f.estimates,
    lastEventTime: f.lastEventTime,
    ...(f.paused !== undefined ? { paused: f.paused } : {}),
    ...(f.pauses !== undefined ? { pauses: f.pauses } : {}),
  };
}

export function initialRunState(): RunState {
  return makeState(
    {
      status: 'idle',
      runId: null,
      graphFile: null,
      cpus: 0,
      startedAt: null,
      finishedAt: null,
      result: null,
      counts: zeroCounts,
      estimates: NO_ESTIMATES,
      lastEventTime: null,
    },
    EMPTY_TABLE,
  );
}

function readEstimates(raw: unknown): ReadonlyMap<string, number> {
  if (typeof raw !== 'object' || raw === null) return NO_ESTIMATES;
  const out = new Map<string, number>();
  // Object.entries sees own keys only: a parsed `"__proto__"` key is one of them.
  for (const [id, v] of Object.entries(raw)) if (typeof v === 'number' && Number.isFinite(v)) out.set(id, v);
  return out;
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

function closeAttempt(
  attempts: readonly AttemptState[],
  end: AttemptEnd | null,
  time: number,
  usage?: { readonly peakRssBytes?: number; readonly cpuTimeMs?: number },
): AttemptState[] {
  const list = attempts.slice();
  const last = list[list.length - 1];
  if (last !== undefined && last.finishedAt === null) {
    const u = end ?? usage;
    list[list.length - 1] = {
      ...last,
      finishedAt: end?.finishedAt ?? time,
      reason: end?.reason ?? null,
      exitCode: end?.exitCode ?? null,
      signal: end?.signal ?? null,
      ...(typeof u?.peakRssBytes === 'number' ? { peakRssBytes: u.peakRssBytes } : {}),
      ...(typeof u?.cpuTimeMs === 'number' ? { cpuTimeMs: u.cpuTimeMs } : {}),
    };
  }
  return list;
}

/** Applies one event. Unknown action ids (e.g. a view attached mid-run) are added on the fly. */
const FINAL_STATES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'canceled', 'skipped']);

/**
 * Events read from a file are only cast, not checked: one that cannot be applied (an
 * action event without a string id, a finish with an unknown state) is ignored rather
 * than corrupting the state.
 */
function applicable(event: RunEvent): boolean {
  if (event.type === 'run-started' || event.type === 'run-finished' || event.type === 'run-paused' || event.type === 'run-resumed') return true;
  if (typeof event.action !== 'string') return false;
  return event.type !== 'action-finished' || FINAL_STATES.has(event.state);
}

export function reduceRun(state: RunState, event: RunEvent): RunState {
  if (!applicable(event)) return state;
  switch (event.type) {
    case 'run-started': {
      // Events may come from a file: tolerate a missing or odd `actions` list.
      const ids = Array.isArray(event.actions) ? event.actions.filter((x): x is string => typeof x === 'string') : [];
      const actions = IdTable.from(ids.map((id): [string, ActionRunState] => [id, blankAction(id, event.time)]));
      return makeState(
        {
          status: 'running',
          runId: event.runId,
          graphFile: event.graphFile ?? null,
          cpus: event.cpus,
          startedAt: event.time,
          finishedAt: null,
          result: null,
          counts: { ...zeroCounts, pending: actions.size },
          estimates: readEstimates(event.estimates),
          lastEventTime: event.time,
        },
        actions,
      );
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
      const { servingAt: _servedBefore, ...rest } = base;
      const next: ActionRunState = {
        ...rest,
        state: 'running',
        readyAt: base.readyAt ?? event.time,
        queuedAt: null,
        startedAt: base.startedAt ?? event.time,
        attempts,
      };
      return withAction(state, next, prev?.state ?? null, event.time);
    }
    case 'service-ready': {
      const { prev, base } = lookup(state, event.action);
      // Only a live attempt becomes `serving` (a late or replayed event after the end changes nothing).
      if (prev !== undefined && FINAL_STATES.has(prev.state)) return state;
      const next: ActionRunState = { ...base, state: 'serving', servingAt: event.time };
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
          : {
              finishedAt: event.time,
              reason: event.reason ?? event.state,
              exitCode: event.exitCode,
              signal: event.signal,
              ...(event.peakRssBytes !== undefined ? { peakRssBytes: event.peakRssBytes } : {}),
              ...(event.cpuTimeMs !== undefined ? { cpuTimeMs: event.cpuTimeMs } : {}),
            };
      const attempts = closeAttempt(base.attempts, failedEnd, event.time, event);
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
    case 'run-paused':
      if (state.paused === true) return makeState({ ...fieldsOf(state), lastEventTime: event.time }, state.actions);
      return makeState({ ...fieldsOf(state), paused: true, pauses: [...(state.pauses ?? []), { start: event.time, end: null }], lastEventTime: event.time }, state.actions);
    case 'run-resumed':
      return makeState({ ...fieldsOf(state), paused: false, pauses: closePause(state.pauses, event.time), lastEventTime: event.time }, state.actions);
    case 'run-finished':
      return makeState(
        {
          ...fieldsOf(state),
          status: 'finished',
          finishedAt: event.time,
          result: event.result === 'succeeded' || event.result === 'failed' || event.result === 'canceled' ? event.result : null,
          lastEventTime: event.time,
          ...(state.paused === true ? { paused: false, pauses: closePause(state.pauses, event.time) } : {}),
        },
        state.actions,
      );
    case 'hook-finished':
      return state; // SPEC §10: hooks are records of the run, not action state
    default: {
      const never: never = event;
      return never;
    }
  }
}

function fieldsOf(s: RunState): Fields {
  return {
    status: s.status,
    runId: s.runId,
    graphFile: s.graphFile,
    cpus: s.cpus,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    result: s.result,
    counts: s.counts,
    estimates: s.estimates,
    lastEventTime: s.lastEventTime,
    ...(s.paused !== undefined ? { paused: s.paused } : {}),
    ...(s.pauses !== undefined ? { pauses: s.pauses } : {}),
  };
}

function closePause(pauses: readonly PauseInterval[] | undefined, time: number): readonly PauseInterval[] {
  const list = (pauses ?? []).slice();
  const last = list[list.length - 1];
  if (last !== undefined && last.end === null) list[list.length - 1] = { start: last.start, end: time };
  return list;
}

function lookup(state: RunState, id: string): { prev: ActionRunState | undefined; base: ActionRunState } {
  const prev = state.actions.get(id);
  return { prev, base: prev ?? blankAction(id, state.startedAt) };
}

function withAction(state: RunState, next: ActionRunState, from: ActionState | null, time: number): RunState {
  const isNew = from === null;
  return makeState(
    {
      ...fieldsOf(state),
      counts: isNew ? moveCount(moveCount(state.counts, null, 'pending'), 'pending', next.state) : moveCount(state.counts, from, next.state),
      lastEventTime: time,
    },
    state.actions.with(next.id, next),
  );
}

/** Finished actions (succeeded + failed + canceled + skipped). */
export function doneCount(state: RunState): number {
  const c = state.counts;
  return c.succeeded + c.failed + c.canceled + c.skipped;
}

/** Ids of running actions in run order (O(n): for views, not per event). */
export function runningActions(state: RunState): string[] {
  return idsInState(state, 'running');
}

/** Ids of actions in a given state, in run order (O(n)). */
export function idsInState(state: RunState, which: ActionState): string[] {
  const out: string[] = [];
  for (const a of state.actions) if (a.state === which) out.push(a.id);
  return out;
}
