// Paired benchmark: analyzeText() on the 10,000-action graph of bench/validate.mjs, this
// tree's src/ against another copy of src/ (e.g. the commit before a parser change),
// alternating A/B child processes (fresh V8 for each side, order alternating each round) so
// both see the same machine load; each child times analyzeText after warm-up.
//
//   git archive <base> src | tar -x -C /tmp/base
//   node bench/parse-paired.mjs --base /tmp/base [--actions 10000] [--rounds 15] [--per-child 5] [--fn analyzeText|parseGraph]
//
// Prints the median of each side, the median of the per-round ratios new/base, and the load.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundle } from './lib/bundle.mjs';
import { alternating, load, median, opt, root } from './lib/common.mjs';
import { generate } from './lib/graphs.mjs';

const base = opt('base', undefined);
if (!base) {
  console.error('usage: node bench/parse-paired.mjs --base DIR (a folder holding another src/)');
  process.exit(2);
}
const N_ACTIONS = Number(opt('actions', 10_000));
const ROUNDS = Number(opt('rounds', 15));
const PER_CHILD = Number(opt('per-child', 5));
/** analyzeText (everything validate does) or parseGraph (the parser alone). */
const FN = opt('fn', 'analyzeText');

const tmp = mkdtempSync(path.join(os.tmpdir(), 'actiontree-paired-'));
try {
  const build = (dir, name) =>
    bundle(
      path.join(tmp, `${name}.js`),
      { contents: `export { analyzeText } from './src/core/analyze'; export { parseGraph } from './src/core/parse';`, resolveDir: dir },
      { external: ['vscode'], logLevel: 'error', nodePaths: [path.join(root, 'node_modules')] },
    );
  const bundles = { base: await build(path.resolve(base), 'base'), new: await build(root, 'new') };
  const text = generate(N_ACTIONS);
  const file = path.join(tmp, 'graph.jsonc');
  writeFileSync(file, text);
  // The child: same diagnostics printed as a length check, then the median of PER_CHILD timed runs.
  const child = path.join(tmp, 'child.cjs');
  writeFileSync(
    child,
    `const analyzeText = require(process.argv[2])[${JSON.stringify(FN)}];
const text = require('node:fs').readFileSync(process.argv[3], 'utf8');
const diag = JSON.stringify(analyzeText(text).diagnostics);
for (let i = 0; i < 3; i++) analyzeText(text);
const ts = [];
const cs = [];
for (let i = 0; i < ${PER_CHILD}; i++) { const c = process.cpuUsage(); const t = performance.now(); analyzeText(text); ts.push(performance.now() - t); const d = process.cpuUsage(c); cs.push((d.user + d.system) / 1000); }
ts.sort((a, b) => a - b);
cs.sort((a, b) => a - b);
console.log(JSON.stringify({ median: ts[ts.length >> 1], cpu: cs[cs.length >> 1], diagLength: diag.length, diagHash: require('node:crypto').createHash('sha1').update(diag).digest('hex') }));
`,
  );
  const run = (side) => {
    const r = spawnSync(process.execPath, [child, bundles[side], file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${side}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  const rounds = alternating(ROUNDS, ['base', 'new'], run, (res) => {
    if (res.base.diagHash !== res.new.diagHash) throw new Error('the two builds give different diagnostics');
  });
  const to = rounds.map((res) => res.base.median);
  const tn = rounds.map((res) => res.new.median);
  const ratios = rounds.map((res) => res.new.median / res.base.median);
  const co = rounds.map((res) => res.base.cpu);
  const cn = rounds.map((res) => res.new.cpu);
  const cpuRatios = rounds.map((res) => res.new.cpu / res.base.cpu);
  console.log(`${FN}, ${N_ACTIONS} actions, ${ROUNDS} rounds of paired child processes (order alternating, median of ${PER_CHILD} runs each after 3 warm-ups); node ${process.version}; ${os.cpus().length} CPUs; load average ${load()}`);
  console.log(`wall: base median ${median(to).toFixed(1)} ms   new median ${median(tn).toFixed(1)} ms   median ratio new/base ${median(ratios).toFixed(3)} (min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)})`);
  console.log(`CPU (user+system, less sensitive to load): base median ${median(co).toFixed(1)} ms   new median ${median(cn).toFixed(1)} ms   median ratio new/base ${median(cpuRatios).toFixed(3)} (min ${Math.min(...cpuRatios).toFixed(3)}, max ${Math.max(...cpuRatios).toFixed(3)})`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
