import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunEvent, RunResult, FinalActionState } from '../core/run/events';
import type { Job, RunPlan } from '../core/run/plan';
import type { RunSummary } from '../core/run/scheduler';
import type { AttemptState } from '../core/run/state';
import { RUNNER_FILE, runnerMark } from './history';
import type { HookRecord } from './hooks';
import { runsDir } from './paths';

/**
 * Run records (SPEC §4, docs/records.md): `.actiontree/runs/<run-id>/events.jsonl`,
 * `report.json`, `logs/<file-safe id>.log`.
 */

export const REPORT_VERSION = 1;
/** events.jsonl keeps at most this many characters of one output event's text. */
export const EVENT_TEXT_CAP = 8 * 1024;
/** ... and at most this many characters of output per action in total (the log has all). */
export const ACTION_TEXT_CAP = 1024 * 1024;

export type Created = { readonly ok: true; readonly dir: string; readonly logDir: string } | { readonly ok: false; readonly message: string };

/** Creates the run folder and checks it can be written, before anything starts. */
export function createRunDir(graphFile: string, runId: string): Created {
  const dir = path.join(runsDir(graphFile), runId);
  const logDir = path.join(dir, 'logs');
  try {
    fs.mkdirSync(logDir, { recursive: true });
    // runner.json (pid and host of this runner) also proves the folder can be written; it is
    // removed once report.json is written, so a run folder with it and no report whose pid is
    // gone ended without a report (history.ts runStatus).
    fs.writeFileSync(path.join(dir, RUNNER_FILE), JSON.stringify(runnerMark()) + '\n');
  } catch (e: unknown) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
    const why = code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'permission denied' : e instanceof Error ? e.message : String(e);
    return { ok: false, message: `cannot write the run records folder ${dir}: ${why}` };
  }
  return { ok: true, dir, logDir };
}

/**
 * Appends events to `events.jsonl`, one JSON object per line. Lines are gathered and written
 * with one synchronous append per event-loop turn, so a killed runner leaves every event up
 * to its last turn, each line whole. Output text is capped (EVENT_TEXT_CAP per event,
 * ACTION_TEXT_CAP per action); a capped event carries `truncated: <characters left out>`.
 */
export class EventsWriter {
  private fd: number | null;
  private buf: string[] = [];
  private scheduled = false;
  private readonly perAction = new Map<string, number>();
  private failedMessage: string | null = null;

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'a');
  }

  write(e: RunEvent): void {
    if (this.fd === null) return;
    let line: string;
    if (e.type === 'action-output') {
      const used = this.perAction.get(e.action) ?? 0;
      const room = Math.max(0, Math.min(EVENT_TEXT_CAP, ACTION_TEXT_CAP - used));
      if (room === 0) {
        this.perAction.set(e.action, used + e.text.length);
        return; // past the per-action cap: only the log has it (see action-finished.outputOmitted)
      }
      const text = e.text.length > room ? e.text.slice(0, room) : e.text;
      this.perAction.set(e.action, used + e.text.length);
      line = JSON.stringify(text.length < e.text.length ? { ...e, text, truncated: e.text.length - text.length } : e);
    } else if (e.type === 'action-finished') {
      const used = this.perAction.get(e.action) ?? 0;
      line = JSON.stringify(used > ACTION_TEXT_CAP ? { ...e, outputOmitted: used - ACTION_TEXT_CAP } : e);
    } else {
      line = JSON.stringify(e);
    }
    this.buf.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.fd === null || this.buf.length === 0) return;
    const data = this.buf.join('\n') + '\n';
    this.buf = [];
    try {
      fs.writeSync(this.fd, data);
    } catch (e: unknown) {
      this.failedMessage = e instanceof Error ? e.message : String(e);
    }
  }

  /** A write error seen so far (the run goes on; the report says so). */
  get error(): string | null {
    return this.failedMessage;
  }

  close(): void {
    this.flush();
    if (this.fd !== null) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = null;
    }
  }
}

/** One attempt in the report: the same shape the shared reducer keeps. */
export type ReportAttempt = AttemptState;

export interface ReportAction {
  readonly state: FinalActionState;
  readonly reason: string | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly attempts: number;
  readonly pendingAt: number | null;
  readonly readyAt: number | null;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  /** finishedAt - startedAt of the last attempt (what estimates use); null when it never ran. */
  readonly durationMs: number | null;
  readonly cpus: number;
  readonly resources: Readonly<Record<string, number>>;
  /** Relative to the run folder; null when the action wrote no output. */
  readonly log: string | null;
  /** Why the log is incomplete or missing (a full disk, an unwritable folder); null when it has every byte. */
  readonly logError: string | null;
  readonly dependsOn: readonly string[];
  /** SPEC §8: of the last attempt's process tree (peak resident bytes; user + system ms), when measured. */
  readonly peakRssBytes?: number;
  readonly cpuTimeMs?: number;
  /** SPEC §8: the memory (bytes) it held for admission: declared, or learned from an earlier run. */
  readonly memory?: number;
  /** SPEC §10: the locks it held while running (name -> "shared" | "exclusive"), when it takes any. */
  readonly locks?: Readonly<Record<string, 'shared' | 'exclusive'>>;
  readonly attemptDetails: readonly ReportAttempt[];
  /** Incremental runs (SPEC §7): the fingerprint computed for this run; null when the action was never checked (canceled before it was ready). */
  readonly fingerprint?: string | null;
  /** Why it ran (SPEC §7 reasons), when it ran. */
  readonly why?: readonly string[];
  /** Services (SPEC §10) only: when it became ready (its service-ready event); null when it never did. `readyAt` keeps its SPEC §4 meaning (dependencies done). */
  readonly servingAt?: number | null;
}

export interface Report {
  readonly version: number;
  readonly runId: string;
  readonly graphFile: string;
  readonly graphHash: string;
  readonly graphName: string | null;
  readonly host: { readonly hostname: string; readonly platform: string; readonly cpus: number; readonly node: string };
  readonly cpus: number;
  readonly keepGoing: boolean;
  readonly selection: readonly string[];
  readonly resources: Readonly<Record<string, number | 'unlimited'>>;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly result: RunResult;
  readonly actions: Readonly<Record<string, ReportAction>>;
  /** Incremental runs: input patterns that matched no file, state problems (absent when none). */
  readonly warnings?: readonly string[];
  /** SPEC §10: every hook that ran (or was not run), in the order they ended; absent when the graph has no hooks. */
  readonly hooks?: readonly HookRecord[];
}

/** An attempt being recorded: mutable while the run goes on (finished in place, no copy per event). */
type OpenAttempt = { -readonly [K in keyof ReportAttempt]: ReportAttempt[K] };

/** How an attempt ended, as action-finished or a retry's `previous` says it (absent: nothing known). */
function finishAttempt(
  a: OpenAttempt,
  finishedAt: number,
  end: { readonly reason: string | null; readonly exitCode: number | null; readonly signal: string | null; readonly peakRssBytes?: number; readonly cpuTimeMs?: number } | undefined,
): void {
  a.finishedAt = finishedAt;
  a.reason = end?.reason ?? null;
  a.exitCode = end?.exitCode ?? null;
  a.signal = end?.signal ?? null;
  if (end?.peakRssBytes !== undefined) a.peakRssBytes = end.peakRssBytes;
  if (end?.cpuTimeMs !== undefined) a.cpuTimeMs = end.cpuTimeMs;
}

/** Collects per-attempt details from the event stream (the summary only has the totals). */
export class AttemptLog {
  private readonly byAction = new Map<string, OpenAttempt[]>();
  /** action-queued time of the attempt about to start (Slurm), by action. */
  private readonly queued = new Map<string, number>();

  observe(e: RunEvent): void {
    if (e.type === 'action-queued') {
      this.queued.set(e.action, e.time);
    } else if (e.type === 'action-started') {
      const queuedAt = this.queued.get(e.action);
      if (queuedAt !== undefined) this.queued.delete(e.action);
      let list = this.byAction.get(e.action);
      if (list === undefined) this.byAction.set(e.action, (list = []));
      const last = list[list.length - 1];
      // A retry: the previous attempt ends as the event says (or now, when it does not).
      if (last !== undefined && last.finishedAt === null) finishAttempt(last, e.previous?.finishedAt ?? e.time, e.previous);
      list.push({
        attempt: e.attempt,
        ...(queuedAt !== undefined ? { queuedAt: Math.min(queuedAt, e.time) } : {}),
        ...(e.ref !== undefined ? { ref: e.ref } : {}),
        startedAt: e.time,
        finishedAt: null,
        pid: e.pid,
        reason: null,
        exitCode: null,
        signal: null,
      });
    } else if (e.type === 'action-finished') {
      const list = this.byAction.get(e.action);
      const last = list?.[list.length - 1];
      if (last !== undefined && last.finishedAt === null) finishAttempt(last, e.time, e);
    }
  }

  get(id: string): readonly ReportAttempt[] {
    return this.byAction.get(id) ?? [];
  }
}

export function buildReport(args: {
  /** The graph's display name (`name`), null when it has none. */
  graphName: string | null;
  /** What ran: per-job needs and dependencies, declared resources. */
  plan: Pick<RunPlan, 'jobs' | 'resources'>;
  graphFile: string;
  graphHash: string;
  cpus: number;
  keepGoing: boolean;
  summary: RunSummary;
  attempts: AttemptLog;
  logOf: (id: string) => string | null;
  logErrorOf?: (id: string) => string | null;
  /** Incremental runs: fingerprints, reasons and warnings (omitted: none of these fields). */
  incremental?: {
    fingerprintOf(id: string): string | null;
    whyOf(id: string): readonly string[] | undefined;
    readonly warnings: readonly string[];
  };
  /** SPEC §10: the hooks' records (omitted: the graph has no hooks). */
  hooks?: readonly HookRecord[];
}): Report {
  const { plan, summary } = args;
  const jobs = new Map<string, Job>();
  for (const j of plan.jobs) if (!jobs.has(j.id)) jobs.set(j.id, j);
  // Id-keyed objects are built with Object.fromEntries, which defines own keys: an action or
  // resource named `__proto__` is a key like any other (`obj[id] = …` would set the
  // prototype instead and drop it from the JSON).
  const actions = Object.fromEntries(
    summary.actions.map((s): [string, ReportAction] => {
      const a = jobs.get(s.id);
      const details = args.attempts.get(s.id);
      const last = details[details.length - 1];
      const resources: Record<string, number> = Object.fromEntries((a?.needs.resources ?? []).map((r) => [r.name, r.amount]));
      const log = args.logOf(s.id);
      return [
        s.id,
        {
          state: s.state,
          reason: s.reason,
          exitCode: s.exitCode,
          signal: s.signal,
          attempts: s.attempts,
          pendingAt: s.pendingAt,
          readyAt: s.readyAt,
          startedAt: s.startedAt,
          finishedAt: s.finishedAt,
          ...(s.servingAt !== undefined ? { servingAt: s.servingAt } : {}),
          durationMs: last !== undefined && last.finishedAt !== null ? last.finishedAt - last.startedAt : null,
          cpus: a?.needs.cpus ?? 1,
          resources,
          log: log === null ? null : `logs/${log}`,
          logError: args.logErrorOf?.(s.id) ?? null,
          dependsOn: a?.deps ?? [],
          ...(last?.peakRssBytes !== undefined ? { peakRssBytes: last.peakRssBytes } : {}),
          ...(last?.cpuTimeMs !== undefined ? { cpuTimeMs: last.cpuTimeMs } : {}),
          ...(a?.needs.memory !== undefined ? { memory: a.needs.memory } : {}),
          ...(a?.needs.locks !== undefined && a.needs.locks.length > 0 ? { locks: Object.fromEntries(a.needs.locks.map((l) => [l.name, l.mode])) } : {}),
          attemptDetails: details,
          ...incrementalFields(args.incremental, s.id, s.startedAt !== null),
        },
      ];
    }),
  );
  const resources: Record<string, number | 'unlimited'> = Object.fromEntries(
    plan.resources.map((r) => [r.name, Number.isFinite(r.capacity) ? r.capacity : 'unlimited']),
  );
  return {
    version: REPORT_VERSION,
    runId: summary.runId,
    graphFile: args.graphFile,
    graphHash: args.graphHash,
    graphName: args.graphName,
    host: { hostname: os.hostname(), platform: process.platform, cpus: os.availableParallelism(), node: process.version },
    cpus: args.cpus,
    keepGoing: args.keepGoing,
    selection: summary.actions.map((a) => a.id),
    resources,
    startedAt: summary.startedAt,
    finishedAt: summary.finishedAt,
    result: summary.result,
    actions,
    ...(args.incremental !== undefined && args.incremental.warnings.length > 0 ? { warnings: args.incremental.warnings } : {}),
    ...(args.hooks !== undefined ? { hooks: args.hooks } : {}),
  };
}

/** `fingerprint` and, when it ran, `why` (incremental runs); nothing without a session. */
function incrementalFields(
  inc: { fingerprintOf(id: string): string | null; whyOf(id: string): readonly string[] | undefined } | undefined,
  id: string,
  started: boolean,
): { fingerprint?: string | null; why?: readonly string[] } {
  if (inc === undefined) return {};
  const why = inc.whyOf(id);
  return { fingerprint: inc.fingerprintOf(id), ...(why !== undefined && started ? { why } : {}) };
}

/** Writes `report.json` atomically: a temp file in the same folder, then rename. */
export function writeReportAtomic(dir: string, report: Report): string {
  const file = path.join(dir, 'report.json');
  const tmp = path.join(dir, `.report.json.${process.pid}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(report, null, 2) + '\n');
  fs.renameSync(tmp, file);
  try {
    fs.unlinkSync(path.join(dir, RUNNER_FILE));
  } catch {
    // already gone
  }
  return file;
}

