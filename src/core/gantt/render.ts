/**
 * Renders a Gantt model (or the visible part of it) to an SVG element tree. The same code
 * draws the live chart in the webview (only the rows in view: virtualization) and the
 * standalone chart of `actiontree gantt` (all rows). Colors come from CSS classes
 * (`st-<state>`, `wait`, `est`, `crit`, `now`…), styled by the host: VS Code theme
 * variables in the webview, a fixed palette in exported files.
 */
import { formatCounts, plural } from '../run/counts';
import type { ActionState } from '../run/events';
import { el, type El } from './element';
import { formatUsage } from '../bytes';
import { formatClockUtc, formatDuration, formatOffset, tickStep, ticks } from './format';
import type { GanttBar, GanttModel, GanttRow } from './model';

export interface GanttView {
  /** Size of the whole drawing in px. */
  readonly width: number;
  readonly height: number;
  /** Time at the left edge of the plot area. */
  readonly start: number;
  readonly msPerPx: number;
  /** Vertical scroll into the rows, px. */
  readonly scrollTop: number;
  readonly selected?: number | null;
}

export interface GanttLayout {
  readonly labelWidth: number;
  readonly rowHeight: number;
  readonly headerHeight: number;
  /** Extra band above the axis (export title), px. */
  readonly top: number;
}

export const DEFAULT_LAYOUT: GanttLayout = { labelWidth: 220, rowHeight: 22, headerHeight: 40, top: 0 };

export interface RenderOptions {
  readonly layout?: Partial<GanttLayout>;
  readonly clock?: (t: number) => string;
  /** A title band (exported charts). */
  readonly title?: string | null;
  /** Include a legend band at the bottom (exported charts). */
  readonly legend?: boolean;
  /** Add <title> tooltips to bars (exported charts; the webview has its own tooltip). */
  readonly nativeTooltips?: boolean;
}

export function layoutOf(opts: RenderOptions | undefined): GanttLayout {
  return { ...DEFAULT_LAYOUT, ...(opts?.layout ?? {}) };
}

/** The range of row indexes [first, last) that intersect the viewport. */
export function visibleRows(model: GanttModel, view: GanttView, layout: GanttLayout): [number, number] {
  const plotH = Math.max(0, view.height - layout.top - layout.headerHeight);
  const first = Math.max(0, Math.floor(view.scrollTop / layout.rowHeight));
  const last = Math.min(model.rows.length, Math.ceil((view.scrollTop + plotH) / layout.rowHeight));
  return [first, Math.max(first, last)];
}

/** A view that fits the whole run horizontally into `width` px, scrolled to the top. */
export function fitView(model: GanttModel, width: number, height: number, opts?: RenderOptions): GanttView {
  const layout = layoutOf(opts);
  const plotW = Math.max(50, width - layout.labelWidth - 16);
  const span = Math.max(1, model.t1 - model.t0);
  return { width, height, start: model.t0 - span * 0.01, msPerPx: (span * 1.03) / plotW, scrollTop: 0, selected: null };
}

/** Lines of the tooltip for a row (also used by the webview's tooltip and the CLI). */
export function tooltipLines(row: GanttRow, model: GanttModel, clock: (t: number) => string = formatClockUtc): string[] {
  const a = row.action;
  const rel = (t: number): string => `${clock(t)} (${formatOffset(t - model.input.startedAt, 1)})`;
  const lines: string[] = [`${a.id} — ${a.state}${a.reason ? `: ${a.reason}` : ''}`];
  if (a.description) lines.push(a.description);
  if (a.group) lines.push(`group ${a.group}`);
  if (a.command) lines.push(`$ ${a.command}`);
  if (a.readyAt !== null) lines.push(`ready ${rel(a.readyAt)}`);
  a.attempts.forEach((at, k) => {
    const label = a.attempts.length > 1 ? `attempt ${k + 1}: ` : '';
    const end = at.finishedAt;
    if (at.queuedAt !== undefined) lines.push(`${label}queued ${rel(at.queuedAt)}, waited ${formatDuration(Math.max(0, at.startedAt - at.queuedAt))} in the cluster's queue`);
    lines.push(`${label}started ${rel(at.startedAt)}${end !== null ? `, ran ${formatDuration(end - at.startedAt)}` : ', running'}`);
  });
  if (a.servingAt !== undefined && a.servingAt !== null) {
    const last = a.attempts[a.attempts.length - 1];
    const end = a.finishedAt;
    lines.push(`serving from ${rel(a.servingAt)}${last ? ` (ready ${formatDuration(Math.max(0, a.servingAt - last.startedAt))} after its start)` : ''}${end !== null ? `, for ${formatDuration(Math.max(0, end - a.servingAt))}` : ''}`);
  }
  const first = a.attempts[0];
  if (a.readyAt !== null && first) lines.push(`waited ${formatDuration(Math.max(0, (first.queuedAt ?? first.startedAt) - a.readyAt))}`);
  if (a.queuedAt !== undefined && a.queuedAt !== null) lines.push(`queued ${rel(a.queuedAt)}: waiting for the cluster to start it`);
  if (a.finishedAt !== null) lines.push(a.attempts.length > 0 ? `finished ${rel(a.finishedAt)}` : `never started (${a.state} ${rel(a.finishedAt)})`);
  if (a.exitCode !== null && !(a.reason ?? '').includes(`exit code ${a.exitCode}`)) lines.push(`exit code ${a.exitCode}`);
  if (a.signal) lines.push(`signal ${a.signal}`);
  const usage = formatUsage(a.peakRssBytes, a.cpuTimeMs);
  if (usage) lines.push(usage);
  if (a.attempts.length === 0 && a.estimateMs !== null && a.finishedAt === null) lines.push(`estimated ${formatDuration(a.estimateMs)}`);
  if (a.state === 'skipped' && a.attempts.length === 0) {
    lines.push(a.reason === 'up to date' ? 'not run: up to date (nothing it depends on changed since its last successful run)' : 'not run');
  }
  if (a.waiting) lines.push(a.waiting);
  else if (a.state === 'pending') lines.push('waiting for its dependencies');
  else if (a.state === 'ready') lines.push('ready: waiting for a CPU slot or resource');
  if (row.critical) lines.push('on the critical path');
  return lines;
}

export const STATE_GLYPH: Readonly<Record<ActionState, string>> = {
  pending: '○',
  ready: '◔',
  running: '▶',
  serving: '●',
  succeeded: '✓',
  failed: '✗',
  canceled: '⊘',
  skipped: '↷',
};

/** Renders the chart for `view` into an `<svg>` element tree. */
export function renderGantt(model: GanttModel, view: GanttView, opts: RenderOptions = {}): El {
  const layout = layoutOf(opts);
  const clock = opts.clock ?? formatClockUtc;
  const { labelWidth: L, rowHeight: RH, headerHeight: HH, top: TOP } = layout;
  const W = view.width;
  const H = view.height;
  const plotTop = TOP + HH;
  const plotW = Math.max(1, W - L);
  const x = (t: number): number => L + (t - view.start) / view.msPerPx;
  const rowY = (i: number): number => plotTop + i * RH - view.scrollTop;
  const tEnd = view.start + plotW * view.msPerPx;
  const [first, last] = visibleRows(model, view, layout);

  const defs = el('defs', {}, [
    el('clipPath', { id: 'gantt-clip-plot' }, [el('rect', { x: L, y: TOP, width: plotW, height: Math.max(0, H - TOP) })]),
    el('clipPath', { id: 'gantt-clip-head' }, [el('rect', { x: 0, y: TOP, width: L - 6, height: HH })]),
    el('clipPath', { id: 'gantt-clip-label' }, [el('rect', { x: 0, y: plotTop, width: L - 6, height: Math.max(0, H - plotTop) })]),
    el('marker', { id: 'gantt-arrow', viewBox: '0 0 8 8', refX: 7, refY: 4, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' }, [
      el('path', { d: 'M0,0 L8,4 L0,8 z', class: 'arrowhead' }),
    ]),
  ]);

  const background: El[] = [el('rect', { class: 'bg', x: 0, y: 0, width: W, height: H })];
  const stripes: El[] = [];
  const labels: El[] = [];
  const arrows: El[] = [];
  const bars: El[] = [];

  for (let i = first; i < last; i++) {
    const row = model.rows[i]!;
    const y = rowY(i);
    const sel = view.selected === i;
    if (i % 2 === 1 || sel) stripes.push(el('rect', { class: sel ? 'row-selected' : 'row-alt', x: 0, y, width: W, height: RH }));
    const a = row.action;
    labels.push(
      el('g', { class: `label st-${a.state}${row.critical ? ' crit' : ''}`, 'data-row': i }, [
        el('text', { class: `glyph st-${a.state}`, x: 8, y: y + RH / 2, 'dominant-baseline': 'central' }, [STATE_GLYPH[a.state]]),
        el('text', { class: 'name', x: 24, y: y + RH / 2, 'dominant-baseline': 'central' }, [a.id]),
      ]),
    );
    // Incoming dependency arrows: from the end of the dependency's last bar to this row's first bar.
    if (row.start !== null) {
      for (const j of row.deps) {
        const dep = model.rows[j]!;
        if (dep.end === null) continue;
        const x1 = x(dep.end);
        const y1 = rowY(j) + RH / 2;
        const x2 = x(row.start);
        const y2 = y + RH / 2;
        if ((x1 < L && x2 < L) || (x1 > W && x2 > W)) continue;
        // Elbow routing: right from the dependency's end, down to the row, into the bar's start.
        const d =
          x2 - x1 >= 10
            ? `M${r(x1)},${r(y1)} H${r(x1 + 5)} V${r(y2)} H${r(x2)}`
            : `M${r(x1)},${r(y1)} H${r(x1 + 5)} V${r(y2 - (y2 > y1 ? RH / 2 : -RH / 2))} H${r(x2 - 8)} V${r(y2)} H${r(x2)}`;
        arrows.push(
          el('path', {
            class: `dep${row.critical && dep.critical ? ' crit' : ''}`,
            d,
            'marker-end': 'url(#gantt-arrow)',
          }),
        );
      }
    }
    const rowBars: El[] = [];
    for (const b of row.bars) {
      if (b.end < view.start || b.start > tEnd) continue;
      rowBars.push(barEl(b, row, x, y, RH));
    }
    if (rowBars.length > 0) {
      const g: (El | string)[] = rowBars;
      if (opts.nativeTooltips) g.unshift(el('title', {}, [tooltipLines(row, model, clock).join('\n')]));
      bars.push(el('g', { class: `hit${row.critical ? ' crit' : ''}`, 'data-row': i, 'data-action': a.id }, g as El[]));
    }
  }

  // SPEC §10: a matrix action's expansions: a band across the chart and a bracket by the labels.
  const groups: El[] = [];
  for (const gr of model.groups) {
    if (gr.last < first || gr.first >= last) continue;
    const y1 = rowY(gr.first);
    const y2 = rowY(gr.last + 1);
    const n = gr.last - gr.first + 1;
    groups.push(
      el('g', { class: 'matrix-group', 'data-group': gr.label }, [
        el('rect', { class: 'group-band', x: 0, y: y1, width: W, height: y2 - y1 }),
        el('path', { class: 'group-bracket', d: `M6,${r(y1 + 2)} H3 V${r(y2 - 2)} H6` }, [el('title', {}, [`matrix ${gr.label}: ${n} expansion${n === 1 ? '' : 's'}`])]),
      ]),
    );
  }

  // Axis: relative time on top, wall clock below; grid lines through the plot.
  const step = tickStep(view.msPerPx);
  const tks = ticks(model.input.startedAt, view.start, tEnd, step);
  const grid: El[] = [];
  const axis: El[] = [el('rect', { class: 'axis-bg', x: 0, y: TOP, width: W, height: HH })];
  for (const t of tks) {
    const tx = r(x(t));
    grid.push(el('line', { class: 'grid', x1: tx, y1: plotTop, x2: tx, y2: H }));
    axis.push(el('line', { class: 'tick', x1: tx, y1: TOP + HH - 6, x2: tx, y2: TOP + HH }));
    // Labels that would be cut at the right edge (or hide under the label column) are left out.
    if (tx < L || tx + 58 > W) continue;
    axis.push(el('text', { class: 'tick-rel', x: tx + 3, y: TOP + 15 }, [formatOffset(t - model.input.startedAt, step)]));
    axis.push(el('text', { class: 'tick-clock', x: tx + 3, y: TOP + 30 }, [clock(t)]));
  }
  axis.push(el('rect', { class: 'axis-bg', x: 0, y: TOP, width: L, height: HH }));
  // The label column's header: "5 actions · 146 ms" over the counts. Kept inside the column
  // (clipped, and a long count line narrowed to fit) so it never runs into the time axis.
  const counts = formatCounts(model.tally);
  const countsAttrs: Record<string, string | number> = { class: 'axis-sub', x: 8, y: TOP + 30 };
  const room = L - 16;
  if (counts.length * SUB_CHAR_PX > room) {
    countsAttrs['textLength'] = room;
    countsAttrs['lengthAdjust'] = 'spacingAndGlyphs';
  }
  axis.push(
    el('g', { class: 'axis-head', 'clip-path': 'url(#gantt-clip-head)' }, [
      el('title', {}, [`${plural(model.rows.length, 'action')} · ${summary(model)}`]),
      el('text', { class: 'axis-title', x: 8, y: TOP + 15 }, [`${plural(model.rows.length, 'action')} · ${runDuration(model)}`]),
      el('text', countsAttrs, [counts]),
    ]),
  );
  axis.push(el('line', { class: 'axis-line', x1: 0, y1: plotTop - 0.5, x2: W, y2: plotTop - 0.5 }));

  const overlay: El[] = [];
  if (model.now !== null) {
    const nx = r(x(model.now));
    if (nx >= L && nx <= W) {
      overlay.push(el('line', { class: 'now', x1: nx, y1: TOP + HH - 8, x2: nx, y2: H }));
      overlay.push(el('text', { class: 'now-label', x: nx + 3, y: TOP + HH - 1 }, ['now']));
    }
  }

  // SPEC §8: paused time, shaded across the plot (nothing new started then).
  const paused: El[] = [];
  for (const p of model.input.pauses ?? []) {
    const pe = p.end ?? model.now ?? model.t1;
    if (pe < view.start || p.start > tEnd) continue;
    const px1 = Math.max(L, x(p.start));
    const px2 = Math.min(W, x(pe));
    if (px2 <= px1) continue;
    paused.push(el('rect', { class: 'paused', x: r(px1), y: plotTop, width: r(Math.max(1, px2 - px1)), height: Math.max(0, H - plotTop) }, [el('title', {}, [`paused ${formatDuration(pe - p.start)}`])]));
  }

  const children: El[] = [
    defs,
    ...background,
    el('g', { class: 'stripes' }, stripes),
    el('g', { class: 'groups' }, groups),
    el('g', { class: 'plot', 'clip-path': 'url(#gantt-clip-plot)' }, [
      el('g', { class: 'paused-time' }, paused),
      el('g', { class: 'grid-lines' }, grid),
      el('g', { class: 'arrows' }, arrows),
      el('g', { class: 'bars' }, bars),
    ]),
    el('line', { class: 'label-sep', x1: L - 0.5, y1: plotTop, x2: L - 0.5, y2: H }),
    el('g', { class: 'labels', 'clip-path': 'url(#gantt-clip-label)' }, labels),
    el('g', { class: 'axis' }, axis),
    el('g', { class: 'overlay', 'clip-path': 'url(#gantt-clip-plot)' }, overlay),
  ];
  if (opts.title) {
    children.push(el('text', { class: 'title', x: 8, y: 20 }, [opts.title]));
  }
  return el('svg', { xmlns: 'http://www.w3.org/2000/svg', class: 'gantt', width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img' }, children);
}

function barEl(b: GanttBar, row: GanttRow, x: (t: number) => number, y: number, RH: number): El {
  const x1 = x(b.start);
  const w = Math.max(2, x(b.end) - x1);
  if (b.kind === 'wait') {
    return el('rect', { class: 'bar wait', x: r(x1), y: r(y + RH * 0.36), width: r(w), height: r(RH * 0.28), rx: 1 });
  }
  if (b.kind === 'queue') {
    return el('rect', { class: 'bar queue', x: r(x1), y: r(y + RH * 0.3), width: r(w), height: r(RH * 0.4), rx: 1 });
  }
  if (b.kind === 'skip') {
    // A fixed-size mark centered on the moment it was skipped (its duration is zero).
    return el('rect', { class: 'bar skip st-skipped', x: r(x1 - SKIP_MARK / 2), y: y + 5, width: SKIP_MARK, height: RH - 10, rx: 2 });
  }
  if (b.kind === 'serve') {
    // SPEC §10: a ready service — the same color as its state, lighter and outlined, so the start-up part stands out.
    return el('rect', { class: `bar serve st-${b.state}${b.open ? ' open' : ''}`, x: r(x1), y: y + 4, width: r(w), height: RH - 8, rx: 2 });
  }
  if (b.kind === 'estimate') {
    return el('rect', { class: 'bar est', x: r(x1), y: r(y + 4.5), width: r(w), height: RH - 9, rx: 2 });
  }
  const crit = row.critical && b.attempt === row.action.attempts.length ? ' crit' : '';
  return el('rect', { class: `bar run st-${b.state}${b.open ? ' open' : ''}${crit}`, x: r(x1), y: y + 4, width: r(w), height: RH - 8, rx: 2 });
}

/** Width in px of the mark drawn for a skipped (up-to-date) action. */
const SKIP_MARK = 12;

/** Average advance of an 11px system-ui character (digits, lower case, " · "), a little generous. */
const SUB_CHAR_PX = 6.1;

function runDuration(model: GanttModel): string {
  const end = model.input.finishedAt ?? model.now ?? model.t1;
  return formatDuration(end - model.input.startedAt);
}

function summary(model: GanttModel): string {
  return `${formatCounts(model.tally)} · ${runDuration(model)}`;
}

function r(v: number): number {
  return Math.round(v * 10) / 10;
}

/** Legend entries (state class, label) used by the webview and exported charts. */
export const LEGEND: readonly (readonly [string, string])[] = [
  ['bar wait', 'waiting (ready)'],
  ['bar queue', 'queued (cluster)'],
  ['bar run st-running', 'running'],
  ['bar serve st-serving', 'serving (service ready)'],
  ['bar run st-succeeded', 'succeeded'],
  ['bar run st-failed', 'failed'],
  ['bar run st-canceled', 'canceled'],
  ['bar skip st-skipped', 'skipped (up to date)'],
  ['bar est', 'estimate'],
  ['bar run st-succeeded crit', 'critical path'],
];
