/**
 * A run as a Chrome trace (the Trace Event Format read by Perfetto and chrome://tracing):
 * one complete event (`ph: "X"`) per attempt of an action, on one track per CPU slot, the
 * way ninjatracing lays out a ninja log: each attempt goes to the lowest-numbered track that
 * is free at its start, so the attempts of one track never overlap. A service (SPEC §10)
 * gives its CPU slot back once it is ready: its start-up stays on a slot track, what follows
 * (serving, until it is stopped) goes to tracks of their own named "service N", so the slot
 * tracks show at most as many attempts at once as the slots allow. Pure: GanttInput in, a
 * JSON-ready object out (times in microseconds relative to the run's start).
 */
import type { GanttInput } from './gantt/model';

export interface TraceEvent {
  readonly name: string;
  readonly cat?: string;
  readonly ph: 'X' | 'M' | 'i';
  /** Microseconds since the run started. */
  readonly ts: number;
  readonly dur?: number;
  readonly pid: number;
  readonly tid: number;
  readonly s?: 'g' | 'p' | 't';
  readonly args?: Readonly<Record<string, string | number | null>>;
}

export interface TraceDocument {
  readonly traceEvents: readonly TraceEvent[];
  readonly displayTimeUnit: 'ms';
  readonly otherData: Readonly<Record<string, string | number | null>>;
}

const PID = 1;

/** µs, rounded to 0.001 µs so the numbers stay short and exact enough. */
function us(ms: number): number {
  return Math.round(ms * 1_000_000) / 1000;
}

interface Slice {
  readonly action: string;
  readonly attempt: number;
  readonly attempts: number;
  readonly start: number;
  readonly end: number;
  readonly state: string;
  readonly reason: string | null;
  readonly command: string | null;
  /** A service's part after readiness: on the service tracks. */
  readonly serving: boolean;
}

/** Lowest-numbered track free at `start` (ninjatracing), or a new one; `ends` is updated. */
function place(ends: number[], start: number, end: number): number {
  let i = ends.findIndex((e) => e <= start);
  if (i < 0) {
    i = ends.length;
    ends.push(end);
  } else ends[i] = end;
  return i;
}

/**
 * Builds the trace. An attempt still running (no finish time) ends at the run's finish or,
 * failing that, at the latest time in the input.
 */
export function buildTrace(input: GanttInput, meta: Readonly<Record<string, string | number | null>> = {}): TraceDocument {
  let last = input.finishedAt ?? input.startedAt;
  for (const a of input.actions) {
    for (const t of a.attempts) last = Math.max(last, t.startedAt, t.finishedAt ?? t.startedAt);
    if (a.finishedAt !== null) last = Math.max(last, a.finishedAt);
  }
  const slices: Slice[] = [];
  for (const a of input.actions) {
    a.attempts.forEach((t, i) => {
      const isLast = i === a.attempts.length - 1;
      const end = Math.max(t.startedAt, t.finishedAt ?? last);
      const base = { action: a.id, attempt: i + 1, attempts: a.attempts.length, state: isLast ? a.state : 'failed', reason: isLast ? a.reason : 'retried', command: a.command };
      const ready = isLast && a.servingAt !== undefined && a.servingAt !== null && a.servingAt >= t.startedAt && a.servingAt <= end ? a.servingAt : null;
      if (ready === null) slices.push({ ...base, start: t.startedAt, end, serving: false });
      else {
        slices.push({ ...base, start: t.startedAt, end: ready, serving: false });
        slices.push({ ...base, start: ready, end, serving: true });
      }
    });
  }
  // Deterministic: by start, then longer first, then id.
  slices.sort((x, y) => x.start - y.start || y.end - x.end || (x.action < y.action ? -1 : x.action > y.action ? 1 : x.attempt - y.attempt));
  const trackEnds: number[] = [];
  const serviceEnds: number[] = [];
  const placed = slices.map((s) => (s.serving ? -1 - place(serviceEnds, s.start, s.end) : place(trackEnds, s.start, s.end)));
  const events: TraceEvent[] = [];
  const t0 = input.startedAt;
  slices.forEach((s, k) => {
    const p = placed[k] as number;
    // Service tracks come after the slot tracks.
    const tid = p >= 0 ? p : trackEnds.length - 1 - p;
    const args: Record<string, string | number | null> = { action: s.action, state: s.state };
    if (s.serving) args['phase'] = 'serving';
    if (s.attempts > 1) args['attempt'] = s.attempt;
    if (s.reason !== null) args['reason'] = s.reason;
    if (s.command !== null) args['command'] = s.command;
    events.push({
      name: `${s.action}${s.attempts > 1 ? ` (attempt ${s.attempt})` : ''}${s.serving ? ' (serving)' : ''}`,
      cat: s.serving ? 'serving' : s.state,
      ph: 'X',
      ts: us(s.start - t0),
      dur: us(s.end - s.start),
      pid: PID,
      tid: tid + 1,
      args,
    });
  });
  const names = [...trackEnds.map((_, i) => `slot ${i + 1}`), ...serviceEnds.map((_, i) => `service ${i + 1}`)];
  const metaEvents: TraceEvent[] = [
    { name: 'process_name', ph: 'M', ts: 0, pid: PID, tid: 0, args: { name: input.title || 'actiontree run' } },
    ...names.map((name, i): TraceEvent => ({ name: 'thread_name', ph: 'M', ts: 0, pid: PID, tid: i + 1, args: { name } })),
    ...names.map((_, i): TraceEvent => ({ name: 'thread_sort_index', ph: 'M', ts: 0, pid: PID, tid: i + 1, args: { sort_index: i + 1 } })),
  ];
  return {
    traceEvents: [...metaEvents, ...events],
    displayTimeUnit: 'ms',
    otherData: {
      runId: input.runId,
      result: input.result,
      startedAt: new Date(input.startedAt).toISOString(),
      ...meta,
    },
  };
}
