#!/usr/bin/env node
// actiontree run vs GNU make vs ninja on the same generated graphs (issue 3, docs/runner.md).
//
//   node bench/run-vs-make-ninja.mjs [--reps N] [--sleep-reps N] [--only a,b,c] [--quick] [--baseline CLI.js]
//
// --baseline CLI.js: another ActionTree CLI bundle (e.g. built from an earlier commit with the
// same esbuild options) run as a fourth tool in the same alternation, for before/after figures
// measured side by side; its paired ratio to the current sources is printed too.
//
// (a) 2,000 no-op actions (`true`), layers of W = 50, 2 slots: wall time per tool.
// (b) 200 sleeps, lognormal durations (median 150 ms, sigma 1, cap 3 s), W = 3, 2 slots,
//     and 200 sleeps uniform 50-400 ms, W = 8: makespan / max(critical path, work / 2),
//     after one priming ActionTree run that records durations (estimates).
// (c) peak RSS (GNU time's "Maximum resident set size") while one action writes 50 MB.
// Tools alternate within each repetition (A B C, A B C, ...); medians and paired ratios.
// Installs make and ninja-build with apt-get when missing. Results also go to bench/results/.
import { spawnSync, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { idealListSchedule, layeredDag, searchListSchedules, lowerBound, normal, toActionTree, toMakefile, toNinja } from './lib/dag.mjs';
import { bundle } from './lib/bundle.mjs';
import { flag, load, median, opt, root } from './lib/common.mjs';

const quick = flag('quick');
const reps = Number(opt('reps', quick ? 2 : 5));
const sleepReps = Number(opt('sleep-reps', quick ? 1 : 2));
const only = new Set(opt('only', 'a,b,c').split(','));
const baseline = opt('baseline', null);

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}
if (!have('make') || !have('ninja')) {
  console.error('installing make and ninja-build with apt-get…');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'make', 'ninja-build'], { stdio: 'inherit' });
}
const hasTime = fs.existsSync('/usr/bin/time');

// The CLI bundled from the current sources (same options as esbuild.mjs).
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'at-bench-'));
const cli = await bundle(path.join(work, 'cli.js'));

const versions = {
  node: process.version,
  make: execFileSync('make', ['--version']).toString().split('\n')[0],
  ninja: execFileSync('ninja', ['--version']).toString().trim(),
  cpus: os.availableParallelism(),
};

function writeGraphs(name, nodes, slots) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'bench.actiontree.jsonc'), toActionTree(nodes, slots));
  fs.writeFileSync(path.join(dir, 'Makefile'), toMakefile(nodes));
  fs.writeFileSync(path.join(dir, 'build.ninja'), toNinja(nodes));
  return dir;
}

const tools = {
  actiontree: (dir, slots) => [process.execPath, [cli, 'run', 'bench.actiontree.jsonc', '--cpus', String(slots)]],
  make: (dir, slots) => ['make', ['-s', `-j${slots}`, 'all']],
  ninja: (dir, slots) => ['ninja', [`-j${slots}`, 'all']],
};
if (baseline !== null) tools.baseline = (dir, slots) => [process.execPath, [path.resolve(baseline), 'run', 'bench.actiontree.jsonc', '--cpus', String(slots)]];

/** Runs a tool once; wall time in ms (and peak RSS in MB with GNU time). */
function runOnce(tool, dir, slots, { measureRss = false } = {}) {
  let [cmd, argv] = tools[tool](dir, slots);
  const rssFile = path.join(work, 'rss.txt');
  if (measureRss && hasTime) {
    argv = ['-f', '%M', '-o', rssFile, cmd, ...argv];
    cmd = '/usr/bin/time';
  }
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${tool} failed in ${dir} (status ${r.status}): ${String(r.stderr).slice(0, 2000)}`);
  const rssMb = measureRss && hasTime ? Number(fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop()) / 1024 : null;
  return { ms, rssMb };
}

/** ActionTree's own makespan from its latest report (excludes Node start-up and exit). */
function lastReportSpan(dir) {
  const runs = path.join(dir, '.actiontree', 'runs');
  const last = fs.readdirSync(runs).sort().pop();
  const r = JSON.parse(fs.readFileSync(path.join(runs, last, 'report.json'), 'utf8'));
  return r.finishedAt - r.startedAt;
}

const f = (x, d = 2) => (x === null || x === undefined ? '—' : x.toFixed(d));

function table(title, header, rows) {
  const all = [header, ...rows];
  const w = header.map((_, i) => Math.max(...all.map((r) => String(r[i]).length)));
  console.log(`\n${title}`);
  for (const [k, r] of all.entries()) {
    console.log(r.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  '));
    if (k === 0) console.log(w.map((n) => '-'.repeat(n)).join('  '));
  }
}

/** A B C, A B C, …: returns per-tool arrays of results. */
function alternate(dir, slots, n, extra) {
  const out = { actiontree: [], make: [], ninja: [], ...(baseline !== null ? { baseline: [] } : {}) };
  for (let i = 0; i < n; i++) {
    for (const tool of Object.keys(out)) {
      const r = runOnce(tool, dir, slots, extra);
      if (tool === 'actiontree' || tool === 'baseline') r.internalMs = lastReportSpan(dir);
      out[tool].push(r);
      process.stderr.write('.');
    }
  }
  process.stderr.write('\n');
  return out;
}

const results = { date: new Date().toISOString(), versions, reps, sleepReps, quick };
console.log(`actiontree vs make vs ninja — node ${versions.node}, ${versions.make}, ninja ${versions.ninja}, ${versions.cpus} CPUs; reps ${reps} (sleep graphs ${sleepReps})`);

if (only.has('a')) {
  const n = quick ? 400 : 2000;
  const nodes = layeredDag({ n, width: 50, seed: 1, duration: () => 0 });
  const dir = writeGraphs('noop', nodes, 2);
  runOnce('actiontree', dir, 2); // warm the file cache
  const loadBefore = load();
  const r = alternate(dir, 2, reps);
  const loadAfter = load();
  const ninjaMed = median(r.ninja.map((x) => x.ms));
  const rows = Object.entries(r).map(([tool, xs]) => {
    const ms = xs.map((x) => x.ms);
    const ratios = xs.map((x, i) => x.ms / r.ninja[i].ms);
    const makeRatios = xs.map((x, i) => x.ms / r.make[i].ms);
    return [tool, f(median(ms), 0), f((median(ms) * 1000) / n, 0), f(median(ms) / ninjaMed), f(median(ratios)), f(median(makeRatios)), tool === 'actiontree' || tool === 'baseline' ? f(median(xs.map((x) => x.internalMs)), 0) : ''];
  });
  table(`(a) ${n} no-op actions (true), W=50, 2 slots — wall time, median of ${reps}`, ['tool', 'ms', 'µs/action', '÷ninja (medians)', '÷ninja (paired, median)', '÷make (paired, median)', 'run only ms'], rows);
  if (baseline !== null) console.log(`actiontree ÷ baseline (paired, median): ${f(median(r.actiontree.map((x, i) => x.ms / r.baseline[i].ms)), 3)}`);
  console.log(`load average (1, 5, 15 min) before: ${loadBefore}; after: ${loadAfter}`);
  results.a = { n, raw: r, loadBefore, loadAfter };
}

function sleepCase(label, key, nodes, width) {
  const dir = writeGraphs(key, nodes, 2);
  const lb = lowerBound(nodes, 2);
  const ideal = idealListSchedule(nodes, 2);
  const searched = searchListSchedules(nodes, 2);
  runOnce('actiontree', dir, 2); // priming run: records durations for the estimates
  const r = alternate(dir, 2, sleepReps);
  const rows = Object.entries(r).map(([tool, xs]) => {
    const ms = median(xs.map((x) => x.ms));
    const row = [tool, f(ms, 0), f(ms / lb.bound, 3)];
    row.push(tool === 'actiontree' ? f(median(xs.map((x) => x.internalMs)) / lb.bound, 3) : '');
    row.push(f(median(xs.map((x, i) => x.ms / r.ninja[i].ms)), 3));
    return row;
  });
  table(
    `(b) ${label}, W=${width}, 2 slots — lower bound ${f(lb.bound, 0)} ms (critical path ${f(lb.cp, 0)}, work/2 ${f(lb.total / 2, 0)}); median of ${sleepReps} after 1 priming run`,
    ['tool', 'makespan ms', '÷bound (wall)', '÷bound (run only)', '÷ninja (paired)'],
    rows,
  );
  console.log(`zero-overhead critical-path list schedule (exact durations): ${f(ideal, 0)} ms = ${f(ideal / lb.bound, 3)} × bound`);
  console.log(`best of 300 randomly perturbed priority orders (zero overhead): ${f(searched / lb.bound, 3)} × bound`);
  results[key] = { lb, ideal, searched, raw: r };
}

if (only.has('b')) {
  const n = quick ? 40 : 200;
  sleepCase(
    `${n} lognormal sleeps (median 150 ms, sigma 1, cap 3 s)`,
    'lognormal',
    layeredDag({ n, width: 3, seed: 7, duration: (rand) => Math.min(3000, Math.round(150 * Math.exp(normal(rand)))) }),
    3,
  );
  sleepCase(
    `${n} uniform sleeps (50–400 ms)`,
    'uniform',
    layeredDag({ n, width: 8, seed: 11, duration: (rand) => Math.round(50 + rand() * 350) }),
    8,
  );
}

if (only.has('c')) {
  const dir = path.join(work, 'big');
  fs.mkdirSync(dir, { recursive: true });
  const cmd = `yes ${'x'.repeat(99)} | head -c 52428800`;
  fs.writeFileSync(path.join(dir, 'bench.actiontree.jsonc'), JSON.stringify({ version: 1, actions: { big: { command: cmd } } }));
  fs.writeFileSync(path.join(dir, 'Makefile'), `.PHONY: all big\nall: big\nbig:\n\t@${cmd}\n`);
  fs.writeFileSync(path.join(dir, 'build.ninja'), `rule run\n  command = $cmd\nbuild big: run\n  cmd = ${cmd}\nbuild all: phony big\ndefault all\n`);
  const r = alternate(dir, 2, Math.min(reps, 3), { measureRss: true });
  const logSize = fs.statSync(path.join(dir, '.actiontree', 'runs', fs.readdirSync(path.join(dir, '.actiontree', 'runs')).sort().pop(), 'logs', 'big.log')).size;
  table(
    `(c) one action writing 50 MB (ActionTree: to its log file; make: passed through; ninja: buffered) — peak RSS (GNU time), median of ${Math.min(reps, 3)}`,
    ['tool', 'peak RSS MB', 'wall ms'],
    Object.entries(r).map(([tool, xs]) => [tool, f(median(xs.map((x) => x.rssMb)), 1), f(median(xs.map((x) => x.ms)), 0)]),
  );
  console.log(`ActionTree log file: ${logSize} bytes (expected 52428800)`);
  results.c = { raw: r, logSize };
}

const outDir = path.join(root, 'bench', 'results');
fs.mkdirSync(outDir, { recursive: true });
const outFile = path.join(outDir, `run-vs-make-ninja-${results.date.replace(/[:.]/g, '-')}.json`);
fs.writeFileSync(outFile, JSON.stringify(results, null, 1));
console.log(`\nraw results: ${path.relative(process.cwd(), outFile)}`);
fs.rmSync(work, { recursive: true, force: true });
