/**
 * A run as one self-contained HTML page (`actiontree report`): the Gantt chart drawn by
 * src/core/gantt, a table of actions (state, reason, times, attempts), host info and the
 * graph's parameters. Inline styles, no scripts, no external resources; every string is
 * escaped (the page is built as an element tree and serialized by toXml).
 */
import { el, toXml, type El } from './gantt/element';
import { EXPORT_CSS, chartTitle, exportChart } from './gantt/export';
import { formatDuration } from './gantt/format';
import type { GanttInput } from './gantt/model';

export interface ReportFacts {
  readonly input: GanttInput;
  /** Label → value rows for the "Host" table (hostname, platform, cpus, node…). */
  readonly host: readonly (readonly [string, string])[];
  /** Label → value rows for the "Parameters" table (graph file, hash, cpus, keepGoing, resources…). */
  readonly parameters: readonly (readonly [string, string])[];
  /** Per action: number of CPU slots and resources, when known (from the report). */
  readonly extra?: ReadonlyMap<string, { readonly cpus?: number; readonly resources?: string }>;
  readonly notes?: readonly string[];
  /** Clock format for absolute times (the CLI passes local time). */
  readonly clock: (t: number) => string;
  /** Time the page was generated (shown in the footer). */
  readonly generatedAt?: number;
}

const PAGE_CSS = `
body { margin: 0; padding: 16px 20px; font: 13px system-ui, -apple-system, Segoe UI, Ubuntu, sans-serif; color: #1f2328; background: #fff; }
h1 { font-size: 18px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 22px 0 8px; }
.sub { color: #656d76; margin: 0 0 12px; }
.note { background: #fff8c5; border: 1px solid #d4a72c; padding: 6px 10px; border-radius: 6px; margin: 8px 0; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 3px 10px 3px 0; vertical-align: top; border-bottom: 1px solid #d0d7de; }
th { font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.cmd { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; color: #656d76; max-width: 40em; overflow-wrap: anywhere; }
.kv th { width: 12em; color: #656d76; font-weight: normal; }
.st { font-weight: 600; } .st-succeeded { color: #1a7f37; } .st-failed { color: #cf222e; } .st-canceled { color: #9a6700; } .st-skipped, .st-pending { color: #656d76; }
.chart { overflow-x: auto; }
.result-succeeded { color: #1a7f37; } .result-failed { color: #cf222e; } .result-canceled { color: #9a6700; }
footer { margin-top: 24px; color: #656d76; font-size: 11px; }
@media (prefers-color-scheme: dark) {
  body { color: #e6edf3; background: #0d1117; } .sub, .kv th, td.cmd, footer { color: #8d96a0; }
  th, td { border-color: #30363d; } .note { background: #3b2e00; border-color: #9e6a03; }
  .st-succeeded, .result-succeeded { color: #3fb950; } .st-failed, .result-failed { color: #f85149; } .st-canceled, .result-canceled { color: #d29922; }
}
`;

function offset(t: number | null, t0: number): string {
  return t === null ? '—' : `+${formatDuration(Math.max(0, t - t0))}`;
}

function kvTable(rows: readonly (readonly [string, string])[]): El {
  return el(
    'table',
    { class: 'kv' },
    rows.map(([k, v]) => el('tr', {}, [el('th', {}, [k]), el('td', {}, [v])])),
  );
}

export function renderRunReportHtml(f: ReportFacts): string {
  const { input } = f;
  const t0 = input.startedAt;
  const head: El[] = [
    el('meta', { charset: 'utf-8' }),
    el('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }),
    el('meta', { 'http-equiv': 'Content-Security-Policy', content: "default-src 'none'; style-src 'unsafe-inline'; img-src data:" }),
    el('title', {}, [`ActionTree run report: ${chartTitle(input)}`]),
    el('style', {}, [PAGE_CSS + EXPORT_CSS]),
  ];
  const counts = new Map<string, number>();
  for (const a of input.actions) counts.set(a.state, (counts.get(a.state) ?? 0) + 1);
  const duration = input.finishedAt !== null ? formatDuration(input.finishedAt - input.startedAt) : 'unfinished';
  const summary = `${input.actions.length} actions: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ') || 'none'} · ${duration} · started ${f.clock(input.startedAt)} (${new Date(input.startedAt).toISOString()})`;
  const body: El[] = [
    el('h1', {}, [`${input.title} `, el('span', { class: `result-${input.result ?? 'none'}` }, [input.result ?? 'no result'])]),
    el('p', { class: 'sub' }, [`Run ${input.runId || '(unknown id)'} · ${summary}`]),
  ];
  for (const n of f.notes ?? []) body.push(el('p', { class: 'note' }, [n]));
  body.push(el('h2', {}, ['Chart']), el('div', { class: 'chart' }, [exportChart(input, { width: 1100, clock: f.clock })]));

  const rows: El[] = [
    el('tr', {}, ['Action', 'State', 'Reason', 'Ready', 'Started', 'Finished', 'Waited', 'Ran', 'Attempts', 'Exit', 'CPUs', 'Resources', 'Command'].map((h) => el('th', {}, [h]))),
  ];
  for (const a of input.actions) {
    const started = a.attempts[0]?.startedAt ?? null;
    const waited = a.readyAt !== null && started !== null ? formatDuration(Math.max(0, started - a.readyAt)) : '—';
    const ran = started !== null && a.finishedAt !== null ? formatDuration(Math.max(0, a.finishedAt - started)) : '—';
    const x = f.extra?.get(a.id);
    rows.push(
      el('tr', {}, [
        el('td', {}, [a.id]),
        el('td', { class: `st st-${a.state}` }, [a.state]),
        el('td', {}, [a.reason ?? '']),
        el('td', { class: 'num' }, [offset(a.readyAt, t0)]),
        el('td', { class: 'num' }, [offset(started, t0)]),
        el('td', { class: 'num' }, [offset(a.finishedAt, t0)]),
        el('td', { class: 'num' }, [waited]),
        el('td', { class: 'num' }, [ran]),
        el('td', { class: 'num' }, [String(a.attempts.length)]),
        el('td', { class: 'num' }, [a.signal ?? (a.exitCode === null ? '' : String(a.exitCode))]),
        el('td', { class: 'num' }, [x?.cpus === undefined ? '' : String(x.cpus)]),
        el('td', {}, [x?.resources ?? '']),
        el('td', { class: 'cmd' }, [a.command ?? '']),
      ]),
    );
  }
  body.push(el('h2', {}, ['Actions']), el('table', { class: 'actions' }, rows));
  body.push(el('h2', {}, ['Parameters']), kvTable(f.parameters));
  body.push(el('h2', {}, ['Host']), f.host.length > 0 ? kvTable(f.host) : el('p', { class: 'sub' }, ['not recorded']));
  body.push(
    el('footer', {}, [
      `Generated by actiontree report${f.generatedAt !== undefined ? ` at ${new Date(f.generatedAt).toISOString()}` : ''}. Times are offsets from the run's start.`,
    ]),
  );
  const html = el('html', { lang: 'en' }, [el('head', {}, head), el('body', {}, body)]);
  return `<!DOCTYPE html>\n${toXml(html)}\n`;
}
