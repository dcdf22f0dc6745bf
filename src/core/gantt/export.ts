/**
 * Standalone chart documents for `actiontree gantt`: an SVG file or a self-contained HTML
 * page (inline styles, no scripts). Same model and renderer as the webview.
 */
import { el, escapeXml, toXml, type El } from './element';
import { formatDuration } from './format';
import { buildGanttModel, type GanttInput } from './model';
import { LEGEND, layoutOf, renderGantt, type RenderOptions } from './render';

/** A fixed palette for exported charts (light, with a dark variant for dark-mode viewers). */
export const EXPORT_CSS = `
.gantt { font: 12px system-ui, -apple-system, Segoe UI, Ubuntu, sans-serif; --fg:#1f2328; --muted:#656d76; --bg:#ffffff; --alt:#f6f8fa; --grid:#d0d7de;
  --run:#0969da; --ok:#1a7f37; --fail:#cf222e; --cancel:#9c4a00; --skip:#8c959f; --wait:#bf8700; --queue:#1b7c83; --crit:#8250df; --now:#cf222e; }
@media (prefers-color-scheme: dark) { .gantt { --fg:#e6edf3; --muted:#8d96a0; --bg:#0d1117; --alt:#161b22; --grid:#30363d;
  --run:#2f81f7; --ok:#3fb950; --fail:#f85149; --cancel:#d29922; --skip:#6e7681; --wait:#d29922; --queue:#39c5cf; --crit:#a371f7; --now:#f85149; } }
.gantt text { fill: var(--fg); }
.gantt .bg, .gantt .axis-bg { fill: var(--bg); }
.gantt .row-alt { fill: var(--alt); }
.gantt .group-band { fill: #6a5acd; opacity: .07; pointer-events: none; }
.gantt .group-bracket { fill: none; stroke: #6a5acd; stroke-width: 2; }
.gantt .row-selected { fill: var(--alt); stroke: var(--crit); }
.gantt .grid, .gantt .tick, .gantt .axis-line, .gantt .label-sep { stroke: var(--grid); stroke-width: 1; }
.gantt .tick-rel, .gantt .axis-title, .gantt .title { font-weight: 600; }
.gantt .tick-clock, .gantt .axis-sub { fill: var(--muted); font-size: 11px; }
.gantt .title { font-size: 14px; }
.gantt .bar.wait { fill: var(--wait); opacity: .55; }
.gantt .bar.queue { fill: var(--queue); opacity: .7; }
.gantt .bar.est { fill: none; stroke: var(--muted); stroke-dasharray: 4 3; }
.gantt .bar.run { fill: var(--run); }
.gantt .st-succeeded.bar { fill: var(--ok); } .gantt .st-failed.bar { fill: var(--fail); }
.gantt .st-canceled.bar { fill: var(--cancel); } .gantt .st-skipped.bar { fill: var(--skip); }
.gantt .bar.skip { fill: var(--skip); fill-opacity: .35; stroke: var(--skip); stroke-width: 1.5; }
.gantt .bar.crit { stroke: var(--crit); stroke-width: 2; }
.gantt .bar.serve { fill: var(--run); fill-opacity: .45; stroke: var(--run); stroke-width: 1.5; }
.gantt .bar.serve.st-succeeded { fill: var(--ok); stroke: var(--ok); }
.gantt .bar.serve.st-failed { fill: var(--fail); stroke: var(--fail); }
.gantt .bar.serve.st-canceled { fill: var(--cancel); stroke: var(--cancel); }
.gantt .glyph.st-serving { fill: var(--ok); }
.gantt .glyph.st-succeeded { fill: var(--ok); } .gantt .glyph.st-failed { fill: var(--fail); }
.gantt .glyph.st-running { fill: var(--run); } .gantt .glyph.st-canceled { fill: var(--cancel); }
.gantt .glyph.st-pending, .gantt .glyph.st-ready, .gantt .glyph.st-skipped { fill: var(--muted); }
.gantt .label.crit .name { font-weight: 600; }
.gantt .dep { fill: none; stroke: var(--muted); stroke-width: 1; opacity: .7; }
.gantt .dep.crit { stroke: var(--crit); opacity: 1; stroke-width: 1.5; }
.gantt .arrowhead { fill: var(--muted); }
.gantt .now { stroke: var(--now); stroke-width: 1.5; } .gantt .now-label { fill: var(--now); font-size: 10px; }
.gantt .legend text { fill: var(--muted); }
.gantt .paused { fill: var(--muted); opacity: .15; }
`;

export interface ExportOptions {
  readonly width?: number;
  readonly clock?: (t: number) => string;
}

/** The whole chart as an SVG element tree (all rows, fitted to `width`). */
export function exportChart(input: GanttInput, opts: ExportOptions = {}): El {
  const model = buildGanttModel(input, input.finishedAt ?? input.startedAt);
  const width = Math.max(480, opts.width ?? 1200);
  const TITLE = 30;
  const LEGEND_H = 30;
  const ro: RenderOptions = { layout: { top: TITLE }, title: chartTitle(input), legend: true, nativeTooltips: true, ...(opts.clock ? { clock: opts.clock } : {}) };
  const layout = layoutOf(ro);
  const rowsH = model.rows.length * layout.rowHeight;
  const height = TITLE + layout.headerHeight + rowsH + LEGEND_H + 4;
  const plotW = Math.max(50, width - layout.labelWidth - 16);
  const span = Math.max(1, model.t1 - model.t0);
  const view = { width, height: height - LEGEND_H - 4, start: model.t0 - span * 0.01, msPerPx: (span * 1.03) / plotW, scrollTop: 0, selected: null };
  const svg = renderGantt(model, view, ro);
  // Grow the drawing by a legend band below the rows.
  const legendY = view.height + 18;
  const items: El[] = [];
  let lx = 8;
  for (const [cls, label] of LEGEND) {
    items.push(el('rect', { class: cls, x: lx, y: legendY - 9, width: 18, height: 10, rx: 2 }));
    items.push(el('text', { x: lx + 24, y: legendY }, [label]));
    lx += 24 + label.length * 6.5 + 18;
  }
  return {
    ...svg,
    attrs: { ...svg.attrs, height, viewBox: `0 0 ${width} ${height}` },
    children: [
      el('style', {}, [EXPORT_CSS]),
      ...svg.children.slice(0, 2),
      el('rect', { class: 'bg', x: 0, y: view.height, width, height: LEGEND_H + 4 }),
      ...svg.children.slice(2),
      el('g', { class: 'legend' }, items),
    ],
  };
}

export function chartTitle(input: GanttInput): string {
  const dur = input.finishedAt !== null ? ` in ${formatDuration(input.finishedAt - input.startedAt)}` : '';
  const res = input.result ? ` — ${input.result}${dur}` : '';
  return `${input.title}${res}${input.runId ? ` (run ${input.runId})` : ''}`;
}

export function renderSvgDocument(input: GanttInput, opts: ExportOptions = {}): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${toXml(exportChart(input, opts))}\n`;
}

export function renderHtmlDocument(input: GanttInput, opts: ExportOptions = {}): string {
  const title = escapeXml(chartTitle(input));
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${title}</title>`,
    '<style>body{margin:0;padding:12px;background:#fff}@media (prefers-color-scheme: dark){body{background:#0d1117}}</style>',
    '</head>',
    '<body>',
    toXml(exportChart(input, opts)),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
