/**
 * `actiontree graph --format svg`: the same drawing as the editor's graph view — laid out
 * by src/core/graphview (dagre) and drawn by its renderer — as a standalone SVG file with a
 * fixed palette (light, with a dark variant for dark-mode viewers) and native tooltips.
 */
import { toXml } from '../core/gantt/element';
import { layoutGraph } from '../core/graphview/layout';
import { GRAPH_EXPORT_CSS, GRAPH_RULES, renderGraph } from '../core/graphview/render';
import type { Graph } from '../core/model';

export function toSvg(graph: Graph, name: string): string {
  const layout = layoutGraph(graph.actions.map((a) => ({ id: a.id, deps: a.deps })));
  const titles = new Map<string, string>();
  for (const a of graph.actions) {
    const cmd = a.command === undefined ? null : a.command.kind === 'shell' ? a.command.line : a.command.argv.join(' ');
    const lines = [a.description !== undefined ? `${a.id} — ${a.description}` : a.id];
    if (cmd !== null) lines.push(`$ ${cmd}`);
    if (a.deps.length > 0) lines.push(`after ${a.deps.join(', ')}`);
    titles.set(a.id, lines.join('\n'));
  }
  const tree = renderGraph(layout, { titles, title: `${name} — ${graph.actions.length} action${graph.actions.length === 1 ? '' : 's'}` }, GRAPH_EXPORT_CSS + GRAPH_RULES);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${toXml(tree)}\n`;
}
