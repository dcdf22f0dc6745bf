/**
 * Run history under `.actiontree/runs/` (docs/records.md "Reading records"): the one place
 * that lists run folders, tells which graph file a run belongs to, finds the newest run of a
 * graph file, reads its report and events, and derives duration estimates. Used by the
 * runner (estimates), `actiontree gantt`, the language server's hover and the extension's
 * tree, chart and output channels.
 *
 * The folder may come from a repository (the language server runs in untrusted workspaces),
 * so every read is bounded and safe (src/runner/safeRead.ts): record files are read only
 * when they are regular files (a symbolic link, FIFO, device or folder is refused without
 * being opened), with O_NONBLOCK, within a size bound; run folders that are symbolic links
 * are skipped; at most MAX_RUNS_SCANNED run folders (newest first) of at most
 * MAX_DIR_ENTRIES entries are looked at.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeText, MAX_ANALYZE_SIZE } from '../core/analyze';
import { graphInfo, parseEventsJsonl, type GraphInfo } from '../core/gantt/input';
import type { RunEvent } from '../core/run/events';
import { addEstimates, addLearnedMemory, graphFileFromHead, recordedGraphFile } from '../core/run/history';
import { runsDir } from './paths';
import { readRegularFile, sameSig, sigOf, textOf, type FileSig, type SafeRead } from './safeRead';

/** report.json above this size is not read (a 20,000-action report is about 20 MiB). */
export const REPORT_MAX_BYTES = 64 * 1024 * 1024;
/** events.jsonl above this size is not read (output text in it is capped at 1 MiB per action). */
export const EVENTS_MAX_BYTES = 128 * 1024 * 1024;
/** How much of a report is read to learn its graph file (it is among the first keys). */
export const REPORT_HEAD_BYTES = 16 * 1024;
/** How much of events.jsonl is read for its first line (run-started: actions, estimates). */
export const FIRST_LINE_MAX_BYTES = 4 * 1024 * 1024;
/** Run folders looked at, newest first, when searching for the runs of a graph file. */
export const MAX_RUNS_SCANNED = 200;
/** Entries of `.actiontree/runs` read at most (the newest MAX_RUNS_SCANNED of them are kept). */
export const MAX_DIR_ENTRIES = 100_000;
/** Reports read for duration estimates, newest first. */
export const MAX_ESTIMATE_REPORTS = 10;

export { runsDir };

/** What a reader made of a report: the graph file it names, and its value. */
export interface Parsed<T> {
  readonly graphFile: string | null;
  readonly value: T;
}

/** One run folder of a graph file. */
export interface RunRef {
  readonly dir: string;
  readonly runId: string;
  /** The graph file the run's records name (null when neither record names one). */
  readonly graphFile: string | null;
  /** report.json is a regular file (not yet read in full: it may still be corrupt). */
  readonly hasReport: boolean;
}

/**
 * The names of the run folders in `runs`, newest first (run ids start with their UTC start
 * time), at most `limit`. Entries that are not folders, symbolic links included, and names
 * starting with '.' are skipped. Never throws: an unreadable folder has no runs.
 */
export async function listRunDirs(runs: string, limit = MAX_RUNS_SCANNED): Promise<string[]> {
  let d: fs.Dir;
  try {
    d = await fs.promises.opendir(runs, { bufferSize: 256 });
  } catch {
    return [];
  }
  // Keep the `limit` largest names in ascending order (insertion by binary search).
  const top: string[] = [];
  let seen = 0;
  try {
    for await (const e of d) {
      if (++seen > MAX_DIR_ENTRIES) break;
      if (!e.isDirectory() || e.name.startsWith('.')) continue;
      const name = e.name;
      if (top.length >= limit && name <= top[0]!) continue;
      let lo = 0;
      let hi = top.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (top[mid]! < name) lo = mid + 1;
        else hi = mid;
      }
      top.splice(lo, 0, name);
      if (top.length > limit) top.shift();
    }
  } catch {
    // a folder that vanished or became unreadable while being listed: what was seen so far
  } finally {
    await d.close().catch(() => undefined);
  }
  return top.reverse();
}

/** Reads a record file of a run folder: regular files only, within `maxBytes`. */
export function readRecord(file: string, maxBytes: number, headBytes?: number): Promise<SafeRead> {
  return readRegularFile(file, { maxBytes, ...(headBytes !== undefined ? { headBytes } : {}) });
}

/**
 * report.json of a run folder, bounded by REPORT_MAX_BYTES. `followSymlinks` only for a path
 * the user gave explicitly (even then only a regular file is read).
 */
export function readReportFile(reportPath: string, followSymlinks = false): Promise<SafeRead> {
  return readRegularFile(reportPath, { maxBytes: REPORT_MAX_BYTES, followSymlinks });
}

/** events.jsonl of a run folder, bounded by EVENTS_MAX_BYTES. */
export function readEventsFile(runDir: string): Promise<SafeRead> {
  return readRecord(path.join(runDir, 'events.jsonl'), EVENTS_MAX_BYTES);
}

/** Lines of events.jsonl longer than this are dropped as corrupt (run-started is the longest). */
export const EVENT_LINE_MAX_BYTES = FIRST_LINE_MAX_BYTES;

export type EventsRead = { readonly ok: true; readonly events: RunEvent[] } | Extract<SafeRead, { ok: false }>;

/**
 * events.jsonl of a run folder, parsed (torn and corrupt lines dropped, see parseEventsJsonl).
 * The bytes are decoded about 1 MiB at a time at line boundaries, never as one string, and a
 * line over EVENT_LINE_MAX_BYTES is dropped: the memory is the file's bytes plus the events.
 */
export async function readEvents(runDir: string): Promise<EventsRead> {
  const r = await readEventsFile(runDir);
  if (!r.ok) return r;
  return { ok: true, events: parseEventsBytes(r.bytes) };
}

export function parseEventsBytes(buf: Buffer): RunEvent[] {
  const out: RunEvent[] = [];
  const CHUNK = 1024 * 1024;
  let start = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  while (start < buf.length) {
    // the end of the last whole line within CHUNK bytes (or of the first line, if longer)
    let end = start + CHUNK >= buf.length ? buf.length : buf.lastIndexOf(0x0a, start + CHUNK);
    if (end < start) {
      end = buf.indexOf(0x0a, start);
      if (end < 0) end = buf.length;
      if (end - start > EVENT_LINE_MAX_BYTES) {
        start = end + 1; // one line longer than any event the runner writes: dropped
        continue;
      }
    }
    for (const e of parseEventsJsonl(buf.toString('utf8', start, end))) out.push(e);
    start = end + 1;
  }
  return out;
}

/** The first line of events.jsonl parsed (the run-started event), or null. */
export async function firstEvent(runDir: string): Promise<Record<string, unknown> | null> {
  const r = await readRecord(path.join(runDir, 'events.jsonl'), EVENTS_MAX_BYTES, FIRST_LINE_MAX_BYTES);
  if (!r.ok) return null;
  const nl = r.bytes.indexOf(0x0a);
  if (nl < 0) return null; // no whole line (or one longer than FIRST_LINE_MAX_BYTES)
  try {
    const v: unknown = JSON.parse(r.bytes.toString('utf8', 0, nl));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** In a run folder while its runner works: `{pid, hostname}`; removed once report.json is written. */
export const RUNNER_FILE = 'runner.json';

export interface RunnerMark {
  readonly pid: number;
  readonly hostname: string;
}

export function runnerMark(): RunnerMark {
  return { pid: process.pid, hostname: os.hostname() };
}

/** Whether a process with this pid exists on this machine (EPERM: it exists, not ours). */
function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: unknown) {
    return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'EPERM';
  }
}

export type RunStatus =
  /** Something named report.json is there (not necessarily readable). */
  | { readonly kind: 'report' }
  /** No report; the runner that writes events.jsonl is alive on this machine. */
  | { readonly kind: 'live'; readonly pid: number }
  /** No report and no live runner: killed (SIGKILL, power loss) or crashed. */
  | { readonly kind: 'ended-without-report' }
  /** Neither a report nor events. */
  | { readonly kind: 'empty' };

/**
 * Whether a run folder has a report, is still being written, or ended without a report.
 * A run is live when its RUNNER_FILE names a runner on this host whose process exists.
 * Without it (an older runner, or a run copied from elsewhere), or naming another host or a
 * pid that is gone, a run without a report ended without one.
 */
export async function runStatus(runDir: string): Promise<RunStatus> {
  try {
    // Anything named report.json counts: a reader then says why it cannot read it.
    await fs.promises.lstat(path.join(runDir, 'report.json'));
    return { kind: 'report' };
  } catch {
    // no report
  }
  let hasEvents = false;
  try {
    await fs.promises.lstat(path.join(runDir, 'events.jsonl')); // any kind: the reader says why not
    hasEvents = true;
  } catch {
    hasEvents = false;
  }
  if (!hasEvents) return { kind: 'empty' };
  const mark = await readRecord(path.join(runDir, RUNNER_FILE), 4096);
  if (mark.ok) {
    let runner: unknown;
    try {
      runner = JSON.parse(mark.bytes.toString('utf8'));
    } catch {
      runner = null;
    }
    if (typeof runner === 'object' && runner !== null) {
      const { pid, hostname } = runner as { pid?: unknown; hostname?: unknown };
      if (typeof pid === 'number' && hostname === os.hostname() && pidAlive(pid)) return { kind: 'live', pid };
    }
  }
  return { kind: 'ended-without-report' };
}

/**
 * Finds and reads the runs of one graph file. Runs of every graph file in a folder share its
 * `.actiontree/runs`; a run belongs to `graphFile` when its report (or, without a report,
 * its events' run-started) names the same absolute path (or the same file through a
 * symbolic link of the folder). Keeps a small cache of what each run folder belongs to,
 * keyed by the record's device, inode, size and mtime: a long-lived instance (the server,
 * the extension) does not read the same heads again.
 */
export class RunHistory {
  private readonly owners = new Map<string, { sig: FileSig | null; graphFile: string | null; hasReport: boolean }>();
  private readonly real = new Map<string, string | null>();

  constructor(private readonly maxCached = 1024) {}

  /** What a run folder belongs to: the report's head, else the events' first line. */
  async ownerOf(dir: string): Promise<{ graphFile: string | null; hasReport: boolean }> {
    const reportPath = path.join(dir, 'report.json');
    let sig: FileSig | null = null;
    try {
      const st = await fs.promises.lstat(reportPath);
      if (st.isFile()) sig = { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
    } catch {
      sig = null;
    }
    const hit = this.owners.get(dir);
    if (hit !== undefined && sig !== null && hit.sig !== null && sameSig(hit.sig, sig)) return hit;
    let graphFile: string | null = null;
    let hasReport = false;
    if (sig !== null) {
      const head = await readRecord(reportPath, REPORT_MAX_BYTES, REPORT_HEAD_BYTES);
      if (head.ok) {
        hasReport = true;
        graphFile = graphFileFromHead(head.bytes.toString('utf8'));
      }
    }
    if (graphFile === null) graphFile = recordedGraphFile(await firstEvent(dir));
    const v = { sig: hasReport ? sig : null, graphFile, hasReport };
    // A run without a report is still being written: not cached.
    if (hasReport) {
      this.owners.delete(dir);
      this.owners.set(dir, v);
      if (this.owners.size > this.maxCached) this.owners.delete(this.owners.keys().next().value as string);
    }
    return v;
  }

  private readonly listings = new Map<string, { sig: FileSig; names: string[] }>();

  /** listRunDirs, cached while the folder's own mtime (entries added or removed) is unchanged. */
  private async list(runs: string): Promise<string[]> {
    let sig: FileSig;
    try {
      sig = sigOf(await fs.promises.stat(runs));
    } catch {
      this.listings.delete(runs);
      return [];
    }
    const hit = this.listings.get(runs);
    if (hit !== undefined && sameSig(hit.sig, sig)) return hit.names;
    const names = await listRunDirs(runs);
    this.listings.delete(runs);
    this.listings.set(runs, { sig, names });
    if (this.listings.size > 64) this.listings.delete(this.listings.keys().next().value as string);
    return names;
  }

  /** Whether the path a record names is this graph file. */
  async belongs(recorded: string | null, graphFile: string): Promise<boolean> {
    if (recorded === null) return false;
    if (recorded === graphFile) return true;
    if (path.basename(recorded) !== path.basename(graphFile)) return false;
    const [a, b] = await Promise.all([this.realDir(path.dirname(recorded)), this.realDir(path.dirname(graphFile))]);
    return a !== null && a === b;
  }

  private async realDir(dir: string): Promise<string | null> {
    if (!path.isAbsolute(dir)) return null;
    const hit = this.real.get(dir);
    if (hit !== undefined) return hit;
    let r: string | null;
    try {
      r = await fs.promises.realpath(dir);
    } catch {
      r = null;
    }
    if (this.real.size >= 256) this.real.clear();
    this.real.set(dir, r);
    return r;
  }

  /** The runs of `graphFile`, newest first (at most MAX_RUNS_SCANNED folders are looked at). */
  async *runsOf(graphFile: string, opts: { readonly withReport?: boolean } = {}): AsyncGenerator<RunRef> {
    const runs = runsDir(graphFile);
    for (const name of await this.list(runs)) {
      const dir = path.join(runs, name);
      const o = await this.ownerOf(dir);
      if (opts.withReport === true && !o.hasReport) continue;
      if (!(await this.belongs(o.graphFile, graphFile))) continue;
      yield { dir, runId: name, graphFile: o.graphFile, hasReport: o.hasReport };
    }
  }

  /** The newest run folder of `graphFile` (by default one with a report), or null. */
  async newestRunDir(graphFile: string, opts: { readonly withReport?: boolean } = { withReport: true }): Promise<string | null> {
    for await (const r of this.runsOf(graphFile, opts)) return r.dir;
    return null;
  }

  /**
   * The newest report of `graphFile` that `parse` accepts and that names this graph file:
   * `parse` gets the text and returns the report's `graphFile` and a value (or undefined to
   * skip it). `cached` may answer for a report version (path + FileSig) without reading it.
   * At most `maxTries` reports are looked at.
   */
  async latestReport<T>(
    graphFile: string,
    parse: (text: string, ref: RunRef, sig: FileSig) => Parsed<T> | undefined,
    maxTries = 5,
    cached?: (reportPath: string, sig: FileSig) => { readonly hit: Parsed<T> | undefined } | undefined,
  ): Promise<{ ref: RunRef; value: T } | null> {
    let tries = 0;
    for await (const ref of this.runsOf(graphFile, { withReport: true })) {
      if (++tries > maxTries) break;
      const reportPath = path.join(ref.dir, 'report.json');
      let parsed: Parsed<T> | undefined;
      let known: { readonly hit: Parsed<T> | undefined } | undefined;
      if (cached !== undefined) {
        try {
          known = cached(reportPath, sigOf(await fs.promises.lstat(reportPath)));
        } catch {
          continue;
        }
      }
      if (known !== undefined) {
        parsed = known.hit;
      } else {
        const r = await readReportFile(reportPath);
        if (!r.ok) continue;
        parsed = parse(textOf(r.bytes), ref, r.stat);
      }
      if (parsed !== undefined && (await this.belongs(parsed.graphFile, graphFile))) return { ref, value: parsed.value };
    }
    return null;
  }

  /**
   * Duration estimates from earlier runs of `graphFile`: for each action, its duration in the
   * newest report where it succeeded. Reads at most `maxReports` reports (newest first) and
   * stops once every `wanted` action has one; unreadable, corrupt or foreign reports are
   * skipped.
   */
  async loadEstimates(graphFile: string, wanted?: ReadonlySet<string>, maxReports = MAX_ESTIMATE_REPORTS): Promise<Map<string, number>> {
    return (await this.loadHints(graphFile, wanted, false, maxReports)).estimates;
  }

  /**
   * One pass over the newest reports of `graphFile` for what the next run learns from them:
   * duration estimates and, with `memory`, each action's learned peak memory (SPEC §8: the
   * peak of its last attempt in the newest report where it succeeded and was measured).
   * Same reading rules and bounds as loadEstimates.
   */
  async loadHints(
    graphFile: string,
    wanted: ReadonlySet<string> | undefined,
    memory: boolean,
    maxReports = MAX_ESTIMATE_REPORTS,
  ): Promise<RunHints> {
    const estimates = new Map<string, number>();
    const learned = new Map<string, number>();
    const done = (m: Map<string, number>): boolean => wanted !== undefined && m.size >= wanted.size;
    let read = 0;
    for await (const ref of this.runsOf(graphFile, { withReport: true })) {
      if (read >= maxReports) break;
      if (done(estimates) && (!memory || done(learned))) break;
      const r = await readReportFile(path.join(ref.dir, 'report.json'));
      if (!r.ok) continue;
      let data: unknown;
      try {
        data = JSON.parse(textOf(r.bytes));
      } catch {
        continue;
      }
      read++;
      if (!(await this.belongs(recordedGraphFile(data), graphFile))) continue;
      addEstimates(data, estimates, wanted);
      if (memory) addLearnedMemory(data, learned, wanted);
    }
    return { estimates, memory: learned };
  }
}

/** What the next run learns from earlier ones: duration estimates and learned peak memory (bytes) per action. */
export interface RunHints {
  readonly estimates: Map<string, number>;
  readonly memory: Map<string, number>;
}

/** Shorthands with a throw-away cache (one-shot callers: the CLI, the runner). */
export function loadEstimates(graphFile: string, wanted?: ReadonlySet<string>, maxReports?: number): Promise<Map<string, number>> {
  return new RunHistory().loadEstimates(graphFile, wanted, maxReports);
}

/** Estimates and (with `memory`) learned peaks of the next run, in one pass over the reports. */
export function loadRunHints(graphFile: string, wanted: ReadonlySet<string>, memory: boolean): Promise<RunHints> {
  return new RunHistory().loadHints(graphFile, wanted, memory);
}

/**
 * The newest run folder in `runs` of any graph file that is not still being written (one
 * with a report, or one that ended without a report), or null. For `actiontree gantt`
 * without arguments.
 */
export async function newestFinishedRunIn(runs: string): Promise<{ dir: string; status: RunStatus } | null> {
  for (const name of await listRunDirs(runs)) {
    const dir = path.join(runs, name);
    const status = await runStatus(dir);
    if (status.kind === 'report' || status.kind === 'ended-without-report') return { dir, status };
  }
  return null;
}

/** One instance per process for long-lived callers (the extension): its cache is bounded. */
let shared: RunHistory | undefined;
export function sharedHistory(): RunHistory {
  shared ??= new RunHistory();
  return shared;
}

/**
 * The newest run folder of `graphFile` (by default one with a report), or null. The extension's
 * tree, chart and output channels use it.
 */
export function newestRunDir(graphFile: string, opts: { readonly withReport?: boolean } = { withReport: true }): Promise<string | null> {
  return sharedHistory().newestRunDir(graphFile, opts);
}

/**
 * What the graph file named by a record says (dependencies, commands) for the chart.
 * Optional: a graph file that is gone, not a regular file or too large gives nothing. The
 * path comes from a record, which may be hostile: read under the same rules (links followed,
 * as graph files may be links, but only a regular file within the analysis limit is read).
 */
export async function readGraphInfo(graphFile: string | null | undefined): Promise<GraphInfo | undefined> {
  if (!graphFile || !path.isAbsolute(graphFile)) return undefined;
  const r = await readRegularFile(graphFile, { maxBytes: MAX_ANALYZE_SIZE, followSymlinks: true });
  if (!r.ok) return undefined;
  try {
    return graphInfo(analyzeText(textOf(r.bytes)).graph);
  } catch {
    return undefined;
  }
}
