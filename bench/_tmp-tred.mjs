import ELK from 'elkjs/lib/elk.bundled.js';
import dagre from '@dagrejs/dagre';
import { layeredDag } from './lib/dag.mjs';
const N = Number(process.argv[2] ?? 500);
const which = process.argv[3];
const nodes = layeredDag({ n: N, width: 40, seed: 7, duration: () => 0 });
// transitive reduction
const idx = new Map(nodes.map((a, i) => [a.id, i]));
const W = Math.ceil(N / 32);
const anc = nodes.map(() => new Uint32Array(W));
const kept = [];
let total = 0;
nodes.forEach((a, i) => {
  const ds = a.deps.map((d) => idx.get(d));
  total += ds.length;
  for (const d of ds) { anc[i][d >> 5] |= 1 << (d & 31); for (let w = 0; w < W; w++) anc[i][w] |= anc[d][w]; }
  for (const d of ds) {
    const red = ds.some((o) => o !== d && (anc[o][d >> 5] >>> (d & 31)) & 1);
    if (!red) kept.push([nodes[d].id, a.id]);
  }
});
console.log('edges', total, 'after tred', kept.length);
const t0 = performance.now();
if (which === 'elk') {
  const elk = new ELK();
  const r = await elk.layout({ id: 'root', layoutOptions: { 'elk.algorithm': 'layered', 'elk.direction': 'RIGHT' },
    children: nodes.map((a) => ({ id: a.id, width: 160, height: 28 })),
    edges: kept.map(([s, t], i) => ({ id: `e${i}`, sources: [s], targets: [t] })) });
  console.log('elk', N, (performance.now() - t0).toFixed(0), 'ms', r.children.length);
} else {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 12, ranksep: 40, ranker: which });
  g.setDefaultEdgeLabel(() => ({}));
  for (const a of nodes) g.setNode(a.id, { width: 160, height: 28 });
  for (const [s, t] of kept) g.setEdge(s, t);
  dagre.layout(g);
  console.log('dagre', which, N, (performance.now() - t0).toFixed(0), 'ms');
}
