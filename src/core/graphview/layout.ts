/**
 * The graph view's layout (SPEC §11): a layered drawing from left (dependencies) to right
 * (dependents), computed by @dagrejs/dagre — the same code in the webview and in
 * `actiontree graph --format svg`. Pure: no DOM, no node:*.
 *
 * Why dagre and not elkjs: bench/graph-layout.mjs (docs/ui.md "Graph view"); in short, elkjs'
 * one bundle is 1.6 MB (470 KB compressed), which alone would nearly double the .vsix past
 * its 1 MB budget, and on the benchmark's graphs neither library is fast enough at 2,000
 * actions for an interactive first paint, so large graphs get a filtered view first.
 */
// @ts-expect-error TS1479: the package's typings are ESM-only; its "require" export (dist/dagre.cjs) and esbuild both work.
import dagre from '@dagrejs/dagre';

export interface GraphNodeInput {
  readonly id: string;
  /** Ids of the actions it depends on (unknown ids are ignored). */
  readonly deps: readonly string[];
}

export interface LaidOutNode {
  readonly id: string;
  /** Top-left corner and size, px. */
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  /** The label as drawn (long ids are shortened with an ellipsis in the middle). */
  readonly label: string;
}

export interface LaidOutEdge {
  /** The dependency. */
  readonly from: string;
  /** The action that depends on it. */
  readonly to: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

export interface GraphLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly LaidOutNode[];
  readonly edges: readonly LaidOutEdge[];
}

export const NODE_HEIGHT = 26;
const CHAR_W = 7;
const MAX_LABEL = 36;

export function nodeLabel(id: string): string {
  if (id.length <= MAX_LABEL) return id;
  const half = Math.floor((MAX_LABEL - 1) / 2);
  return `${id.slice(0, half)}…${id.slice(id.length - half)}`;
}

export function nodeWidth(label: string): number {
  return Math.max(48, Math.min(280, label.length * CHAR_W + 22));
}

/** Lays out `nodes` (in the given order, which breaks ties deterministically). */
export function layoutGraph(nodes: readonly GraphNodeInput[]): GraphLayout {
  const g = new dagre.graphlib.Graph({ multigraph: false, directed: true });
  // network-simplex ranks best (short edges); tight-tree is cheaper on very big graphs.
  // (longest-path piles every action without dependents into the last column.)
  g.setGraph({ rankdir: 'LR', nodesep: 10, ranksep: 48, edgesep: 6, marginx: 12, marginy: 12, ranker: nodes.length > 800 ? 'tight-tree' : 'network-simplex' });
  g.setDefaultEdgeLabel(() => ({}));
  const known = new Set<string>();
  for (const n of nodes) {
    if (known.has(n.id)) continue;
    known.add(n.id);
    const label = nodeLabel(n.id);
    g.setNode(n.id, { width: nodeWidth(label), height: NODE_HEIGHT, label });
  }
  const seen = new Set<string>();
  for (const n of nodes) {
    for (const d of n.deps) {
      const key = `${d}\u0000${n.id}`;
      // Self-edges and cycles are validation errors; the drawing just leaves them out.
      if (d === n.id || !known.has(d) || seen.has(key)) continue;
      seen.add(key);
      g.setEdge(d, n.id);
    }
  }
  dagre.layout(g);
  const outNodes: LaidOutNode[] = [];
  for (const id of known) {
    const n = g.node(id) as { x: number; y: number; width: number; height: number; label: string };
    outNodes.push({ id, x: round(n.x - n.width / 2), y: round(n.y - n.height / 2), w: n.width, h: n.height, label: n.label });
  }
  const outEdges: LaidOutEdge[] = [];
  for (const e of g.edges()) {
    const data = g.edge(e) as { points?: { x: number; y: number }[] } | undefined;
    outEdges.push({ from: e.v, to: e.w, points: (data?.points ?? []).map((p) => ({ x: round(p.x), y: round(p.y) })) });
  }
  const gl = g.graph() as { width?: number; height?: number };
  return { width: Math.ceil(gl.width ?? 0), height: Math.ceil(gl.height ?? 0), nodes: outNodes, edges: outEdges };
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

/** An action and everything it depends on, transitively (what "run with dependencies" runs). */
export function dependencyClosure(nodes: readonly GraphNodeInput[], id: string): Set<string> {
  const byId = new Map(nodes.map((n) => [n.id, n] as const));
  const out = new Set<string>();
  const stack = [id];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (out.has(x) || !byId.has(x)) continue;
    out.add(x);
    for (const d of byId.get(x)!.deps) stack.push(d);
  }
  return out;
}

/** An action, its dependencies and its dependents, transitively (the filtered view). */
export function neighborhood(nodes: readonly GraphNodeInput[], id: string): Set<string> {
  const up = dependencyClosure(nodes, id);
  const dependents = new Map<string, string[]>();
  for (const n of nodes) for (const d of n.deps) (dependents.get(d) ?? dependents.set(d, []).get(d)!).push(n.id);
  const down = new Set<string>();
  const stack = [id];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if (down.has(x)) continue;
    down.add(x);
    for (const d of dependents.get(x) ?? []) stack.push(d);
  }
  return new Set([...up, ...down]);
}
