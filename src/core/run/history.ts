/**
 * Pure helpers for reading run records (docs/records.md "Reading records"): which graph file
 * a record belongs to, duration estimates from a parsed report, whether an events list can be
 * drawn. The file access lives in src/runner/history.ts.
 */
import type { RunEvent } from './events';

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * The `graphFile` of a report from the first bytes of its text (the runner writes it as the
 * third key). Only a pre-filter: a report that looks like this graph's is parsed in full and
 * its parsed `graphFile` decides. null when not found in the head.
 */
export function graphFileFromHead(head: string): string | null {
  const m = /"graphFile"\s*:\s*("(?:[^"\\]|\\.)*")/.exec(head);
  if (!m) return null;
  try {
    const v: unknown = JSON.parse(m[1]!);
    return typeof v === 'string' ? v : null;
  } catch {
    return null;
  }
}

/** `graphFile` of a parsed report or run-started event, or null. */
export function recordedGraphFile(data: unknown): string | null {
  return isObj(data) && typeof data['graphFile'] === 'string' ? data['graphFile'] : null;
}

/**
 * Adds to `out` the duration of every action that succeeded in `report` (a parsed
 * `report.json`) and has none yet: `durationMs`, else `finishedAt - startedAt`. Ids come
 * from the file: `out` is a Map, so `__proto__` or `constructor` are ordinary keys.
 */
export function addEstimates(report: unknown, out: Map<string, number>, wanted?: ReadonlySet<string>): void {
  if (!isObj(report)) return;
  const actions = report['actions'];
  if (!isObj(actions)) return;
  for (const id of Object.keys(actions)) {
    if (out.has(id) || (wanted !== undefined && !wanted.has(id))) continue;
    const a = actions[id];
    if (!isObj(a) || a['state'] !== 'succeeded') continue;
    const dm = a['durationMs'];
    const s = a['startedAt'];
    const f = a['finishedAt'];
    const d = typeof dm === 'number' ? dm : typeof s === 'number' && typeof f === 'number' ? f - s : NaN;
    if (Number.isFinite(d) && d >= 0) out.set(id, d);
  }
}

/** Adds each action's learned peak memory (SPEC §8) from one report: succeeded and measured, first seen wins. */
export function addLearnedMemory(report: unknown, out: Map<string, number>, wanted?: ReadonlySet<string>): void {
  if (!isObj(report)) return;
  const actions = report['actions'];
  if (!isObj(actions)) return;
  for (const id of Object.keys(actions)) {
    if (out.has(id) || (wanted !== undefined && !wanted.has(id))) continue;
    const a = actions[id];
    if (!isObj(a) || a['state'] !== 'succeeded') continue;
    const peak = a['peakRssBytes'];
    if (typeof peak === 'number' && Number.isFinite(peak) && peak > 0) out.set(id, peak);
  }
}

/**
 * Why a list of events (an `events.jsonl`) cannot be replayed, or null when it can: the first
 * event must be a `run-started` with a `runId` and an `actions` list of strings.
 */
export function eventsProblem(events: readonly RunEvent[]): string | null {
  if (events.length === 0) return 'it has no events';
  const first = events[0] as unknown as Record<string, unknown>;
  if (first['type'] !== 'run-started') return `its first event is '${String(first['type'])}', not 'run-started'`;
  if (typeof first['runId'] !== 'string') return `its run-started event has no "runId"`;
  const acts = first['actions'];
  if (!Array.isArray(acts) || !acts.every((a) => typeof a === 'string')) return `its run-started event has no "actions" list`;
  return null;
}

/** Time of the last event (what a run that ended without a report last showed). */
export function lastEventTime(events: readonly RunEvent[]): number | null {
  let t: number | null = null;
  for (const e of events) if (typeof e.time === 'number' && Number.isFinite(e.time) && (t === null || e.time > t)) t = e.time;
  return t;
}
