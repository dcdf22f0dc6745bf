/**
 * Builds the chart input from the shared run state (live runs, replayed events) or from a
 * run's `report.json` (SPEC §4), plus what the graph file says about each action.
 */
import type { ActionState, RunEvent } from '../run/events';
import { initialRunState, reduceRun, type RunState } from '../run/state';
import { expandGraph } from '../matrix';
import type { Graph } from '../model';
import type { GanttAction, GanttInput } from './model';
import { formatDuration } from '../duration';

/** Per-action facts from the graph file that the run state does not carry. */
export interface ActionInfo {
  readonly dependsOn: readonly string[];
  readonly command: string | null;
  readonly description: string | null;
  /** SPEC §8 group, shown as "group 'tests' (timeout 10m)". */
  readonly group?: string | null;
}

export type GraphInfo = ReadonlyMap<string, ActionInfo>;

export function graphInfo(graph: Graph): GraphInfo {
  graph = expandGraph(graph); // SPEC §10: runs record expanded ids
  const m = new Map<string, ActionInfo>();
  for (const a of graph.actions) {
    const deps = (a as { deps?: readonly string[] }).deps ?? a.dependsOn.map((d) => d.value);
    const command = a.command === undefined ? null : a.command.kind === 'shell' ? a.command.line : a.command.argv.join(' ');
    const g = a.limits?.group;
    const gt = g !== undefined ? graph.limits?.groups.find((x) => x.name === g)?.timeoutMs : undefined;
    const group = g === undefined ? null : `${g}${gt !== undefined ? ` (timeout ${formatDuration(gt)})` : ''}`;
    m.set(a.id, { dependsOn: deps, command, description: a.description ?? null, group });
  }
  return m;
}

/** The last measured attempt's use (SPEC §8). */
function usageOf(attempts: readonly { readonly peakRssBytes?: number; readonly cpuTimeMs?: number }[]): { peakRssBytes?: number; cpuTimeMs?: number } {
  for (let i = attempts.length - 1; i >= 0; i--) {
    const t = attempts[i]!;
    if (t.peakRssBytes !== undefined || t.cpuTimeMs !== undefined) {
      return { ...(t.peakRssBytes !== undefined ? { peakRssBytes: t.peakRssBytes } : {}), ...(t.cpuTimeMs !== undefined ? { cpuTimeMs: t.cpuTimeMs } : {}) };
    }
  }
  return {};
}

/** Row order: dependencies before dependents, otherwise the given order (stable, deterministic). */
export function topoOrder(ids: readonly string[], depsOf: (id: string) => readonly string[]): string[] {
  const index = new Map<string, number>();
  ids.forEach((id, i) => index.set(id, i));
  const indeg = new Array<number>(ids.length).fill(0);
  const out: number[][] = ids.map(() => []);
  ids.forEach((id, i) => {
    for (const d of depsOf(id)) {
      const j = index.get(d);
      if (j !== undefined && j !== i) {
        indeg[i]!++;
        out[j]!.push(i);
      }
    }
  });
  // Kahn's algorithm with a min-heap on the original index keeps file order among ready rows.
  const heap: number[] = [];
  const push = (v: number): void => {
    heap.push(v);
    let k = heap.length - 1;
    while (k > 0) {
      const p = (k - 1) >> 1;
      if (heap[p]! <= v) break;
      heap[k] = heap[p]!;
      k = p;
    }
    heap[k] = v;
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let k = 0;
      for (;;) {
        const l = 2 * k + 1;
        if (l >= heap.length) break;
        const c = l + 1 < heap.length && heap[l + 1]! < heap[l]! ? l + 1 : l;
        if (heap[c]! >= last) break;
        heap[k] = heap[c]!;
        k = c;
      }
      heap[k] = last;
    }
    return top;
  };
  indeg.forEach((d, i) => {
    if (d === 0) push(i);
  });
  const result: string[] = [];
  const done = new Uint8Array(ids.length);
  while (heap.length > 0) {
    const i = pop();
    done[i] = 1;
    result.push(ids[i]!);
    for (const k of out[i]!) if (--indeg[k]! === 0) push(k);
  }
  ids.forEach((id, i) => {
    if (!done[i]) result.push(id);
  });
  return result;
}

/** Chart input from the shared reducer's state. */
export function inputFromRunState(state: RunState, info?: GraphInfo, title?: string, waiting?: (id: string) => string | null): GanttInput {
  const depsOf = (id: string): readonly string[] => info?.get(id)?.dependsOn ?? [];
  const order = topoOrder(state.order, depsOf);
  const actions: GanttAction[] = [];
  for (const id of order) {
    const a = state.actions.get(id);
    if (!a) continue;
    const i = info?.get(id);
    const est = state.estimates.get(id);
    actions.push({
      id,
      dependsOn: i?.dependsOn ?? [],
      state: a.state,
      readyAt: a.readyAt,
      ...(a.queuedAt !== null ? { queuedAt: a.queuedAt } : {}),
      attempts: a.attempts.map((t) => ({ ...(t.queuedAt !== undefined ? { queuedAt: t.queuedAt } : {}), startedAt: t.startedAt, finishedAt: t.finishedAt })),
      finishedAt: a.finishedAt,
      reason: a.reason,
      exitCode: a.exitCode,
      signal: a.signal,
      command: i?.command ?? null,
      description: i?.description ?? null,
      estimateMs: typeof est === 'number' && Number.isFinite(est) ? est : null,
      group: i?.group ?? null,
      ...(a.servingAt !== undefined ? { servingAt: a.servingAt } : {}),
      ...usageOf(a.attempts),
      ...(waiting && (a.state === 'pending' || a.state === 'ready') ? { waiting: waiting(id) } : {}),
    });
  }
  return {
    runId: state.runId ?? '',
    title: title ?? baseName(state.graphFile ?? '') ?? 'run',
    startedAt: state.startedAt ?? state.lastEventTime ?? 0,
    finishedAt: state.status === 'finished' ? (state.finishedAt ?? state.lastEventTime) : null,
    result: state.result,
    actions,
    pauses: state.pauses ?? [],
  };
}

/** Replays events through the shared reducer. */
export function stateFromEvents(events: readonly RunEvent[]): RunState {
  let s = initialRunState();
  for (const e of events) s = reduceRun(s, e);
  return s;
}

function baseName(p: string): string | null {
  if (!p) return null;
  const m = /[^/\\]+$/.exec(p);
  return m ? m[0] : p;
}

// ---------------------------------------------------------------------------------------
// report.json

export interface ReportAction {
  readonly state: ActionState;
  readonly reason: string | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly attempts: number;
  readonly readyAt: number | null;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly dependsOn: readonly string[] | null;
  readonly command: string | null;
  readonly description: string | null;
  /** SPEC §10: when a service became ready; null otherwise. */
  readonly servingAt: number | null;
}

export interface ParsedReport {
  readonly runId: string;
  readonly graphFile: string | null;
  readonly startedAt: number;
  readonly finishedAt: number | null;
  readonly result: 'succeeded' | 'failed' | 'canceled' | null;
  /** In the report's key order. */
  readonly actions: readonly (readonly [string, ReportAction])[];
}

export type ReportParse = { readonly ok: true; readonly report: ParsedReport } | { readonly ok: false; readonly error: string };

const STATES: ReadonlySet<string> = new Set(['pending', 'ready', 'running', 'serving', 'succeeded', 'failed', 'canceled', 'skipped']);

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
function numOrNull(x: unknown): number | null | undefined {
  if (x === null || x === undefined) return null;
  return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
}
function strOrNull(x: unknown): string | null {
  return typeof x === 'string' ? x : null;
}

/** Parses and validates a `report.json` text. Never throws; a clear error for corrupt input. */
export function parseReport(text: string): ReportParse {
  if (text.trim() === '') return { ok: false, error: 'the report is empty (the run may still be writing it)' };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { ok: false, error: `the report is not valid JSON (corrupt or half-written): ${msg}` };
  }
  if (!isObj(data)) return { ok: false, error: 'the report is not a JSON object' };
  if (data['version'] !== 1) return { ok: false, error: `unsupported report version ${JSON.stringify(data['version'])} (expected 1)` };
  const startedAt = numOrNull(data['startedAt']);
  if (startedAt === undefined || startedAt === null) return { ok: false, error: 'the report has no numeric "startedAt"' };
  const finishedAt = numOrNull(data['finishedAt']);
  if (finishedAt === undefined) return { ok: false, error: '"finishedAt" must be a number or null' };
  const result = data['result'];
  if (result !== null && result !== undefined && result !== 'succeeded' && result !== 'failed' && result !== 'canceled') {
    return { ok: false, error: `unknown run result ${JSON.stringify(result)}` };
  }
  const acts = data['actions'];
  if (!isObj(acts)) return { ok: false, error: 'the report has no "actions" object' };
  const actions: [string, ReportAction][] = [];
  for (const [id, raw] of Object.entries(acts)) {
    if (!isObj(raw)) return { ok: false, error: `action '${id}' is not an object` };
    const state = raw['state'];
    if (typeof state !== 'string' || !STATES.has(state)) return { ok: false, error: `action '${id}' has an unknown state ${JSON.stringify(state)}` };
    const times: Record<string, number | null> = {};
    for (const k of ['readyAt', 'startedAt', 'finishedAt', 'exitCode'] as const) {
      const v = numOrNull(raw[k]);
      if (v === undefined) return { ok: false, error: `action '${id}': "${k}" must be a number or null` };
      times[k] = v;
    }
    const attempts = raw['attempts'];
    const dependsOn = Array.isArray(raw['dependsOn']) && raw['dependsOn'].every((d) => typeof d === 'string') ? (raw['dependsOn'] as string[]) : null;
    const cmd = raw['command'];
    const command = typeof cmd === 'string' ? cmd : Array.isArray(cmd) && cmd.every((c) => typeof c === 'string') ? (cmd as string[]).join(' ') : null;
    actions.push([
      id,
      {
        state: state as ActionState,
        reason: strOrNull(raw['reason']),
        exitCode: times['exitCode'] ?? null,
        signal: strOrNull(raw['signal']),
        attempts: typeof attempts === 'number' && Number.isInteger(attempts) && attempts >= 0 ? attempts : times['startedAt'] !== null ? 1 : 0,
        readyAt: times['readyAt'] ?? null,
        startedAt: times['startedAt'] ?? null,
        finishedAt: times['finishedAt'] ?? null,
        dependsOn,
        command,
        description: strOrNull(raw['description']),
        servingAt: numOrNull(raw['servingAt']) ?? null,
      },
    ]);
  }
  return {
    ok: true,
    report: {
      runId: typeof data['runId'] === 'string' ? data['runId'] : '',
      graphFile: strOrNull(data['graphFile']),
      startedAt,
      finishedAt,
      result: (result ?? null) as ParsedReport['result'],
      actions,
    },
  };
}

/**
 * Chart input from a report. Per-attempt times come from `events` (the run's events.jsonl)
 * when given; otherwise each action gets one bar from its start to its finish.
 */
export function inputFromReport(report: ParsedReport, info?: GraphInfo, events?: readonly RunEvent[]): GanttInput {
  const replay = events && events.length > 0 ? stateFromEvents(events) : null;
  const byId = new Map(report.actions);
  const depMap = new Map<string, readonly string[]>();
  for (const [id, a] of report.actions) depMap.set(id, a.dependsOn ?? info?.get(id)?.dependsOn ?? []);
  const order = topoOrder(
    [...byId.keys()],
    (id) => depMap.get(id) ?? [],
  );
  const actions: GanttAction[] = [];
  for (const id of order) {
    const a = byId.get(id)!;
    const i = info?.get(id);
    const replayed = replay?.actions.get(id);
    const attempts =
      replayed && replayed.attempts.length > 0
        ? replayed.attempts.map((t) => ({ ...(t.queuedAt !== undefined ? { queuedAt: t.queuedAt } : {}), startedAt: t.startedAt, finishedAt: t.finishedAt ?? a.finishedAt }))
        : a.startedAt !== null
          ? [{ startedAt: a.startedAt, finishedAt: a.finishedAt }]
          : [];
    actions.push({
      id,
      dependsOn: depMap.get(id) ?? [],
      state: a.state,
      readyAt: a.readyAt,
      attempts,
      finishedAt: a.finishedAt,
      reason: a.reason,
      exitCode: a.exitCode,
      signal: a.signal,
      command: a.command ?? i?.command ?? null,
      description: a.description ?? i?.description ?? null,
      estimateMs: null,
      group: i?.group ?? null,
      ...(replayed?.servingAt !== undefined ? { servingAt: replayed.servingAt } : a.servingAt !== null ? { servingAt: a.servingAt } : {}),
      ...(replayed ? usageOf(replayed.attempts) : {}),
    });
  }
  return {
    runId: report.runId,
    title: baseName(report.graphFile ?? '') ?? report.runId,
    startedAt: report.startedAt,
    // A report is final: a missing finish (crashed writer) ends at the last known time.
    finishedAt: report.finishedAt ?? lastTime(report),
    result: report.result,
    actions,
    pauses: replay?.pauses ?? [],
  };
}

function lastTime(report: ParsedReport): number {
  let t = report.startedAt;
  for (const [, a] of report.actions) for (const v of [a.readyAt, a.startedAt, a.finishedAt]) if (v !== null && v > t) t = v;
  return t;
}

/** Parses events.jsonl text, skipping a torn last line; invalid lines are dropped. */
export function parseEventsJsonl(text: string): RunEvent[] {
  const out: RunEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e: unknown = JSON.parse(line);
      if (isObj(e) && typeof e['type'] === 'string' && typeof e['time'] === 'number') out.push(e as unknown as RunEvent);
    } catch {
      // torn or corrupt line: ignore
    }
  }
  return out;
}
