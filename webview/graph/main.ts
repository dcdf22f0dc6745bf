/**
 * The graph view webview (SPEC §11). Receives validated messages from the extension host:
 * the graph (actions and dependencies) and the current run (the chart input built from the
 * shared run reducer). Lays the graph out with the same code as `actiontree graph --format
 * svg` (src/core/graphview), draws it once, then only toggles classes for state changes and
 * selection. Zoom and pan move one composited layer (CSS transform), so panning does not
 * re-render. Text is only ever set with textContent / setAttribute.
 */
import type { El } from '../../src/core/gantt/element';
import { buildGanttModel, matrixBase, type GanttInput, type GanttModel } from '../../src/core/gantt/model';
import { tooltipLines } from '../../src/core/gantt/render';
import { dependencyClosure, layoutGraph, neighborhood, type GraphLayout } from '../../src/core/graphview/layout';
import { renderGraph } from '../../src/core/graphview/render';
import { parseGraphHostMessage, type GraphViewGraph, type GraphWebviewMessage } from '../../src/shared/graph-protocol';

interface VsCodeApi {
  postMessage(msg: GraphWebviewMessage): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const SVG_NS = 'http://www.w3.org/2000/svg';
/** Above this many actions, the whole graph is laid out only on request (a filtered view is offered). */
export const LAYOUT_LIMIT = 800;

const $ = <T extends HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`missing #${id}`);
  return e as T;
};
const canvas = $<HTMLDivElement>('canvas');
const tooltipEl = $<HTMLDivElement>('tooltip');
const titleEl = $<HTMLSpanElement>('title');
const summaryEl = $<HTMLSpanElement>('summary');
const noticeEl = $<HTMLDivElement>('notice');
const noticeText = $<HTMLParagraphElement>('notice-text');
const noticeActions = $<HTMLDivElement>('notice-actions');
const focusInput = $<HTMLInputElement>('focus-input');
const focusIds = $<HTMLDataListElement>('focus-ids');
const showAllBtn = $<HTMLButtonElement>('show-all');

let graph: GraphViewGraph | null = null;
let chart: GanttInput | null = null;
let chartModel: GanttModel | null = null;
let hostNow = 0;
/** The drawn subset (null = the whole graph), and whether the user asked for the whole of a big graph. */
let focus: string | null = null;
let forceAll = false;
let layout: GraphLayout | null = null;
let layoutKey = '';
let layoutMs: number | null = null;
let svg: SVGSVGElement | null = null;
const nodeEls = new Map<string, SVGGElement>();
const edgeEls: { from: string; to: string; el: SVGPathElement }[] = [];
let selected: string | null = null;
let message: string | null = null;
/** View transform: screen = graph * k + (x, y). */
const view = { x: 0, y: 0, k: 1 };
let fitted = false;

function toDom(node: El | string): Node {
  if (typeof node === 'string') return document.createTextNode(node);
  const e = document.createElementNS(SVG_NS, node.tag);
  for (const [k, v] of Object.entries(node.attrs)) e.setAttribute(k, String(v));
  for (const c of node.children) e.appendChild(toDom(c));
  return e;
}

function post(m: GraphWebviewMessage): void {
  vscode.postMessage(m);
}

/** SPEC §10: a matrix action's node shows the most telling state of its expansions. */
const TELLING = ['failed', 'running', 'ready', 'pending', 'canceled', 'succeeded', 'skipped'];

function statesOf(): Map<string, string> {
  const m = new Map<string, string>();
  for (const a of chart?.actions ?? []) {
    m.set(a.id, a.state);
    const base = matrixBase(a.id);
    if (base === undefined) continue;
    const cur = m.get(base);
    if (cur === undefined || TELLING.indexOf(a.state) < TELLING.indexOf(cur)) m.set(base, a.state);
  }
  return m;
}

function reportRendered(): void {
  const states: Record<string, number> = {};
  const st = statesOf();
  for (const id of nodeEls.keys()) {
    const s = st.get(id) ?? 'none';
    states[s] = (states[s] ?? 0) + 1;
  }
  post({ type: 'rendered', nodes: graph?.nodes.length ?? 0, drawn: nodeEls.size, states, layoutMs, message, runId: chart?.runId ?? null });
}

function showNotice(text: string | null, offerFilter: boolean): void {
  message = text;
  noticeEl.hidden = text === null;
  noticeText.textContent = text ?? '';
  noticeActions.hidden = !offerFilter;
}

function visibleNodes(): GraphViewGraph['nodes'] {
  if (!graph) return [];
  if (focus === null) return graph.nodes;
  const keep = neighborhood(graph.nodes, focus);
  return graph.nodes.filter((n) => keep.has(n.id)).map((n) => ({ ...n, deps: n.deps.filter((d) => keep.has(d)) }));
}

/** Lays out and draws (only when the structure or the filter changed). */
function draw(): void {
  if (!graph) return;
  const n = graph.nodes.length;
  titleEl.textContent = graph.title;
  showAllBtn.hidden = focus === null;
  if (focus === null && n > LAYOUT_LIMIT && !forceAll) {
    clearDrawing();
    showNotice(
      `This graph has ${n} actions. Laying all of them out takes a while (seconds to minutes on a busy machine), so the view starts with a filtered drawing.`,
      true,
    );
    while (focusIds.firstChild) focusIds.removeChild(focusIds.firstChild);
    for (const a of graph.nodes.slice(0, 5000)) {
      const o = document.createElement('option');
      o.value = a.id;
      focusIds.appendChild(o);
    }
    summaryEl.textContent = `${n} actions · not laid out`;
    reportRendered();
    return;
  }
  const nodes = visibleNodes();
  const key = `${focus ?? ''}\u0000${JSON.stringify(nodes.map((x) => [x.id, x.deps]))}`;
  if (key !== layoutKey || !svg) {
    showNotice(null, false);
    const t0 = performance.now();
    layout = layoutGraph(nodes);
    clearDrawing();
    const tree = renderGraph(layout, { states: statesOf() as Map<string, never> });
    svg = toDom(tree) as SVGSVGElement;
    for (const g of svg.querySelectorAll<SVGGElement>('g.node')) nodeEls.set(g.getAttribute('data-action') ?? '', g);
    for (const p of svg.querySelectorAll<SVGPathElement>('path.edge')) edgeEls.push({ from: p.getAttribute('data-from') ?? '', to: p.getAttribute('data-to') ?? '', el: p });
    canvas.appendChild(svg);
    layoutKey = key;
    void svg.getBoundingClientRect(); // force the first layout/paint inside the measurement
    layoutMs = Math.round(performance.now() - t0);
    document.body.dataset['layoutMs'] = String(layoutMs);
    fitted = false;
    if (focus !== null) showNotice(`Showing '${focus}' with its dependencies and dependents: ${nodes.length} of ${n} actions.`, false);
  }
  if (!fitted) fit();
  applyStates();
  applySelection();
}

function clearDrawing(): void {
  svg?.remove();
  svg = null;
  nodeEls.clear();
  edgeEls.length = 0;
  layoutKey = '';
}

function applyStates(): void {
  const st = statesOf();
  for (const [id, g] of nodeEls) {
    const want = `st-${st.get(id) ?? 'none'}`;
    const cur = [...g.classList].find((c) => c.startsWith('st-'));
    if (cur !== want) {
      if (cur) g.classList.remove(cur);
      g.classList.add(want);
    }
  }
  const c = chart;
  if (graph) {
    const counts = new Map<string, number>();
    for (const a of c?.actions ?? []) counts.set(a.state, (counts.get(a.state) ?? 0) + 1);
    const runText = c ? ` · run: ${[...counts].map(([s, k]) => `${k} ${s}`).join(', ')}${c.result ? ` — ${c.result}` : ''}` : ' · no run in this window yet';
    summaryEl.textContent = `${graph.nodes.length} actions${focus !== null ? ` (${nodeEls.size} shown)` : ''}${runText}`;
  }
  document.body.dataset['drawn'] = String(nodeEls.size);
  document.body.dataset['result'] = c?.result ?? '';
  document.body.dataset['finished'] = String((c?.actions ?? []).filter((a) => ['succeeded', 'failed', 'canceled', 'skipped'].includes(a.state)).length);
  reportRendered();
}

function applySelection(): void {
  if (!svg || !graph) return;
  const closure = selected !== null && nodeEls.has(selected) ? dependencyClosure(graph.nodes, selected) : null;
  svg.classList.toggle('has-selection', closure !== null);
  for (const [id, g] of nodeEls) {
    g.classList.toggle('in-closure', closure?.has(id) ?? false);
    g.classList.toggle('selected', id === selected);
  }
  for (const e of edgeEls) e.el.classList.toggle('in-closure', closure !== null && closure.has(e.from) && closure.has(e.to));
}

// ---- zoom and pan ---------------------------------------------------------------------

function applyView(): void {
  if (svg) svg.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.k})`;
}

function fit(): void {
  if (!svg || !layout) return;
  const w = canvas.clientWidth || 800;
  const h = canvas.clientHeight || 600;
  const lw = Math.max(1, Number(svg.getAttribute('width')));
  const lh = Math.max(1, Number(svg.getAttribute('height')));
  view.k = Math.max(0.05, Math.min(1.5, Math.min(w / lw, h / lh)));
  view.x = Math.max(0, (w - lw * view.k) / 2);
  view.y = Math.max(0, (h - lh * view.k) / 2);
  fitted = true;
  applyView();
}

function zoomAt(factor: number, cx: number, cy: number): void {
  const k = Math.max(0.03, Math.min(4, view.k * factor));
  const f = k / view.k;
  view.x = cx - (cx - view.x) * f;
  view.y = cy - (cy - view.y) * f;
  view.k = k;
  applyView();
}

canvas.addEventListener(
  'wheel',
  (e) => {
    e.preventDefault();
    const r = canvas.getBoundingClientRect();
    if (e.ctrlKey || e.metaKey || !e.shiftKey) zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
    else {
      view.x -= e.deltaY;
      applyView();
    }
  },
  { passive: false },
);

/** A press on the canvas; `node`: the action under the pointer at the press (pointer capture retargets later events to the canvas). */
let drag: { x: number; y: number; vx: number; vy: number; moved: boolean; node: string | null } | null = null;
canvas.addEventListener('pointerdown', (e) => {
  if (e.button !== 0) return;
  drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false, node: nodeAt(e) };
  canvas.setPointerCapture(e.pointerId);
});
canvas.addEventListener('pointermove', (e) => {
  if (drag) {
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) > 3) {
      drag.moved = true;
      canvas.classList.add('dragging');
      tooltipEl.hidden = true;
    }
    if (drag.moved) {
      view.x = drag.vx + dx;
      view.y = drag.vy + dy;
      applyView();
    }
    return;
  }
  hover(e);
});
canvas.addEventListener('pointerup', (e) => {
  const d = drag;
  drag = null;
  canvas.classList.remove('dragging');
  if (d && !d.moved) click(d.node);
});
canvas.addEventListener('pointerleave', () => {
  tooltipEl.hidden = true;
});

function nodeAt(e: MouseEvent): string | null {
  const t = e.target instanceof Element ? e.target.closest('g.node') : null;
  return t?.getAttribute('data-action') ?? null;
}

function click(id: string | null): void {
  selected = id;
  applySelection();
  if (id !== null) post({ type: 'reveal-output', action: id });
}

// ---- tooltip: the same lines as the Gantt chart's --------------------------------------

const clock = (t: number): string => new Date(t).toLocaleTimeString(undefined, { hour12: false });

function tooltipFor(id: string): string[] {
  const node = graph?.nodes.find((n) => n.id === id);
  if (chart && chart.actions.some((a) => a.id === id)) {
    chartModel ??= buildGanttModel(chart, chart.finishedAt ?? hostNow);
    const row = chartModel.rows.find((r) => r.action.id === id);
    if (row) return tooltipLines(row, chartModel, clock);
  }
  const lines = [node?.description ? `${id} — ${node.description}` : id];
  if (node?.command) lines.push(`$ ${node.command}`);
  if (node && node.deps.length > 0) lines.push(`after ${node.deps.join(', ')}`);
  lines.push(chart ? 'not in the current run' : 'not run in this window yet');
  return lines;
}

function hover(e: MouseEvent): void {
  const id = nodeAt(e);
  if (id === null) {
    tooltipEl.hidden = true;
    return;
  }
  tooltipEl.textContent = tooltipFor(id).join('\n');
  tooltipEl.hidden = false;
  const x = Math.min(e.clientX + 14, window.innerWidth - tooltipEl.offsetWidth - 4);
  const y = e.clientY + 18 + tooltipEl.offsetHeight > window.innerHeight ? e.clientY - tooltipEl.offsetHeight - 8 : e.clientY + 18;
  tooltipEl.style.left = `${Math.max(0, x)}px`;
  tooltipEl.style.top = `${Math.max(0, y)}px`;
}

// ---- buttons and keys -------------------------------------------------------------------

const center = (): [number, number] => [canvas.clientWidth / 2, canvas.clientHeight / 2];
$('zoom-in').addEventListener('click', () => zoomAt(1.25, ...center()));
$('zoom-out').addEventListener('click', () => zoomAt(0.8, ...center()));
$('zoom-fit').addEventListener('click', () => fit());
$('layout-all').addEventListener('click', () => {
  forceAll = true;
  focus = null;
  showNotice(`Laying out ${graph?.nodes.length ?? 0} actions…`, false);
  // Let the notice paint before the (long) layout.
  setTimeout(draw, 30);
});
function applyFocus(): void {
  const id = focusInput.value.trim();
  if (!graph || !graph.nodes.some((n) => n.id === id)) {
    noticeText.textContent = `${message ?? ''}\nNo action '${id}' in this graph.`;
    return;
  }
  focus = id;
  selected = id;
  draw();
}
$('focus-go').addEventListener('click', applyFocus);
focusInput.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') applyFocus();
});
showAllBtn.addEventListener('click', () => {
  focus = null;
  draw();
});
canvas.addEventListener('keydown', (e) => {
  if (e.key === '+' || e.key === '=') zoomAt(1.25, ...center());
  else if (e.key === '-') zoomAt(0.8, ...center());
  else if (e.key === '0') fit();
  else if (e.key === 'Escape') {
    selected = null;
    applySelection();
  } else if (e.key.startsWith('Arrow')) {
    const d = 40;
    if (e.key === 'ArrowLeft') view.x += d;
    else if (e.key === 'ArrowRight') view.x -= d;
    else if (e.key === 'ArrowUp') view.y += d;
    else view.y -= d;
    applyView();
  } else return;
  e.preventDefault();
});
window.addEventListener('resize', () => {
  if (!fitted) fit();
});

// ---- messages -----------------------------------------------------------------------------

window.addEventListener('message', (ev: MessageEvent) => {
  const parsed = parseGraphHostMessage(ev.data);
  if (!parsed.ok) {
    console.warn('[actiontree graph] ignored message:', parsed.error);
    return;
  }
  const m = parsed.value;
  switch (m.type) {
    case 'graph':
      graph = m.graph;
      if (focus !== null && !graph.nodes.some((n) => n.id === focus)) focus = null;
      draw();
      break;
    case 'run':
      chart = m.chart;
      chartModel = null;
      hostNow = m.now;
      if (svg) applyStates();
      else reportRendered();
      break;
    case 'error':
      clearDrawing();
      showNotice(m.message, false);
      reportRendered();
      break;
  }
});

post({ type: 'ready' });
