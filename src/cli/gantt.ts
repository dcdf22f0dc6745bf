/**
 * `actiontree gantt [RUN-DIR|report.json] [-o chart.svg|chart.html]`: the Gantt chart of a
 * finished run, drawn by the same code as the editor's chart (src/core/gantt), as a
 * standalone SVG or a self-contained HTML page (inline styles, no scripts).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { formatClockUtc } from '../core/gantt/format';
import { inputFromReport, inputFromRunState, parseReport, stateFromEvents } from '../core/gantt/input';
import type { GanttInput } from '../core/gantt/model';
import { renderHtmlDocument, renderSvgDocument } from '../core/gantt/export';
import type { RunEvent } from '../core/run/events';
import { eventsProblem, lastEventTime } from '../core/run/history';
import { newestFinishedRunIn, readEvents, readGraphInfo, readReportFile, runStatus } from '../runner/history';
import { textOf } from '../runner/safeRead';
import { EXIT_OK, EXIT_USAGE, parseArgs, type CliCommand, type CliIO } from './command';

const USAGE = `Usage: actiontree gantt [RUN-DIR|report.json] [-o FILE] [--format svg|html] [--width PX] [--utc]

Draws the Gantt chart of a run: one row per action, waiting and running bars per attempt,
dependency arrows, the critical path. The same chart as the editor's Gantt panel.

  RUN-DIR|report.json  a run folder (.actiontree/runs/<run-id>) or its report.json;
                       default: the newest finished run under ./.actiontree/runs
                       (a run that ended without a report, e.g. its runner was
                       killed, is drawn from its events.jsonl)
  -o, --output FILE    where to write (chart.svg or chart.html); default: SVG on stdout
  --format svg|html    output format (default: from the -o extension, else svg)
  --width PX           drawing width in pixels (default 1200)
  --utc                clock times in UTC (default: local time)

Exit status: 0 written, 2 usage error, a run still in progress, or a record that cannot
be read (missing, corrupt, half-written, not a regular file, too large).
`;

function localClock(t: number): string {
  const d = new Date(t);
  const p = (x: number): string => String(x).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * Chart input of a run that ended without a report: it ends at its last event; attempts left
 * open end there too (nothing is "now" any more).
 */
export function endedInput(input: GanttInput, last: number | null): GanttInput {
  const end = Math.max(last ?? input.startedAt, input.startedAt);
  return {
    ...input,
    title: `${input.title} (ended without a report)`,
    finishedAt: input.finishedAt ?? end,
    actions: input.actions.map((a) =>
      a.attempts.some((t) => t.finishedAt === null) ? { ...a, attempts: a.attempts.map((t) => (t.finishedAt === null ? { ...t, finishedAt: end } : t)) } : a,
    ),
  };
}

export const ganttCommand: CliCommand = {
  name: 'gantt',
  summary: 'draw the Gantt chart of a run as SVG or self-contained HTML',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const parsed = parseArgs('gantt', argv, {
      output: { type: 'string', short: 'o' },
      format: { type: 'string', choices: ['svg', 'html'] },
      width: { type: 'string' },
      utc: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (!parsed.ok) {
      io.stderr(`actiontree gantt: ${parsed.message}\n`);
      return EXIT_USAGE;
    }
    const { values, positionals } = parsed;
    if (values['help']) {
      io.stdout(USAGE);
      return EXIT_OK;
    }
    if (positionals.length > 1) {
      io.stderr(`actiontree gantt: expected at most one RUN-DIR or report.json, got ${positionals.length}\n${USAGE}`);
      return EXIT_USAGE;
    }
    const output = typeof values['output'] === 'string' ? values['output'] : undefined;
    let format = typeof values['format'] === 'string' ? values['format'] : undefined;
    if (!format) format = output && /\.html?$/i.test(output) ? 'html' : 'svg';
    const ext = output === undefined ? '' : path.extname(output).toLowerCase();
    if (ext !== '' && ext !== '.svg' && ext !== '.html' && ext !== '.htm') {
      io.stderr(`actiontree gantt: cannot write '${ext}' files: the chart is SVG or HTML; use -o chart.svg or -o chart.html (convert the SVG to ${ext.slice(1).toUpperCase()} with a tool such as rsvg-convert)\n`);
      return EXIT_USAGE;
    }
    let width = 1200;
    if (typeof values['width'] === 'string') {
      width = Number(values['width']);
      if (!Number.isInteger(width) || width < 480 || width > 20000) {
        io.stderr(`actiontree gantt: --width must be an integer between 480 and 20000\n`);
        return EXIT_USAGE;
      }
    }

    // Locate the run: a folder, a report.json, or the newest finished run under ./.actiontree/runs.
    let runDir: string;
    let reportPath: string | null;
    let explicitReport = false;
    const arg = positionals[0];
    if (arg === undefined) {
      const runs = path.join(io.cwd, '.actiontree', 'runs');
      const found = await newestFinishedRunIn(runs);
      if (!found) {
        io.stderr(`actiontree gantt: no finished run under ${runs} (run 'actiontree run' first, or pass a RUN-DIR)\n`);
        return EXIT_USAGE;
      }
      runDir = found.dir;
      reportPath = found.status.kind === 'report' ? path.join(runDir, 'report.json') : null;
    } else {
      const p = path.resolve(io.cwd, arg);
      let st;
      try {
        st = await fs.stat(p);
      } catch {
        io.stderr(`actiontree gantt: ${arg}: no such file or directory\n`);
        return EXIT_USAGE;
      }
      if (st.isDirectory()) {
        runDir = p;
        const status = await runStatus(p);
        if (status.kind === 'live') {
          io.stderr(`actiontree gantt: ${arg}: the run is still in progress (runner pid ${status.pid}); its report is written when it ends\n`);
          return EXIT_USAGE;
        }
        if (status.kind === 'empty') {
          io.stderr(`actiontree gantt: ${arg}: not a run folder (no report.json, no events.jsonl)\n`);
          return EXIT_USAGE;
        }
        reportPath = status.kind === 'report' ? path.join(p, 'report.json') : null;
      } else {
        runDir = path.dirname(p);
        reportPath = p;
        explicitReport = true;
      }
    }

    // events.jsonl: attempt times with a report; everything without one. Optional, but a
    // record that is there and cannot be read is an error, never silently dropped.
    let events: RunEvent[] | undefined;
    const eventsPath = path.join(runDir, 'events.jsonl');
    const ev = await readEvents(runDir);
    if (ev.ok) {
      events = ev.events;
      const problem = eventsProblem(events);
      if (problem !== null) {
        io.stderr(`actiontree gantt: ${eventsPath}: cannot draw it: ${problem}\n`);
        return EXIT_USAGE;
      }
    } else if (ev.kind === 'too-large' && reportPath !== null) {
      io.stderr(`actiontree gantt: ${eventsPath}: not read, ${ev.reason}; one bar per action from the report\n`);
    } else if (ev.kind !== 'missing' || reportPath === null) {
      io.stderr(`actiontree gantt: cannot read ${eventsPath}: ${ev.reason}\n`);
      return EXIT_USAGE;
    }

    let input: GanttInput;
    if (reportPath !== null) {
      const r = await readReportFile(reportPath, explicitReport);
      if (!r.ok) {
        const why = r.kind === 'missing' ? 'no report.json (the run has not written one)' : r.reason;
        io.stderr(`actiontree gantt: cannot read ${reportPath}: ${why}\n`);
        return EXIT_USAGE;
      }
      const report = parseReport(textOf(r.bytes));
      if (!report.ok) {
        io.stderr(`actiontree gantt: ${reportPath}: ${report.error}\n`);
        return EXIT_USAGE;
      }
      input = inputFromReport(report.report, await readGraphInfo(report.report.graphFile), events);
    } else {
      // No report and no live runner: killed (SIGKILL) or crashed. Draw what the events show.
      const evs = events!;
      const state = stateFromEvents(evs);
      io.stderr(`actiontree gantt: ${path.relative(io.cwd, runDir) || runDir}: the run ended without a report (its runner was killed or crashed); drawing what its events show\n`);
      input = endedInput(inputFromRunState(state, await readGraphInfo(state.graphFile), undefined), lastEventTime(evs));
    }
    const opts = { width, clock: values['utc'] ? formatClockUtc : localClock };
    const doc = format === 'html' ? renderHtmlDocument(input, opts) : renderSvgDocument(input, opts);
    if (output) {
      const out = path.resolve(io.cwd, output);
      try {
        await fs.writeFile(out, doc);
      } catch (e) {
        io.stderr(`actiontree gantt: cannot write ${out}: ${e instanceof Error ? e.message : String(e)}\n`);
        return EXIT_USAGE;
      }
      io.stderr(`actiontree gantt: wrote ${path.relative(io.cwd, out) || out} (${input.actions.length} actions, ${format})\n`);
    } else {
      io.stdout(doc);
    }
    return EXIT_OK;
  },
};
