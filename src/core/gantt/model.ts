/**
 * The Gantt chart model: a pure description of a run (live or finished) turned into rows
 * and bars on a time line. Shared by the webview (live chart) and the CLI (`actiontree
 * gantt`). No DOM, no `node:*`: data in, data out.
 */
import type { ActionState } from '../run/events';
import { countActions, type ActionCounts } from '../run/counts';

/** One attempt of an action: it started, and (unless still running) finished. */
export interface GanttAttempt {
  /** When it was queued on a cluster (Slurm); absent for local attempts. */
  readonly queuedAt?: number;
  readonly startedAt: number;
  /** null while running. */
  readonly finishedAt: number | null;
}

/** What the chart needs to know about one action. Times are ms since the Unix epoch. */
export interface GanttAction {
  readonly id: string;
  readonly dependsOn: readonly string[];
  readonly state: ActionState;
  readonly readyAt: number | null;
  /** An attempt waiting in a cluster's queue right now (not started yet), when there is one. */
  readonly queuedAt?: number | null;
  readonly attempts: readonly GanttAttempt[];
  readonly finishedAt: number | null;
  readonly reason: string | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** Display form of the command (argv joined with spaces), when known. */
  readonly command: string | null;
  readonly description: string | null;
  /** Expected duration (ms) from earlier runs, when known. */
  readonly estimateMs: number | null;
  /** Why it is waiting (live runs: `waiting for db (held by migrate)`), from core/run/waiting. */
  readonly waiting?: string | null;
  /** SPEC §8: the last finished attempt's peak resident memory (bytes) and CPU time (ms), when measured. */
  readonly peakRssBytes?: number | null;
  readonly cpuTimeMs?: number | null;
  /** SPEC §8: the group the action belongs to (with its timeout, for display), when any. */
  readonly group?: string | null;
  /** SPEC §10: when a service's last attempt became ready (the bar is drawn as serving from then on); absent/null otherwise. */
  readonly servingAt?: number | null;
}

/** A whole run as the chart sees it. `actions` is in row order (topological order). */
export interface GanttInput {
  readonly runId: string;
  readonly title: string;
  readonly startedAt: number;
  /** null while the run is in progress. */
  readonly finishedAt: number | null;
  readonly result: 'succeeded' | 'failed' | 'canceled' | null;
  readonly actions: readonly GanttAction[];
  /** SPEC §8: paused intervals (shaded); `end` null while still paused. */
  readonly pauses?: readonly GanttPause[];
}

export interface GanttPause {
  readonly start: number;
  readonly end: number | null;
}

/** 'queue': submitted to a cluster, waiting for it to start the job (Slurm). */
/** 'skip': a mark where an action was skipped without running (up to date); start = end. */
/** 'serve': the part of a service's last attempt after it became ready (SPEC §10). */
export type BarKind = 'wait' | 'queue' | 'run' | 'serve' | 'estimate' | 'skip';

export interface GanttBar {
  readonly kind: BarKind;
  readonly start: number;
  readonly end: number;
  /** For 'run' bars: the state color to use (the final state for the last attempt). */
  readonly state: ActionState;
  /** 1-based attempt number for 'run' bars, 0 otherwise. */
  readonly attempt: number;
  /** The bar's end is "now" (still growing). */
  readonly open: boolean;
}

export interface GanttRow {
  readonly index: number;
  readonly action: GanttAction;
  readonly bars: readonly GanttBar[];
  /** Row indexes of dependencies present in the chart. */
  readonly deps: readonly number[];
  readonly critical: boolean;
  /** Where the row's first bar starts and its last bar ends (for arrows). */
  readonly start: number | null;
  readonly end: number | null;
}

export interface GanttModel {
  readonly input: GanttInput;
  readonly rows: readonly GanttRow[];
  readonly byId: ReadonlyMap<string, number>;
  /** Time extent of all bars (and "now" while running). */
  readonly t0: number;
  readonly t1: number;
  /** The time of the "now" line, or null when the run has finished. */
  readonly now: number | null;
  readonly criticalPath: readonly string[];
  readonly counts: Readonly<Record<ActionState, number>>;
  /** Counts that add up (never-run actions are "not run"): the header and summaries use these. */
  readonly tally: ActionCounts;
  /** SPEC §10: the expansions of each matrix action, as consecutive rows (a band in the chart). */
  readonly groups: readonly GanttGroup[];
}

/** Rows `first..last` (inclusive) are the expansions of matrix action `label`. */
export interface GanttGroup {
  readonly label: string;
  readonly first: number;
  readonly last: number;
}

/** The matrix action an expansion id (`test[python=3.11]`) comes from; undefined for a plain id. */
export function matrixBase(id: string): string | undefined {
  const i = id.indexOf('[');
  return i > 0 && id.endsWith(']') ? id.slice(0, i) : undefined;
}

/**
 * Row order with each matrix action's expansions brought together, right after the first one
 * (stable otherwise). Topological order is kept: expansions share their dependencies, which
 * all come before the first expansion.
 */
export function groupExpansions(actions: readonly GanttAction[]): GanttAction[] {
  const byBase = new Map<string, GanttAction[]>();
  let any = false;
  for (const a of actions) {
    const b = matrixBase(a.id);
    if (b === undefined) continue;
    any = true;
    let l = byBase.get(b);
    if (!l) byBase.set(b, (l = []));
    l.push(a);
  }
  if (!any) return actions as GanttAction[];
  const out: GanttAction[] = [];
  for (const a of actions) {
    const b = matrixBase(a.id);
    if (b === undefined) out.push(a);
    else {
      const l = byBase.get(b);
      if (l === undefined) continue; // already placed with its first sibling
      out.push(...l);
      byBase.delete(b);
    }
  }
  return out;
}

function groupsOf(actions: readonly GanttAction[]): GanttGroup[] {
  const out: GanttGroup[] = [];
  for (let i = 0; i < actions.length; ) {
    const b = matrixBase(actions[i]!.id);
    let j = i + 1;
    if (b !== undefined) {
      while (j < actions.length && matrixBase(actions[j]!.id) === b) j++;
      out.push({ label: b, first: i, last: j - 1 });
    }
    i = j;
  }
  return out;
}

const FINAL: ReadonlySet<ActionState> = new Set(['succeeded', 'failed', 'canceled', 'skipped']);

export function isFinal(s: ActionState): boolean {
  return FINAL.has(s);
}

/**
 * Builds the chart model. `now` is the current time for a run in progress (ignored once the
 * run has finished). Deterministic: the same input and `now` give the same model.
 */
export function buildGanttModel(input: GanttInput, now: number): GanttModel {
  const grouped = groupExpansions(input.actions);
  if (grouped !== input.actions) input = { ...input, actions: grouped };
  const live = input.finishedAt === null;
  const nowT = live ? Math.max(now, input.startedAt) : null;
  const byId = new Map<string, number>();
  input.actions.forEach((a, i) => {
    if (!byId.has(a.id)) byId.set(a.id, i);
  });

  const n = input.actions.length;
  // Actual or projected [start, end] per row, in input order; dependencies that come later
  // in the row order (not topological) are treated as unknown for projection.
  const projStart = new Float64Array(n);
  const projEnd = new Float64Array(n);
  const known = new Uint8Array(n);
  /** Rows that ran (or are projected to): only these can be on the critical path. */
  const timed = new Uint8Array(n);
  const barsPerRow: GanttBar[][] = new Array<GanttBar[]>(n);
  const depsPerRow: number[][] = new Array<number[]>(n);

  const order = topoIndexes(input.actions, byId);
  for (const i of order) {
    const a = input.actions[i]!;
    const deps: number[] = [];
    for (const d of a.dependsOn) {
      const j = byId.get(d);
      if (j !== undefined && j !== i) deps.push(j);
    }
    depsPerRow[i] = deps;
    const bars: GanttBar[] = [];
    const attempts = a.attempts;
    const firstStart = attempts.length > 0 ? attempts[0]!.startedAt : null;
    const pendingQueue = a.queuedAt ?? null;
    const firstQueued = attempts.length > 0 ? attempts[0]!.queuedAt : (pendingQueue ?? undefined);
    if (a.readyAt !== null) {
      const waitEnd = firstQueued ?? firstStart ?? (a.finishedAt ?? nowT);
      if (waitEnd !== null && waitEnd > a.readyAt) {
        bars.push({ kind: 'wait', start: a.readyAt, end: waitEnd, state: 'ready', attempt: 0, open: firstStart === null && a.finishedAt === null });
      }
    }
    if (attempts.length === 0 && a.state === 'skipped' && a.finishedAt !== null) {
      // Never started (action-ready, then action-finished skipped): a mark, not a bar, so the
      // row is visible and arrows reach it.
      bars.push({ kind: 'skip', start: a.finishedAt, end: a.finishedAt, state: 'skipped', attempt: 0, open: false });
    }
    attempts.forEach((at, k) => {
      const last = k === attempts.length - 1;
      const open = at.finishedAt === null;
      const end = at.finishedAt ?? (nowT ?? a.finishedAt ?? at.startedAt);
      const state: ActionState = !last ? 'failed' : open ? 'running' : isFinal(a.state) ? a.state : 'running';
      if (at.queuedAt !== undefined && at.startedAt > at.queuedAt) {
        bars.push({ kind: 'queue', start: at.queuedAt, end: at.startedAt, state: 'ready', attempt: k + 1, open: false });
      }
      const serving = last && a.servingAt !== undefined && a.servingAt !== null && a.servingAt >= at.startedAt && a.servingAt <= Math.max(end, at.startedAt) ? a.servingAt : null;
      if (serving === null) {
        bars.push({ kind: 'run', start: at.startedAt, end: Math.max(end, at.startedAt), state, attempt: k + 1, open: open && nowT !== null });
      } else {
        // A service: starting up (run), then serving until it was stopped.
        bars.push({ kind: 'run', start: at.startedAt, end: serving, state: open ? 'running' : state, attempt: k + 1, open: false });
        bars.push({ kind: 'serve', start: serving, end: Math.max(end, serving), state: open ? 'serving' : state, attempt: k + 1, open: open && nowT !== null });
      }
    });

    if (pendingQueue !== null) {
      const end = nowT ?? a.finishedAt ?? pendingQueue;
      bars.push({ kind: 'queue', start: pendingQueue, end: Math.max(end, pendingQueue), state: 'ready', attempt: attempts.length + 1, open: nowT !== null });
    }

    // Projection for estimates and the critical path.
    let depEnd = -Infinity;
    for (const j of deps) if (known[j]) depEnd = Math.max(depEnd, projEnd[j]!);
    const est = a.estimateMs;
    if (attempts.length > 0) {
      const s = firstStart!;
      const lastAt = attempts[attempts.length - 1]!;
      let e = lastAt.finishedAt ?? nowT ?? a.finishedAt ?? s;
      if (lastAt.finishedAt === null && est !== null && nowT !== null) {
        e = Math.max(e, lastAt.startedAt + est);
      }
      projStart[i] = s;
      projEnd[i] = e;
      known[i] = 1;
      timed[i] = 1;
    } else if (!isFinal(a.state) && nowT !== null && est !== null) {
      const s = Math.max(nowT, depEnd, a.readyAt ?? -Infinity);
      projStart[i] = s;
      projEnd[i] = s + Math.max(0, est);
      known[i] = 1;
      timed[i] = 1;
      if (est > 0) bars.push({ kind: 'estimate', start: s, end: s + est, state: a.state, attempt: 0, open: false });
    } else if (a.finishedAt !== null) {
      projStart[i] = a.finishedAt;
      projEnd[i] = a.finishedAt;
      known[i] = 1;
    }
    barsPerRow[i] = bars;
  }

  // Critical path: from the row ending last, follow the dependency that ended last. Only
  // rows with time (`timed`): an action skipped without running (up to date) is never on it.
  // A service that became ready counts as ending at its readiness: what follows is waiting for
  // its dependents (it is stopped after them), not work that holds the run up.
  const critEnd = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const sv = input.actions[i]!.servingAt;
    critEnd[i] = sv !== undefined && sv !== null && sv <= projEnd[i]! ? sv : projEnd[i]!;
  }
  const critical = new Uint8Array(n);
  const path: string[] = [];
  let best = -1;
  for (let i = 0; i < n; i++) {
    if (timed[i] && (best < 0 || critEnd[i]! > critEnd[best]!)) best = i;
  }
  const seen = new Uint8Array(n);
  while (best >= 0 && !seen[best]) {
    seen[best] = 1;
    critical[best] = 1;
    path.push(input.actions[best]!.id);
    let next = -1;
    for (const j of depsPerRow[best] ?? []) {
      if (timed[j] && (next < 0 || critEnd[j]! > critEnd[next]!)) next = j;
    }
    best = next;
  }
  path.reverse();

  let t0 = input.startedAt;
  let t1 = input.finishedAt ?? nowT ?? input.startedAt;
  const counts: Record<ActionState, number> = { pending: 0, ready: 0, running: 0, serving: 0, succeeded: 0, failed: 0, canceled: 0, skipped: 0 };
  const rows: GanttRow[] = new Array<GanttRow>(n);
  for (let i = 0; i < n; i++) {
    const a = input.actions[i]!;
    counts[a.state]++;
    const bars = barsPerRow[i]!;
    let s: number | null = null;
    let e: number | null = null;
    for (const b of bars) {
      if (b.start < t0) t0 = b.start;
      if (b.end > t1) t1 = b.end;
      if (s === null || b.start < s) s = b.start;
      if (e === null || b.end > e) e = b.end;
    }
    rows[i] = { index: i, action: a, bars, deps: depsPerRow[i]!, critical: critical[i] === 1, start: s, end: e };
  }
  if (t1 <= t0) t1 = t0 + 1000;
  const tally = countActions(input.actions.map((a) => ({ state: a.state, ran: a.attempts.length > 0 })));
  return { input, rows, byId, t0, t1, now: nowT, criticalPath: path, counts, tally, groups: groupsOf(input.actions) };
}

/** Row indexes in an order where dependencies come first (input order breaks ties; cycles fall back to input order). */
function topoIndexes(actions: readonly GanttAction[], byId: ReadonlyMap<string, number>): number[] {
  const n = actions.length;
  const indeg = new Int32Array(n);
  const out: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (const d of actions[i]!.dependsOn) {
      const j = byId.get(d);
      if (j !== undefined && j !== i) {
        indeg[i]!++;
        out[j]!.push(i);
      }
    }
  }
  const result: number[] = [];
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (indeg[i] === 0) queue.push(i);
  let head = 0;
  while (head < queue.length) {
    const i = queue[head++]!;
    result.push(i);
    for (const k of out[i]!) {
      if (--indeg[k]! === 0) queue.push(k);
    }
  }
  if (result.length < n) {
    const done = new Uint8Array(n);
    for (const i of result) done[i] = 1;
    for (let i = 0; i < n; i++) if (!done[i]) result.push(i);
  }
  return result;
}
