/**
 * Loads a run folder (`.actiontree/runs/<run-id>`) for `actiontree trace` and `actiontree
 * report`: its report.json when there is one, else what its events.jsonl says (a run that
 * crashed or is still going), else a clear message. Never throws.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { analyzeText } from '../core/analyze';
import { graphInfo, inputFromReport, inputFromRunState, parseReport, stateFromEvents, type GraphInfo } from '../core/gantt/input';
import type { GanttInput } from '../core/gantt/model';
import type { Graph } from '../core/model';
import type { RunEvent } from '../core/run/events';
import { readEvents, readReportFile, runStatus } from '../runner/history';

export interface LoadedRun {
  readonly dir: string;
  readonly input: GanttInput;
  /** Where the times came from. */
  readonly source: 'report' | 'events';
  /** report.json as parsed JSON (host, cpus, keepGoing, graphHash…), when there is one. */
  readonly raw: Readonly<Record<string, unknown>> | null;
  readonly events: readonly RunEvent[];
  readonly graphFile: string | null;
  /** The graph file as it is now (it may have changed since the run), when readable. */
  readonly graph: Graph | null;
  /** Notes for the user (e.g. "no report.json: drawn from events.jsonl"). */
  readonly notes: readonly string[];
}

export type LoadResult = { readonly ok: true; readonly run: LoadedRun } | { readonly ok: false; readonly message: string };

async function readText(p: string): Promise<{ ok: true; text: string } | { ok: false; code: string; message: string }> {
  try {
    return { ok: true, text: await fs.readFile(p, 'utf8') };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { ok: false, code: err.code ?? 'EIO', message: err.message };
  }
}

/** The newest folder under `runsDir` (run ids sort by time), with or without a report. */
async function newestRun(runsDir: string): Promise<string | null> {
  try {
    const names = (await fs.readdir(runsDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    names.sort();
    const last = names[names.length - 1];
    return last === undefined ? null : path.join(runsDir, last);
  } catch {
    return null;
  }
}

/** Resolves `arg` (RUN-DIR, its report.json or events.jsonl; default the newest run under cwd). */
export async function locateRunDir(arg: string | undefined, cwd: string): Promise<{ ok: true; dir: string } | { ok: false; message: string }> {
  if (arg === undefined) {
    const runs = path.join(cwd, '.actiontree', 'runs');
    const dir = await newestRun(runs);
    return dir ? { ok: true, dir } : { ok: false, message: `no run under ${runs} (run 'actiontree run' first, or pass a RUN-DIR)` };
  }
  const p = path.resolve(cwd, arg);
  let st;
  try {
    st = await fs.stat(p);
  } catch {
    return { ok: false, message: `${arg}: no such file or directory` };
  }
  return { ok: true, dir: st.isDirectory() ? p : path.dirname(p) };
}

export async function loadRun(arg: string | undefined, cwd: string): Promise<LoadResult> {
  const loc = await locateRunDir(arg, cwd);
  if (!loc.ok) return loc;
  const dir = loc.dir;
  const notes: string[] = [];
  // Bounded reads of regular files only (src/runner/history.ts): a hostile run folder
  // (a FIFO, a link to /dev/zero, a huge file) gives a message, not a hang.
  const status = await runStatus(dir);
  const ev = await readEvents(dir);
  const events = ev.ok ? ev.events : [];
  let raw: Record<string, unknown> | null = null;
  let reportError: string | null = null;
  let parsed = null;
  if (status.kind === 'report') {
    const rep = await readReportFile(path.join(dir, 'report.json'));
    if (rep.ok) {
      const text = rep.bytes.toString('utf8');
      const r = parseReport(text);
      if (r.ok) {
        parsed = r.report;
        try {
          raw = JSON.parse(text) as Record<string, unknown>;
        } catch {
          raw = null;
        }
      } else reportError = `report.json: ${r.error}`;
    } else reportError = `cannot read report.json: ${rep.reason}`;
  } else reportError = 'no report.json';

  const started = events.find((e) => e.type === 'run-started');
  const graphFile = parsed?.graphFile ?? (started?.type === 'run-started' ? (started.graphFile ?? null) : null);
  let graph: Graph | null = null;
  let info: GraphInfo | undefined;
  if (graphFile) {
    const g = await readText(graphFile);
    if (g.ok) {
      graph = analyzeText(g.text).graph;
      info = graphInfo(graph);
    }
  }

  if (parsed) {
    return { ok: true, run: { dir, input: inputFromReport(parsed, info, events), source: 'report', raw, events, graphFile, graph, notes } };
  }
  if (!started) {
    const evWhy = ev.ok ? 'its events.jsonl has no run-started event' : ev.kind === 'missing' ? 'no events.jsonl either' : `cannot read events.jsonl: ${ev.reason}`;
    return { ok: false, message: `${dir} is not a readable run folder: ${reportError}, and ${evWhy}` };
  }
  const state = stateFromEvents(events);
  const why =
    status.kind === 'live'
      ? `the run is still in progress (runner pid ${status.pid}): drawn from events.jsonl so far`
      : state.status === 'finished'
        ? 'drawn from events.jsonl'
        : 'the run ended without a report (its runner was killed or crashed): drawn from events.jsonl';
  notes.push(`${reportError} in ${dir}; ${why} (${events.length} events)`);
  const title = graphFile ? `${path.basename(graphFile)}${status.kind === 'live' ? ' (in progress)' : state.status === 'finished' ? '' : ' (ended without a report)'}` : undefined;
  const input = inputFromRunState(state, info, title);
  // An unfinished run ends, for drawing, at its last event.
  const fixed: GanttInput = input.finishedAt === null ? { ...input, finishedAt: state.lastEventTime ?? input.startedAt } : input;
  return { ok: true, run: { dir, input: fixed, source: 'events', raw: null, events, graphFile, graph, notes } };
}
