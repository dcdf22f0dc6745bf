/**
 * The Gantt chart webview. Receives validated messages from the extension host, keeps the
 * chart input, and draws only the rows in view with the shared renderer (src/core/gantt).
 * Text is only ever set with textContent / setAttribute: nothing is parsed as markup.
 */
import type { El } from '../../src/core/gantt/element';
import { buildGanttModel, type GanttAction, type GanttInput, type GanttModel } from '../../src/core/gantt/model';
import { fitView, layoutOf, renderGantt, tooltipLines, visibleRows, LEGEND, type GanttView } from '../../src/core/gantt/render';
import { formatDuration } from '../../src/core/gantt/format';
import { formatCounts, plural } from '../../src/core/run/counts';
import { parseHostMessage, parseSavedState, type ChartSource, type WebviewToHost } from '../../src/shared/webview-protocol';

interface VsCodeApi {
  postMessage(msg: WebviewToHost): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const SVG_NS = 'http://www.w3.org/2000/svg';
const layout = layoutOf({});

const $ = <T extends HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`missing #${id}`);
  return e as T;
};
const chartEl = $<HTMLDivElement>('chart');
const tooltipEl = $<HTMLDivElement>('tooltip');
const messageEl = $<HTMLDivElement>('message');
const titleEl = $<HTMLSpanElement>('title');
const summaryEl = $<HTMLSpanElement>('summary');
const liveEl = $<HTMLDivElement>('live');
const legendEl = $<HTMLDivElement>('legend');

let input: GanttInput | null = null;
let model: GanttModel | null = null;
let source: ChartSource | null = parseSavedState(vscode.getState());
/** Host clock at the last message, and the local clock then (for the "now" line). */
let hostNow = 0;
let localAt = 0;
let view: GanttView | null = null;
/** Follow the whole run horizontally until the user zooms or pans. */
let follow = true;
let selected: number | null = null;
let frame = 0;
let ticker: number | undefined;
let lastRendered = '';

const clock = (t: number): string => new Date(t).toLocaleTimeString(undefined, { hour12: false });

for (const [cls, label] of LEGEND) {
  const item = document.createElement('span');
  item.className = 'legend-item';
  const sw = document.createElementNS(SVG_NS, 'svg');
  sw.setAttribute('width', '18');
  sw.setAttribute('height', '10');
  sw.setAttribute('class', 'gantt swatch');
  const r = document.createElementNS(SVG_NS, 'rect');
  r.setAttribute('class', cls);
  r.setAttribute('x', '1');
  r.setAttribute('y', cls.includes('wait') ? '3' : '1');
  r.setAttribute('width', '16');
  r.setAttribute('height', cls.includes('wait') ? '4' : '8');
  r.setAttribute('rx', '1');
  sw.appendChild(r);
  item.append(sw, document.createTextNode(label));
  legendEl.appendChild(item);
}

function now(): number {
  return hostNow + (performance.now() - localAt);
}

function toDom(node: El | string): Node {
  if (typeof node === 'string') return document.createTextNode(node);
  const e = document.createElementNS(SVG_NS, node.tag);
  for (const k in node.attrs) e.setAttribute(k, String(node.attrs[k]));
  for (const c of node.children) e.appendChild(toDom(c));
  return e;
}

function size(): { w: number; h: number } {
  return { w: Math.max(200, chartEl.clientWidth), h: Math.max(100, chartEl.clientHeight) };
}

function maxScroll(): number {
  if (!model) return 0;
  const { h } = size();
  return Math.max(0, model.rows.length * layout.rowHeight - (h - layout.headerHeight));
}

/** Time the last model build took: large live runs rebuild less often. */
let buildMs = 0;
let lastBuildAt = 0;
let rebuildTimer: number | undefined;

function rebuild(): void {
  if (!input) return;
  const t = performance.now();
  model = buildGanttModel(input, now());
  buildMs = performance.now() - t;
  lastBuildAt = performance.now();
  const { w, h } = size();
  if (!view || follow) {
    const fit = fitView(model, w, h);
    view = { ...fit, scrollTop: view ? view.scrollTop : 0, selected };
  }
  view = { ...view, width: w, height: h, scrollTop: Math.min(view.scrollTop, maxScroll()), selected };
}

function schedule(): void {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    draw();
  });
}

/** Draws the current view. Exposed (window.__ganttDraw) for the pan-frame bench. */
function draw(): void {
  if (!model || !view) return;
  const t0 = performance.now();
  const svg = toDom(renderGantt(model, view, { clock }));
  chartEl.replaceChildren(svg);
  const dt = performance.now() - t0;
  document.body.dataset['lastDrawMs'] = dt.toFixed(2);
  const c = model.counts;
  const done = c.succeeded + c.failed + c.canceled + c.skipped;
  titleEl.textContent = model.input.title;
  const end = model.input.finishedAt ?? model.now ?? model.t1;
  summaryEl.textContent =
    `${model.input.result ?? 'running'} · ${formatCounts(model.tally)}` +
    ` · ${formatDuration(end - model.input.startedAt)}` +
    (model.criticalPath.length > 0 ? ` · critical path: ${plural(model.criticalPath.length, 'action')}` : '');
  document.body.dataset['rows'] = String(model.rows.length);
  document.body.dataset['finished'] = String(done);
  document.body.dataset['result'] = model.input.result ?? 'running';
  const key = `${model.input.runId}|${model.rows.length}|${done}|${model.input.result ?? ''}`;
  if (key !== lastRendered) {
    lastRendered = key;
    vscode.postMessage({ type: 'rendered', runId: model.input.runId, rows: model.rows.length, finished: done, message: null });
  }
}
(window as unknown as { __ganttDraw: () => void }).__ganttDraw = draw;

function setLiveTicker(): void {
  const live = input !== null && input.finishedAt === null;
  if (live && ticker === undefined) {
    ticker = window.setInterval(() => {
      // The "now" line and running bars advance; skip beats while big models rebuild.
      if (performance.now() - lastBuildAt < Math.max(250, buildMs * 5)) return;
      rebuild();
      schedule();
    }, 250);
  } else if (!live && ticker !== undefined) {
    window.clearInterval(ticker);
    ticker = undefined;
  }
}

function showMessage(text: string | null): void {
  messageEl.textContent = text ?? '';
  messageEl.hidden = text === null;
  chartEl.hidden = text !== null;
}

window.addEventListener('message', (ev: MessageEvent<unknown>) => {
  const tParse = performance.now();
  document.body.dataset['receivedAt'] = tParse.toFixed(2);
  const parsed = parseHostMessage(ev.data);
  document.body.dataset['parseMs'] = (performance.now() - tParse).toFixed(2);
  if (!parsed.ok) {
    console.warn('[actiontree gantt] ignored message:', parsed.error);
    return;
  }
  const msg = parsed.value;
  if (msg.type !== 'error') hostNow = msg.now;
  localAt = performance.now();
  if (msg.source) {
    source = msg.source;
    vscode.setState({ source });
  }
  switch (msg.type) {
    case 'snapshot':
      lastRendered = '';
      if (input?.runId !== msg.chart.runId) {
        follow = true;
        selected = null;
        view = null;
      }
      input = msg.chart;
      showMessage(null);
      break;
    case 'patch': {
      if (!input || input.runId !== msg.runId) return;
      const changed = new Map<string, GanttAction>(msg.actions.map((a) => [a.id, a]));
      const seen = new Set<string>();
      const actions = input.actions.map((a) => {
        const c = changed.get(a.id);
        if (c) seen.add(a.id);
        return c ?? a;
      });
      for (const a of msg.actions) if (!seen.has(a.id)) actions.push(a);
      input = { ...input, actions, finishedAt: msg.finishedAt, result: msg.result, ...(msg.pauses !== undefined ? { pauses: msg.pauses } : {}) };
      break;
    }
    case 'error':
      input = null;
      model = null;
      showMessage(msg.message);
      titleEl.textContent = 'Cannot show the chart';
      summaryEl.textContent = '';
      setLiveTicker();
      lastRendered = '';
      vscode.postMessage({ type: 'rendered', runId: '', rows: 0, finished: 0, message: msg.message });
      return;
    default: {
      const never: never = msg;
      return never;
    }
  }
  // Rebuild at once, unless this is a live patch of a run whose model takes long to build:
  // then at most every 5 build-times (keeps the webview responsive for huge live runs).
  const minGap = msg.type === 'patch' ? buildMs * 5 : 0;
  const wait = lastBuildAt + minGap - performance.now();
  if (wait > 0) {
    rebuildTimer ??= window.setTimeout(() => {
      rebuildTimer = undefined;
      rebuild();
      schedule();
    }, wait);
  } else {
    rebuild();
    document.body.dataset['buildMs'] = buildMs.toFixed(2);
  }
  setLiveTicker();
  liveEl.textContent = model ? summaryText(model) : '';
  schedule();
});

function summaryText(m: GanttModel): string {
  return `${plural(m.rows.length, 'action')}: ${formatCounts(m.tally, ', ')}`;
}

// ---- interaction -------------------------------------------------------------------

function zoom(factor: number, atX?: number): void {
  if (!view) return;
  follow = false;
  const x = atX ?? layout.labelWidth + (view.width - layout.labelWidth) / 2;
  const t = view.start + (x - layout.labelWidth) * view.msPerPx;
  const msPerPx = Math.min(Math.max(view.msPerPx * factor, 0.001), 1e7);
  view = { ...view, msPerPx, start: t - (x - layout.labelWidth) * msPerPx };
  schedule();
}

function pan(dxPx: number, dyPx: number): void {
  if (!view) return;
  if (dxPx !== 0) follow = false;
  view = { ...view, start: view.start + dxPx * view.msPerPx, scrollTop: Math.min(Math.max(0, view.scrollTop + dyPx), maxScroll()) };
  schedule();
}
(window as unknown as { __ganttPan: (dx: number, dy: number) => void }).__ganttPan = pan;

function fit(): void {
  follow = true;
  rebuild();
  schedule();
}

function select(i: number | null): void {
  if (!model || !view) return;
  if (i !== null) {
    i = Math.min(Math.max(0, i), model.rows.length - 1);
    const { h } = size();
    const plotH = h - layout.headerHeight;
    const y = i * layout.rowHeight;
    let scrollTop = view.scrollTop;
    if (y < scrollTop) scrollTop = y;
    else if (y + layout.rowHeight > scrollTop + plotH) scrollTop = y + layout.rowHeight - plotH;
    view = { ...view, scrollTop };
    const row = model.rows[i]!;
    liveEl.textContent = tooltipLines(row, model, clock).join('. ');
  }
  selected = i;
  view = { ...view, selected };
  schedule();
}

function reveal(i: number): void {
  const row = model?.rows[i];
  if (row) vscode.postMessage({ type: 'reveal-output', action: row.action.id });
}

function rowAt(target: EventTarget | null): number | null {
  const e = target instanceof Element ? target.closest('[data-row]') : null;
  if (!e) return null;
  const i = Number(e.getAttribute('data-row'));
  return Number.isInteger(i) ? i : null;
}

chartEl.addEventListener(
  'wheel',
  (e) => {
    e.preventDefault();
    if (e.ctrlKey || e.metaKey || e.altKey) {
      const rect = chartEl.getBoundingClientRect();
      zoom(Math.exp(e.deltaY * 0.002), e.clientX - rect.left);
    } else if (e.shiftKey) {
      pan(e.deltaY || e.deltaX, 0);
    } else {
      pan(e.deltaX, e.deltaY);
    }
  },
  { passive: false },
);

let drag: { x: number; y: number; moved: boolean } | null = null;
chartEl.addEventListener('pointerdown', (e) => {
  drag = { x: e.clientX, y: e.clientY, moved: false };
});
window.addEventListener('pointerup', () => {
  setTimeout(() => (drag = null));
});
chartEl.addEventListener('pointermove', (e) => {
  if (drag && (e.buttons & 1) === 1) {
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (drag.moved || Math.abs(dx) + Math.abs(dy) > 3) {
      drag.moved = true;
      drag.x = e.clientX;
      drag.y = e.clientY;
      pan(-dx, -dy);
      tooltipEl.hidden = true;
      return;
    }
  }
  const i = rowAt(e.target);
  const row = i === null ? undefined : model?.rows[i];
  if (!row || !model) {
    tooltipEl.hidden = true;
    return;
  }
  tooltipEl.textContent = tooltipLines(row, model, clock).join('\n');
  tooltipEl.hidden = false;
  const pad = 14;
  const tw = tooltipEl.offsetWidth;
  const th = tooltipEl.offsetHeight;
  tooltipEl.style.left = `${Math.min(e.clientX + pad, window.innerWidth - tw - 4)}px`;
  tooltipEl.style.top = `${e.clientY + pad + th > window.innerHeight ? e.clientY - th - 6 : e.clientY + pad}px`;
});
chartEl.addEventListener('pointerleave', () => {
  tooltipEl.hidden = true;
});
chartEl.addEventListener('click', (e) => {
  if (drag?.moved) return;
  const i = rowAt(e.target);
  if (i === null) return;
  select(i);
  reveal(i);
});

chartEl.addEventListener('keydown', (e) => {
  if (!view || !model) return;
  const step = (view.width - layout.labelWidth) / 8;
  const page = Math.max(1, Math.floor((view.height - layout.headerHeight) / layout.rowHeight) - 1);
  const cur = selected ?? visibleRows(model, view, layout)[0] - 1;
  let handled = true;
  switch (e.key) {
    case 'ArrowDown':
      select(cur + 1);
      break;
    case 'ArrowUp':
      select(Math.max(0, cur - 1));
      break;
    case 'PageDown':
      select(cur + page);
      break;
    case 'PageUp':
      select(Math.max(0, cur - page));
      break;
    case 'Home':
      select(0);
      break;
    case 'End':
      select(model.rows.length - 1);
      break;
    case 'ArrowLeft':
      pan(-step, 0);
      break;
    case 'ArrowRight':
      pan(step, 0);
      break;
    case '+':
    case '=':
      zoom(1 / 1.5);
      break;
    case '-':
    case '_':
      zoom(1.5);
      break;
    case '0':
    case 'f':
      fit();
      break;
    case 'Enter':
    case ' ':
      if (selected !== null) reveal(selected);
      break;
    case 'Escape':
      select(null);
      break;
    default:
      handled = false;
  }
  if (handled) e.preventDefault();
});

$('zoom-in').addEventListener('click', () => zoom(1 / 1.5));
$('zoom-out').addEventListener('click', () => zoom(1.5));
$('zoom-fit').addEventListener('click', fit);

new ResizeObserver(() => {
  rebuild();
  schedule();
}).observe(chartEl);

if (source) vscode.setState({ source });
vscode.postMessage({ type: 'ready' });
