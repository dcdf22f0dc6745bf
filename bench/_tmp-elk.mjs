import ELK from 'elkjs/lib/elk.bundled.js';
import dagre from '@dagrejs/dagre';
import { layeredDag } from './lib/dag.mjs';
const N = Number(process.argv[2] ?? 500);
const which = process.argv[3];
const nodes = layeredDag({ n: N, width: 40, seed: 7, duration: () => 0 });
const t0 = performance.now();
if (which === 'elk') {
  const elk = new ELK();
  const r = await elk.layout({ id: 'root', layoutOptions: { 'elk.algorithm': 'layered', 'elk.direction': 'RIGHT', 'elk.layered.thoroughness': '1', 'elk.layered.crossingMinimization.greedySwitch.type': 'OFF', 'elk.edgeRouting': 'POLYLINE', 'elk.layered.nodePlacement.strategy': 'SIMPLE' },
    children: nodes.map((a) => ({ id: a.id, width: 160, height: 28 })),
    edges: nodes.flatMap((a) => a.deps.map((d, i) => ({ id: `${a.id}#${i}`, sources: [d], targets: [a.id] }))) });
  console.log('elk', N, (performance.now() - t0).toFixed(0), 'ms', r.children.length);
} else {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 12, ranksep: 40, ranker: which });
  g.setDefaultEdgeLabel(() => ({}));
  for (const a of nodes) g.setNode(a.id, { width: 160, height: 28 });
  for (const a of nodes) for (const d of a.deps) g.setEdge(d, a.id);
  dagre.layout(g, process.env.FAST ? { disableOptimalOrderHeuristic: true } : undefined);
  console.log('dagre', which, N, (performance.now() - t0).toFixed(0), 'ms');
}
