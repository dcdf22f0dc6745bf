// Benchmark (SPEC §10): in-process analyzeText() of a 10,000-action graph written three ways,
// alternating, medians of N runs after warm-up, with paired ratios:
//   plain     — dependsOn edges (bench/validate.mjs's shape)
//   artifacts — the same edges as requires/provides (every action provides its own name)
//   locks     — plain, plus a declared lock taken by every 10th action (shared or exclusive)
// With --base DIR, also the plain graph through DIR's src/core/analyze.ts (e.g. /work/main),
// to show that graphs without the new fields cost what they did.
//
//   node --import tsx bench/artifacts-locks.mjs [--actions 10000] [--runs 15] [--base /work/main]
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const N = Number(arg('actions', 10_000));
const RUNS = Number(arg('runs', 15));
const BASE = arg('base', undefined);

function rng(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(n, kind) {
  const r = rng(42);
  const id = (i) => `pkg${Math.floor(i / 10)}/task-${i % 10}:build`;
  const lines = ['{', '  "version": 1,', '  "cpus": 8,'];
  if (kind === 'locks') lines.push('  "locks": ["db", "cache"],');
  lines.push('  "actions": {');
  for (let i = 0; i < n; i++) {
    const deps = new Set();
    const k = i === 0 ? 0 : 1 + Math.floor(r() * 3);
    for (let j = 0; j < k; j++) deps.add(Math.floor(r() * i));
    const list = [...deps].map((d) => `"${kind === 'artifacts' ? `out-${d}` : id(d)}"`).join(', ');
    const edges = kind === 'artifacts' ? `"provides": ["out-${i}"], "requires": [${list}]` : `"dependsOn": [${list}]`;
    const locks = kind === 'locks' && i % 10 === 0 ? `, "locks": { "db": "${i % 20 === 0 ? 'exclusive' : 'shared'}", "cache": "shared" }` : '';
    lines.push(`    "${id(i)}": { "command": "echo ${i}", ${edges}${locks} }${i + 1 < n ? ',' : ''}`);
  }
  lines.push('  }', '}');
  return lines.join('\n') + '\n';
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const { analyzeText } = await import(pathToFileURL(path.join(root, 'src/core/analyze.ts')).href);
const base = BASE === undefined ? undefined : (await import(pathToFileURL(path.join(BASE, 'src/core/analyze.ts')).href)).analyzeText;

const texts = { plain: generate(N, 'plain'), artifacts: generate(N, 'artifacts'), locks: generate(N, 'locks') };
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
console.log(`analyzeText, ${N} actions, ${RUNS} runs, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
for (const [k] of cases) console.log(`  ${k.padEnd(14)} median ${median(times[k]).toFixed(1)} ms`);
console.log(`  artifacts / plain: median paired ratio ${median(ratios.artifacts).toFixed(2)}`);
console.log(`  locks / plain:     median paired ratio ${median(ratios.locks).toFixed(2)}`);
if (base) console.log(`  plain, this tree / base: median paired ratio ${median(ratios.base).toFixed(2)}`);
