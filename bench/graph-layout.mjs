#!/usr/bin/env node
// Layered layout of a 2,000-action graph: elkjs (layered) vs @dagrejs/dagre, in Node.
// Median of N runs per library (after one warm-up), alternating the libraries so load
// spikes hit both, plus the paired ratio elk/dagre per round.
//
//   node --import tsx bench/graph-layout.mjs [--actions 2000] [--width 40] [--runs 5] [--warmup 1]
//
// dagre runs through src/core/graphview/layout.ts (the options the graph view uses); elkjs
// with its default layered options (direction RIGHT).
//
// Used to pick the graph view's layout library (issue 14; docs/ui.md "Graph view").
import ELK from 'elkjs/lib/elk.bundled.js';
import { layoutGraph } from '../src/core/graphview/layout.ts';
import { load, median, num } from './lib/common.mjs';
import { layeredDag } from './lib/dag.mjs';

const N = num('actions', 2000);
const WIDTH = num('width', 40);
const RUNS = num('runs', 5);
const WARMUP = num('warmup', 1);
const nodes = layeredDag({ n: N, width: WIDTH, seed: 7, duration: () => 0 });
const edges = nodes.reduce((k, a) => k + a.deps.length, 0);
const W = 160, H = 28;

async function elkOnce() {
  const elk = new ELK();
  const g = {
    id: 'root',
    layoutOptions: { 'elk.algorithm': 'layered', 'elk.direction': 'RIGHT', 'elk.layered.spacing.nodeNodeBetweenLayers': '40', 'elk.spacing.nodeNode': '12' },
    children: nodes.map((a) => ({ id: a.id, width: W, height: H })),
    edges: nodes.flatMap((a) => a.deps.map((d, i) => ({ id: `${a.id}#${i}`, sources: [d], targets: [a.id] }))),
  };
  const t0 = performance.now();
  const r = await elk.layout(g);
  const ms = performance.now() - t0;
  if (r.children.length !== N) throw new Error('elk lost nodes');
  return ms;
}

function dagreOnce() {
  const t0 = performance.now();
  const l = layoutGraph(nodes.map((a) => ({ id: a.id, deps: a.deps })));
  const ms = performance.now() - t0;
  if (l.nodes.length !== N) throw new Error('dagre lost nodes');
  return ms;
}

for (let i = 0; i < WARMUP; i++) {
  await elkOnce();
  dagreOnce();
}
const e = [], d = [], ratio = [];
for (let r = 0; r < RUNS; r++) {
  const de = r % 2 ? dagreOnce() : null;
  const ee = await elkOnce();
  const dd = de ?? dagreOnce();
  e.push(ee); d.push(dd); ratio.push(ee / dd);
}
console.log(`graph: ${N} actions, ${edges} edges, layers of ${WIDTH}; ${RUNS} runs; load average ${load()}`);
console.log(`elkjs layered     : median ${median(e).toFixed(0)} ms (min ${Math.min(...e).toFixed(0)}, max ${Math.max(...e).toFixed(0)})`);
console.log(`@dagrejs/dagre (graph view options): median ${median(d).toFixed(0)} ms (min ${Math.min(...d).toFixed(0)}, max ${Math.max(...d).toFixed(0)})`);
console.log(`paired ratio elk/dagre: median ${median(ratio).toFixed(2)}`);
