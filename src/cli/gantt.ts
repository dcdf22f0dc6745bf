/**
 * `actiontree gantt [RUN-DIR|report.json] [-o chart.svg|chart.html]`: the Gantt chart of a
 * finished run, drawn by the same code as the editor's chart (src/core/gantt), as a
 * standalone SVG or a self-contained HTML page (inline styles, no scripts).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { analyzeText } from '../core/analyze';
import { formatClockUtc } from '../core/gantt/format';
import { graphInfo, inputFromReport, parseEventsJsonl, parseReport, type GraphInfo } from '../core/gantt/input';
import { renderHtmlDocument, renderSvgDocument } from '../core/gantt/export';
import type { RunEvent } from '../core/run/events';
import { EXIT_OK, EXIT_USAGE, parseArgs, type CliCommand, type CliIO } from './command';

const USAGE = `Usage: actiontree gantt [RUN-DIR|report.json] [-o FILE] [--format svg|html] [--width PX] [--utc]

Draws the Gantt chart of a run: one row per action, waiting and running bars per attempt,
dependency arrows, the critical path. The same chart as the editor's Gantt panel.

  RUN-DIR|report.json  a run folder (.actiontree/runs/<run-id>) or its report.json;
                       default: the newest run under ./.actiontree/runs that has a report
  -o, --output FILE    where to write (chart.svg or chart.html); default: SVG on stdout
  --format svg|html    output format (default: from the -o extension, else svg)
  --width PX           drawing width in pixels (default 1200)
  --utc                clock times in UTC (default: local time)

Exit status: 0 written, 2 usage error or a missing, corrupt or half-written report.
`;

function localClock(t: number): string {
  const d = new Date(t);
  const p = (x: number): string => String(x).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.stat(p);
    return true;
  } catch {
    return false;
  }
}

/** The newest run folder (run ids sort by time) that has a report.json. */
export async function newestRunDir(runsDir: string): Promise<string | null> {
  let names: string[];
  try {
    names = (await fs.readdir(runsDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return null;
  }
  names.sort();
  for (let i = names.length - 1; i >= 0; i--) {
    const dir = path.join(runsDir, names[i]!);
    if (await exists(path.join(dir, 'report.json'))) return dir;
  }
  return null;
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

    // Locate the report.
    let reportPath: string;
    const arg = positionals[0];
    if (arg === undefined) {
      const runs = path.join(io.cwd, '.actiontree', 'runs');
      const dir = await newestRunDir(runs);
      if (!dir) {
        io.stderr(`actiontree gantt: no finished run under ${runs} (run 'actiontree run' first, or pass a RUN-DIR)\n`);
        return EXIT_USAGE;
      }
      reportPath = path.join(dir, 'report.json');
    } else {
      const p = path.resolve(io.cwd, arg);
      let isDir = false;
      try {
        isDir = (await fs.stat(p)).isDirectory();
      } catch {
        io.stderr(`actiontree gantt: ${arg}: no such file or directory\n`);
        return EXIT_USAGE;
      }
      reportPath = isDir ? path.join(p, 'report.json') : p;
    }
    let text: string;
    try {
      text = await fs.readFile(reportPath, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      io.stderr(`actiontree gantt: cannot read ${reportPath}: ${code === 'ENOENT' ? 'no report.json (the run has not finished writing it)' : String(e)}\n`);
      return EXIT_USAGE;
    }
    const report = parseReport(text);
    if (!report.ok) {
      io.stderr(`actiontree gantt: ${reportPath}: ${report.error}\n`);
      return EXIT_USAGE;
    }

    // Optional extras: the graph file (dependencies, commands) and events (attempt times).
    let info: GraphInfo | undefined;
    const gf = report.report.graphFile;
    if (gf) {
      try {
        info = graphInfo(analyzeText(await fs.readFile(gf, 'utf8')).graph);
      } catch {
        info = undefined;
      }
    }
    let events: RunEvent[] | undefined;
    try {
      events = parseEventsJsonl(await fs.readFile(path.join(path.dirname(reportPath), 'events.jsonl'), 'utf8'));
    } catch {
      events = undefined;
    }
    const input = inputFromReport(report.report, info, events);
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
