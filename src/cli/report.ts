/**
 * `actiontree report [RUN-DIR] [-o report.html]`: one self-contained HTML page per run —
 * the Gantt chart, a table of actions, host info and the graph's parameters.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { formatDuration } from '../core/gantt/format';
import { renderRunReportHtml } from '../core/report';
import { EXIT_OK, EXIT_USAGE, parseArgs, type CliCommand, type CliIO } from './command';
import { loadRun, type LoadedRun } from './runDir';

const USAGE = `Usage: actiontree report [RUN-DIR] [-o report.html] [--utc]

Writes one self-contained HTML page about a run (no scripts, no network): the Gantt chart,
a table of actions (state, reason, ready/start/finish times, attempts, exit code, CPUs,
resources, command), the graph's parameters and the host it ran on.

  RUN-DIR            a run folder (.actiontree/runs/<run-id>) or a file in it;
                     default: the newest run under ./.actiontree/runs
  -o, --output FILE  where to write; default: stdout
  --utc              clock times in UTC (default: local time)

A run folder without report.json (a crashed or unfinished run) is drawn from its
events.jsonl, with a note in the page and on stderr.

Exit status: 0 written, 2 usage error or an unreadable run folder.
`;

function localClock(t: number): string {
  const d = new Date(t);
  const p = (x: number): string => String(x).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
function utcClock(t: number): string {
  return `${new Date(t).toISOString().slice(11, 19)} UTC`;
}

function str(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

/** Host and parameter rows, from report.json when present, else from the events and the graph file. */
export function reportFacts(run: LoadedRun): { host: [string, string][]; parameters: [string, string][]; extra: Map<string, { cpus?: number; resources?: string }> } {
  const raw = run.raw ?? {};
  const host: [string, string][] = [];
  const h = raw['host'];
  if (h && typeof h === 'object' && !Array.isArray(h)) {
    for (const [k, v] of Object.entries(h as Record<string, unknown>)) {
      const s = str(v);
      if (s !== null) host.push([k, s]);
    }
  }
  const parameters: [string, string][] = [];
  const started = run.events.find((e) => e.type === 'run-started');
  if (run.graphFile) parameters.push(['graph file', run.graphFile]);
  const hash = str(raw['graphHash']);
  if (hash) parameters.push(['graph hash', hash]);
  const cpus = str(raw['cpus']) ?? (started?.type === 'run-started' ? String(started.cpus) : null);
  if (cpus) parameters.push(['CPU slots', cpus]);
  const kg = str(raw['keepGoing']) ?? (started?.type === 'run-started' && started.keepGoing !== undefined ? String(started.keepGoing) : null);
  if (kg) parameters.push(['keepGoing', kg]);
  parameters.push(['selected actions', String(run.input.actions.length)]);
  if (run.input.finishedAt !== null) parameters.push(['duration', formatDuration(run.input.finishedAt - run.input.startedAt)]);
  const g = run.graph;
  if (g) {
    if (g.name !== undefined) parameters.push(['graph name', g.name]);
    parameters.push(['graph cpus (file, now)', String(g.cpus)]);
    if (g.resources.length > 0) {
      parameters.push(['resources (file, now)', g.resources.map((r) => `${r.name}: ${Number.isFinite(r.capacity) ? r.capacity : 'unlimited'}`).join(', ')]);
    }
  } else if (run.graphFile) parameters.push(['graph file now', 'not readable (moved or deleted)']);
  const extra = new Map<string, { cpus?: number; resources?: string }>();
  const acts = raw['actions'];
  if (acts && typeof acts === 'object') {
    for (const [id, a] of Object.entries(acts as Record<string, unknown>)) {
      if (!a || typeof a !== 'object') continue;
      const r = a as Record<string, unknown>;
      const res = r['resources'];
      const resText =
        res && typeof res === 'object' && !Array.isArray(res)
          ? Object.entries(res as Record<string, unknown>)
              .map(([k, v]) => `${k}: ${str(v) ?? '?'}`)
              .join(', ')
          : '';
      extra.set(id, { ...(typeof r['cpus'] === 'number' ? { cpus: r['cpus'] } : {}), resources: resText });
    }
  } else if (g) {
    for (const a of g.actions) extra.set(a.id, { cpus: a.cpus, resources: a.resources.map((u) => `${u.name}: ${u.amount}`).join(', ') });
  }
  return { host, parameters, extra };
}

export const reportCommand: CliCommand = {
  name: 'report',
  summary: 'write a self-contained HTML report of a run (chart, actions, host, parameters)',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const parsed = parseArgs('report', argv, {
      output: { type: 'string', short: 'o' },
      utc: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (!parsed.ok) {
      io.stderr(`actiontree report: ${parsed.message}\n`);
      return EXIT_USAGE;
    }
    if (parsed.values['help']) {
      io.stdout(USAGE);
      return EXIT_OK;
    }
    if (parsed.positionals.length > 1) {
      io.stderr(`actiontree report: expected at most one RUN-DIR, got ${parsed.positionals.length}\n`);
      return EXIT_USAGE;
    }
    const loaded = await loadRun(parsed.positionals[0], io.cwd);
    if (!loaded.ok) {
      io.stderr(`actiontree report: ${loaded.message}\n`);
      return EXIT_USAGE;
    }
    const run = loaded.run;
    for (const n of run.notes) io.stderr(`actiontree report: note: ${n}\n`);
    const facts = reportFacts(run);
    const title = run.graph?.name;
    const html = renderRunReportHtml({
      input: title && run.source === 'report' ? { ...run.input, title } : run.input,
      host: facts.host,
      parameters: facts.parameters,
      extra: facts.extra,
      notes: run.notes,
      clock: parsed.values['utc'] ? utcClock : localClock,
      generatedAt: Date.now(),
    });
    const output = typeof parsed.values['output'] === 'string' ? parsed.values['output'] : undefined;
    if (!output) {
      io.stdout(html);
      return EXIT_OK;
    }
    const out = path.resolve(io.cwd, output);
    try {
      await fs.writeFile(out, html);
    } catch (e) {
      io.stderr(`actiontree report: cannot write ${out}: ${e instanceof Error ? e.message : String(e)}\n`);
      return EXIT_USAGE;
    }
    io.stderr(`actiontree report: wrote ${path.relative(io.cwd, out) || out} (${run.input.actions.length} actions)\n`);
    return EXIT_OK;
  },
};
