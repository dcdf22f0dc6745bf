#!/usr/bin/env node
// Incremental runs (issue 9, docs/runner.md "Incremental runs"): ActionTree's no-op run vs
// GNU make's no-op on the same graph, and the cold first run's hashing overhead.
//
//   node bench/incremental.mjs [--actions N] [--files F] [--reps N] [--cold-reps N] [--quick] [--keep DIR] [--baseline CLI.js]
//
// --baseline CLI.js: another ActionTree CLI bundle (e.g. built from an earlier commit with the
// same esbuild options) run as a third tool in the same rotation of the no-op runs, for
// before/after figures measured side by side (paired ratio to the current sources).
// --keep DIR: build the no-op graph in DIR and keep it (reused when it is already there: the
// cold builds are skipped), e.g. to profile `node --cpu-prof bin/actiontree.js run` in it.
//
// The graph: N actions (default 2,000), each reading F input files (default 10: 20,000 in
// all) in its own folder, and the output file of up to two earlier actions (its
// dependencies); each writes one output file (`cksum` of what it reads).
//   ActionTree: "inputs": ["in/aI/*.txt"], "outputs": ["out/aI.txt"], dependsOn the two.
//   make:       out/aI.txt: in/aI/f0.txt … in/aI/f9.txt out/aJ.txt out/aK.txt
// (a) No-op: after both built everything (and ActionTree ran once more, so its stat cache is
//     settled), alternate `make -r -R -j2` and `actiontree run --cpus 2` with nothing changed.
//     Medians, paired ratio (median of per-pair ratios), and the floors: `node -e 0` and the
//     CLI's own start-up (`actiontree --version`).
// (b) Cold: the first run with empty state (every file hashed, every action runs) vs a plain
//     run of the same graph without inputs/outputs (outputs removed before each run).
// Prints a table; also written to bench/results/incremental.json.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundle } from './lib/bundle.mjs';
import { alternating, flag, load, median, opt, root } from './lib/common.mjs';

const quick = flag('quick');
const N = Number(opt('actions', 2000));
const F = Number(opt('files', 10));
const reps = Number(opt('reps', quick ? 3 : 9));
const coldReps = Number(opt('cold-reps', quick ? 1 : 3));
const hasTime = fs.existsSync('/usr/bin/time');
const baseline = opt('baseline', null);

for (const tool of ['make']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    console.error(`${tool} is not installed (apt-get install make)`);
    process.exit(2);
  }
}

// The CLI bundled from the current sources, minified as shipped.
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'at-bench-inc-'));
const cli = await bundle(path.join(work, 'cli.js'));

/** Up to two earlier actions: the previous one and the one at half the index (a deep chain with cross links). */
function depsOf(i) {
  const s = new Set();
  if (i >= 1) s.add(i - 1);
  const j = Math.floor(i / 2) - 1;
  if (j >= 0) s.add(j);
  return [...s];
}

function setup(dir, incremental) {
  fs.mkdirSync(dir, { recursive: true });
  const actions = {};
  let make = '.PHONY: all\nall:';
  for (let i = 0; i < N; i++) make += ` out/a${i}.txt`;
  make += '\n\n';
  for (let i = 0; i < N; i++) {
    const idir = path.join(dir, 'in', `a${i}`);
    fs.mkdirSync(idir, { recursive: true });
    for (let f = 0; f < F; f++) fs.writeFileSync(path.join(idir, `f${f}.txt`), `action ${i} file ${f}\n`);
    const deps = depsOf(i);
    const reads = [`in/a${i}/*.txt`, ...deps.map((d) => `out/a${d}.txt`)].join(' ');
    actions[`a${i}`] = {
      // A checksum, not a concatenation: outputs stay a few bytes (a concatenation of the
      // dependencies' outputs would grow exponentially along the chain).
      command: `mkdir -p out && cat ${reads} | cksum > out/a${i}.txt`,
      dependsOn: deps.map((d) => `a${d}`),
      ...(incremental ? { inputs: [`in/a${i}/*.txt`], outputs: [`out/a${i}.txt`] } : {}),
    };
    const pre = [...Array(F).keys()].map((f) => `in/a${i}/f${f}.txt`).concat(deps.map((d) => `out/a${d}.txt`));
    make += `out/a${i}.txt: ${pre.join(' ')}\n\t@mkdir -p out && cat ${reads} | cksum > $@\n`;
  }
  fs.writeFileSync(path.join(dir, 'b.actiontree.jsonc'), JSON.stringify({ version: 1, cpus: 2, actions }));
  fs.writeFileSync(path.join(dir, 'Makefile'), make);
}

/**
 * Wall time, and CPU time (user + system, from GNU time) — on a loaded machine the CPU time
 * is the steadier figure: wall time there mostly measures waiting for a core.
 */
function time(cmd, argv, cwd) {
  const full = hasTime ? ['/usr/bin/time', ['-f', '@@cpu %U %S', cmd, ...argv]] : [cmd, argv];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(full[0], full[1], { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) {
    console.error(`${cmd} ${argv.join(' ')} failed (${r.status}):\n${r.stderr}`);
    process.exit(1);
  }
  let stderr = r.stderr.toString();
  let cpuMs = NaN;
  const m = /@@cpu ([0-9.]+) ([0-9.]+)\n?$/.exec(stderr);
  if (m) {
    cpuMs = (Number(m[1]) + Number(m[2])) * 1000;
    stderr = stderr.slice(0, m.index);
  }
  return { ms, cpuMs, stdout: r.stdout.toString(), stderr };
}

const results = { node: process.version, make: spawnSync('make', ['--version']).stdout.toString().split('\n')[0], actions: N, inputFiles: N * F, cpus: os.availableParallelism(), loadBefore: load() };
console.log(`incremental bench: ${N} actions, ${N * F} input files, ${results.make}, node ${process.version}, ${results.cpus} cpus; load average ${results.loadBefore}`);

// (a) no-op
const keep = opt('keep', undefined);
const inc = keep ? path.resolve(keep) : path.join(work, 'inc');
const run = ['run', '--cpus', '2'];
if (!keep || !fs.existsSync(path.join(inc, 'b.actiontree.jsonc'))) {
  setup(inc, true);
  time('make', ['-r', '-R', '-j2', '-s'], inc); // make builds (outputs shared with ActionTree: same files)
  time(process.execPath, [cli, ...run], inc); // ActionTree: cold (hashes, records)
}
const second = time(process.execPath, [cli, ...run], inc); // settles the stat cache
if (!/skipped/.test(second.stdout + second.stderr)) console.error('warning: the second run did not report skipped actions');
const noop = alternating(reps, baseline ? ['make', 'at', 'base'] : ['make', 'at'], (which) => {
  if (which === 'make') {
    const t = time('make', ['-r', '-R', '-j2'], inc);
    if (!/Nothing to be done/.test(t.stdout + t.stderr)) console.error('warning: make was not a no-op');
    return t;
  }
  const t = time(process.execPath, [which === 'base' ? path.resolve(baseline) : cli, ...run], inc);
  if (!new RegExp(`${N} skipped`).test(t.stdout + t.stderr)) console.error(`warning: actiontree was not a no-op:\n${(t.stdout + t.stderr).slice(-500)}`);
  return t;
});
const makeMs = noop.map((got) => got.make.ms);
const atMs = noop.map((got) => got.at.ms);
const ratios = noop.map((got) => got.at.ms / got.make.ms);
const makeCpu = noop.map((got) => got.make.cpuMs);
const atCpu = noop.map((got) => got.at.cpuMs);
const cpuRatios = noop.map((got) => got.at.cpuMs / Math.max(got.make.cpuMs, 10)); // GNU time has 10 ms resolution
const nodeFloor = [];
const cliFloor = [];
const nodeFloorCpu = [];
const cliFloorCpu = [];
for (let r = 0; r < reps; r++) {
  const a = time(process.execPath, ['-e', '0'], inc);
  const b = time(process.execPath, [cli, '--version'], inc);
  nodeFloor.push(a.ms);
  cliFloor.push(b.ms);
  nodeFloorCpu.push(a.cpuMs);
  cliFloorCpu.push(b.cpuMs);
}
const base = baseline
  ? {
      file: baseline,
      medianMs: median(noop.map((got) => got.base.ms)),
      cpuMedianMs: median(noop.map((got) => got.base.cpuMs)),
      pairedRatio: median(noop.map((got) => got.at.ms / got.base.ms)),
      cpuPairedRatio: median(noop.map((got) => got.at.cpuMs / got.base.cpuMs)),
    }
  : undefined;
results.noop = {
  makeMedianMs: median(makeMs),
  actiontreeMedianMs: median(atMs),
  pairedRatio: median(ratios),
  nodeStartMedianMs: median(nodeFloor),
  cliStartMedianMs: median(cliFloor),
  cpu: {
    makeMedianMs: median(makeCpu),
    actiontreeMedianMs: median(atCpu),
    pairedRatio: median(cpuRatios),
    nodeStartMedianMs: median(nodeFloorCpu),
    cliStartMedianMs: median(cliFloorCpu),
  },
  ...(base ? { baseline: base } : {}),
  reps,
  loadAfter: load(),
};
console.log(`\n(a) no-op run, nothing changed (${reps} alternating pairs)`);
console.log(`  make -r -R -j2        median ${results.noop.makeMedianMs.toFixed(0)} ms`);
console.log(`  actiontree run        median ${results.noop.actiontreeMedianMs.toFixed(0)} ms`);
console.log(`  paired ratio          ${results.noop.pairedRatio.toFixed(2)}x make (target <= 2.0x)`);
console.log(`  floor: node -e 0      median ${results.noop.nodeStartMedianMs.toFixed(0)} ms;  actiontree --version ${results.noop.cliStartMedianMs.toFixed(0)} ms`);
if (hasTime) {
  const c = results.noop.cpu;
  console.log(`  CPU time (user+sys): make ${c.makeMedianMs.toFixed(0)} ms, actiontree ${c.actiontreeMedianMs.toFixed(0)} ms, paired ratio ${c.pairedRatio.toFixed(2)}x;`);
  console.log(`                       node -e 0 ${c.nodeStartMedianMs.toFixed(0)} ms, actiontree --version ${c.cliStartMedianMs.toFixed(0)} ms`);
}
if (base) {
  console.log(`  baseline ${path.basename(base.file)}: median ${base.medianMs.toFixed(0)} ms, CPU ${base.cpuMedianMs.toFixed(0)} ms;`);
  console.log(`                       actiontree / baseline paired: wall ${base.pairedRatio.toFixed(3)}, CPU ${base.cpuPairedRatio.toFixed(3)}`);
}
console.log(`  load average after: ${results.noop.loadAfter}`);

// (b) cold run: hashing overhead
function save() {
  fs.mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench', 'results', 'incremental.json'), JSON.stringify(results, null, 2) + '\n');
}
if (coldReps === 0 || keep) {
  // (a kept folder stays a settled no-op graph: no cold runs in it)
  save();
  fs.rmSync(work, { recursive: true, force: true });
  process.exit(0);
}
const plain = path.join(work, 'plain');
setup(plain, false);
const cold = alternating(coldReps, [inc, plain], (dir) => {
  fs.rmSync(path.join(dir, 'out'), { recursive: true, force: true });
  fs.rmSync(path.join(dir, '.actiontree'), { recursive: true, force: true });
  return time(process.execPath, [cli, ...run], dir).ms;
});
const coldInc = cold.map((got) => got[inc]);
const coldPlain = cold.map((got) => got[plain]);
results.cold = { incrementalMedianMs: median(coldInc), plainMedianMs: median(coldPlain), overhead: median(coldInc) / median(coldPlain) - 1, reps: coldReps, loadAfter: load() };
console.log(`\n(b) cold first run (${coldReps} alternating pairs; every action runs)`);
console.log(`  with inputs/outputs   median ${results.cold.incrementalMedianMs.toFixed(0)} ms (hashes ${N * F} inputs + ${N} outputs)`);
console.log(`  plain (no inputs)     median ${results.cold.plainMedianMs.toFixed(0)} ms`);
console.log(`  overhead              ${(results.cold.overhead * 100).toFixed(1)} %`);
console.log(`  load average after: ${results.cold.loadAfter}`);

save();
fs.rmSync(work, { recursive: true, force: true });
