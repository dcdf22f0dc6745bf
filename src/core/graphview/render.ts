/**
 * Draws a laid-out graph as an SVG element tree (El): boxes per action colored by run state,
 * arrows from a dependency to its dependents, the selected action's dependency closure
 * highlighted. The webview turns the tree into DOM nodes; the CLI serializes it
 * (`actiontree graph --format svg`). Colors are CSS variables: the webview maps them to the
 * VS Code theme, exported files get a fixed palette (GRAPH_EXPORT_CSS).
 */
import { el, type El } from '../gantt/element';
import type { ActionState } from '../run/events';
import type { GraphLayout } from './layout';

export interface GraphRenderOptions {
  /** Run state per action; actions not in the map are drawn as "not in this run". */
  readonly states?: ReadonlyMap<string, ActionState>;
  /** The selected action: it and its dependency closure are highlighted, the rest dimmed. */
  readonly selected?: string | null;
  readonly closure?: ReadonlySet<string>;
  /** Native <title> tooltips (exported files; the webview has its own tooltip). */
  readonly titles?: ReadonlyMap<string, string>;
  /** A title band above the drawing (exported files). */
  readonly title?: string;
}

export const GRAPH_EXPORT_CSS = `
.graph { font: 12px system-ui, -apple-system, Segoe UI, Ubuntu, sans-serif; --fg:#1f2328; --muted:#656d76; --bg:#ffffff; --node:#f6f8fa; --border:#8c959f;
  --run:#0969da; --ok:#1a7f37; --fail:#cf222e; --cancel:#9a6700; --skip:#8c959f; --ready:#bf8700; --sel:#8250df; }
@media (prefers-color-scheme: dark) { .graph { --fg:#e6edf3; --muted:#8d96a0; --bg:#0d1117; --node:#161b22; --border:#6e7681;
  --run:#2f81f7; --ok:#3fb950; --fail:#f85149; --cancel:#d29922; --skip:#6e7681; --ready:#d29922; --sel:#a371f7; } }
`;

/** Rules shared by the webview stylesheet and exported files (colors come from variables). */
export const GRAPH_RULES = `
.graph .bg { fill: var(--bg); }
.graph .title { fill: var(--fg); font-weight: 600; font-size: 14px; }
.graph .node rect { fill: var(--node); stroke: var(--border); stroke-width: 1; }
.graph .node text { fill: var(--fg); dominant-baseline: central; }
.graph .node.st-running rect { stroke: var(--run); stroke-width: 2; }
.graph .node.st-ready rect { stroke: var(--ready); stroke-dasharray: 4 2; }
.graph .node.st-succeeded rect { stroke: var(--ok); stroke-width: 2; }
.graph .node.st-failed rect { stroke: var(--fail); stroke-width: 2; }
.graph .node.st-canceled rect { stroke: var(--cancel); stroke-width: 2; stroke-dasharray: 5 2; }
.graph .node.st-skipped rect { stroke: var(--skip); stroke-dasharray: 2 2; }
.graph .node .mark { stroke: none; }
.graph .node.st-running .mark { fill: var(--run); } .graph .node.st-succeeded .mark { fill: var(--ok); }
.graph .node.st-failed .mark { fill: var(--fail); } .graph .node.st-canceled .mark { fill: var(--cancel); }
.graph .node.st-ready .mark { fill: var(--ready); } .graph .node.st-skipped .mark, .graph .node.st-pending .mark { fill: var(--skip); }
.graph .edge { fill: none; stroke: var(--muted); stroke-width: 1; opacity: .8; }
.graph .arrow { fill: var(--muted); }
.graph.has-selection .node:not(.in-closure) { opacity: .3; }
.graph.has-selection .edge:not(.in-closure) { opacity: .15; }
.graph .node.in-closure rect { stroke-width: 2; }
.graph .node.selected rect { stroke: var(--sel); stroke-width: 3; }
.graph .edge.in-closure { stroke: var(--sel); stroke-width: 1.8; opacity: 1; }
`;

const TITLE_H = 30;

function pathOf(points: readonly { x: number; y: number }[], dy: number): string {
  if (points.length === 0) return '';
  const p = points.map((q) => ({ x: q.x, y: q.y + dy }));
  let d = `M${p[0]!.x},${p[0]!.y}`;
  if (p.length === 2) return `${d}L${p[1]!.x},${p[1]!.y}`;
  // A smooth curve through dagre's control points (quadratic segments between midpoints).
  for (let i = 1; i < p.length - 1; i++) {
    const c = p[i]!;
    const n = p[i + 1]!;
    const mx = i === p.length - 2 ? n.x : (c.x + n.x) / 2;
    const my = i === p.length - 2 ? n.y : (c.y + n.y) / 2;
    d += `Q${c.x},${c.y} ${round(mx)},${round(my)}`;
  }
  return d;
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

/** The drawing's element tree; `extraCss` is put in a <style> element (exported files). */
export function renderGraph(layout: GraphLayout, opts: GraphRenderOptions = {}, extraCss?: string): El {
  const dy = opts.title !== undefined ? TITLE_H : 0;
  const width = Math.max(120, layout.width);
  const height = Math.max(60, layout.height + dy);
  const sel = opts.selected ?? null;
  const closure = sel !== null ? (opts.closure ?? new Set([sel])) : undefined;
  const children: El[] = [];
  if (extraCss) children.push(el('style', {}, [extraCss]));
  children.push(
    el('defs', {}, [
      el('marker', { id: 'graph-arrow', viewBox: '0 0 8 8', refX: 8, refY: 4, markerUnits: 'userSpaceOnUse', markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, [
        el('path', { class: 'arrow', d: 'M0,0L8,4L0,8z' }),
      ]),
    ]),
    el('rect', { class: 'bg', x: 0, y: 0, width, height }),
  );
  if (opts.title !== undefined) children.push(el('text', { class: 'title', x: 12, y: 20 }, [opts.title]));
  const edges: El[] = [];
  for (const e of layout.edges) {
    const inC = closure !== undefined && closure.has(e.from) && closure.has(e.to);
    edges.push(el('path', { class: inC ? 'edge in-closure' : 'edge', d: pathOf(e.points, dy), 'marker-end': 'url(#graph-arrow)', 'data-from': e.from, 'data-to': e.to }));
  }
  const nodes: El[] = [];
  for (const n of layout.nodes) {
    const st = opts.states?.get(n.id);
    let cls = `node st-${st ?? 'none'}`;
    if (closure?.has(n.id)) cls += ' in-closure';
    if (sel === n.id) cls += ' selected';
    const kids: (El | string)[] = [];
    const t = opts.titles?.get(n.id);
    if (t !== undefined) kids.push(el('title', {}, [t]));
    kids.push(
      el('rect', { x: n.x, y: n.y + dy, width: n.w, height: n.h, rx: 5 }),
      el('rect', { class: 'mark', x: n.x + 1, y: n.y + dy + 1, width: 5, height: n.h - 2, rx: 2 }),
      el('text', { x: n.x + 12, y: n.y + dy + n.h / 2 }, [n.label]),
    );
    nodes.push(el('g', { class: cls, 'data-action': n.id }, kids));
  }
  children.push(el('g', { class: 'edges' }, edges), el('g', { class: 'nodes' }, nodes));
  return el(
    'svg',
    { xmlns: 'http://www.w3.org/2000/svg', class: closure ? 'graph has-selection' : 'graph', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' },
    children,
  );
}
