// Benchmark (SPEC §10): in-process analyzeText() of a 10,000-action graph written three ways,
// alternating, medians of N runs after warm-up, with paired ratios:
//   plain     — dependsOn edges (bench/validate.mjs's shape)
//   artifacts — the same edges as requires/provides (every action provides its own name)
//   locks     — plain, plus a declared lock taken by every 10th action (shared or exclusive)
// With --base DIR, also the plain graph through DIR's src/core/analyze.ts (e.g. /work/main),
// to show that graphs without the new fields cost what they did.
//
//   node --import tsx bench/artifacts-locks.mjs [--actions 10000] [--runs 15] [--base /work/main]
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { load, median, opt, root } from './lib/common.mjs';
import { generateEdges } from './lib/graphs.mjs';

const N = Number(opt('actions', 10_000));
const RUNS = Number(opt('runs', 15));
const BASE = opt('base', undefined);

const { analyzeText } = await import(pathToFileURL(path.join(root, 'src/core/analyze.ts')).href);
const base = BASE === undefined ? undefined : (await import(pathToFileURL(path.join(BASE, 'src/core/analyze.ts')).href)).analyzeText;

const texts = { plain: generateEdges(N, 'plain'), artifacts: generateEdges(N, 'artifacts'), locks: generateEdges(N, 'locks') };
const cases = [
  ['plain', () => analyzeText(texts.plain)],
  ['artifacts', () => analyzeText(texts.artifacts)],
  ['locks', () => analyzeText(texts.locks)],
  ...(base ? [['plain (base)', () => base(texts.plain)]] : []),
];
// Same resolved graph: the artifact edges are the dependsOn edges.
const a = analyzeText(texts.plain);
const b = analyzeText(texts.artifacts);
const same = a.graph.actions.every((x, i) => [...x.deps].sort().join() === [...b.graph.actions[i].deps].sort().join());
if (!same) throw new Error('artifact edges differ from the dependsOn edges');
if (b.diagnostics.some((d) => d.severity === 'error') || analyzeText(texts.locks).diagnostics.some((d) => d.severity === 'error')) throw new Error('unexpected errors');

for (let w = 0; w < 3; w++) for (const [, f] of cases) f();
const times = Object.fromEntries(cases.map(([k]) => [k, []]));
const ratios = { artifacts: [], locks: [], base: [] };
for (let r = 0; r < RUNS; r++) {
  const t = {};
  for (const [k, f] of cases) {
    const s = performance.now();
    f();
    t[k] = performance.now() - s;
    times[k].push(t[k]);
  }
  ratios.artifacts.push(t.artifacts / t.plain);
  ratios.locks.push(t.locks / t.plain);
  if (base) ratios.base.push(t.plain / t['plain (base)']);
}
console.log(`analyzeText, ${N} actions, ${RUNS} runs, load average ${load()}`);
for (const [k] of cases) console.log(`  ${k.padEnd(14)} median ${median(times[k]).toFixed(1)} ms`);
console.log(`  artifacts / plain: median paired ratio ${median(ratios.artifacts).toFixed(2)}`);
console.log(`  locks / plain:     median paired ratio ${median(ratios.locks).toFixed(2)}`);
if (base) console.log(`  plain, this tree / base: median paired ratio ${median(ratios.base).toFixed(2)}`);
