// Benchmark: `actiontree validate` on a generated 10,000-action graph with a cycle.
// Prints medians of N runs of the whole process beside `node -e 0` (alternating, same N),
// and the median of in-process analyzeText() after warm-up.
// SPEC §10: the same figures for a graph whose matrix actions expand to the same number of
// actions (100 matrix actions of 10 × 10, selectors in dependsOn, a cycle), measured in the
// same loop (plain, matrix, node alternating), plus expandGraph (what a run adds).
//
//   node bench/validate.mjs [--actions 10000] [--runs 11]
//
// Targets (issue 2): whole process < 300 ms, analysis < 50 ms.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundle } from './lib/bundle.mjs';
import { load, median, num, root } from './lib/common.mjs';
import { generate, generateMatrix } from './lib/graphs.mjs';

const N_ACTIONS = num('actions', 10_000);
const RUNS = num('runs', 11);

const ms = (x) => `${x.toFixed(1)} ms`;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'actiontree-bench-'));
try {
  // The CLI bundle exactly as shipped (minified, like `vscode:prepublish`).
  const cli = await bundle(path.join(tmp, 'cli.js'), 'src/cli/main.ts', { external: ['vscode'], logLevel: 'error' });
  const core = await bundle(
    path.join(tmp, 'core.js'),
    { contents: "export { analyzeText } from './src/core/analyze'; export { expandGraph } from './src/core/matrix';", resolveDir: root },
    { external: ['vscode'], logLevel: 'error' },
  );

  // Every action depends on 1-3 random earlier ones, closing a cycle (checked below).
  const text = generate(N_ACTIONS);
  const file = path.join(tmp, 'bench.actiontree.jsonc');
  writeFileSync(file, text);

  const { analyzeText, expandGraph } = createRequire(import.meta.url)(core);
  const mtext = generateMatrix(N_ACTIONS);
  const mfile = path.join(tmp, 'matrix.actiontree.jsonc');
  writeFileSync(mfile, mtext);
  const mprobe = analyzeText(mtext);
  const mexp = expandGraph(mprobe.graph);
  const mcycles = mprobe.diagnostics.filter((d) => d.code === 'cycle').length;
  console.log(
    `matrix graph: ${mprobe.graph.actions.length} matrix actions expanding to ${mexp.actions.length} actions, ${mexp.actions.reduce((s, a) => s + a.deps.length, 0)} expanded edges, ${(Buffer.byteLength(mtext) / 1024).toFixed(0)} KiB, ${mprobe.diagnostics.length} diagnostics (${mcycles} cycle)`,
  );
  if (mcycles === 0) throw new Error('the generated matrix graph has no cycle');
  if (mprobe.diagnostics.some((d) => d.code !== 'cycle')) throw new Error(`unexpected diagnostics: ${mprobe.diagnostics.filter((d) => d.code !== 'cycle').map((d) => d.message).join('; ')}`);
  const probe = analyzeText(text);
  const cycles = probe.diagnostics.filter((d) => d.code === 'cycle').length;
  const sizeKb = Buffer.byteLength(text) / 1024;
  console.log(`graph: ${N_ACTIONS} actions, ${probe.graph.actions.reduce((s, a) => s + a.deps.length, 0)} edges, ${sizeKb.toFixed(0)} KiB, ${probe.diagnostics.length} diagnostics (${cycles} cycle)`);
  if (cycles === 0) throw new Error('the generated graph has no cycle');

  const cliTimes = [];
  const mcliTimes = [];
  const nodeTimes = [];
  let exitCode;
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    const r = spawnSync(process.execPath, [cli, 'validate', file], { encoding: 'utf8' });
    cliTimes.push(performance.now() - t);
    exitCode = r.status;
    if (r.status !== 1) throw new Error(`validate exited ${r.status}: ${r.stderr}`);
    t = performance.now();
    const mr = spawnSync(process.execPath, [cli, 'validate', mfile], { encoding: 'utf8' });
    mcliTimes.push(performance.now() - t);
    if (mr.status !== 1) throw new Error(`validate (matrix) exited ${mr.status}: ${mr.stderr}`);
    t = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    nodeTimes.push(performance.now() - t);
  }

  for (let i = 0; i < 3; i++) {
    analyzeText(text); // warm-up
    expandGraph(analyzeText(mtext).graph);
  }
  const inproc = [];
  const inprocCpu = [];
  const minproc = [];
  const mexpand = [];
  const ratios = [];
  for (let i = 0; i < RUNS; i++) {
    const c = process.cpuUsage();
    let t = performance.now();
    analyzeText(text);
    const plain = performance.now() - t;
    inproc.push(plain);
    const d = process.cpuUsage(c);
    inprocCpu.push((d.user + d.system) / 1000);
    t = performance.now();
    const a = analyzeText(mtext);
    const mt = performance.now() - t;
    minproc.push(mt);
    ratios.push(mt / plain);
    t = performance.now();
    expandGraph(a.graph); // a fresh graph each time: not the memoized one
    mexpand.push(performance.now() - t);
  }

  const c = median(cliTimes);
  const n0 = median(nodeTimes);
  console.log(`runs: ${RUNS} each, alternating; node ${process.version}; ${os.cpus().length} CPUs; load average ${load(1)} (figures scale with other work on the machine)`);
  console.log(`actiontree validate (whole process, exit ${exitCode}): median ${ms(c)}   [target < 300 ms]`);
  console.log(`node -e 0 (baseline):                      median ${ms(n0)}`);
  console.log(`difference (actiontree's own cost):        ${ms(c - n0)}`);
  console.log(`analyzeText in-process (after warm-up):    median ${ms(median(inproc))} wall, ${ms(median(inprocCpu))} CPU, best ${ms(Math.min(...inproc))}   [target < 50 ms]`);
  console.log(`matrix graph (${mexp.actions.length} expanded actions):`);
  console.log(`  actiontree validate (whole process):     median ${ms(median(mcliTimes))}   (plain: ${ms(c)})`);
  console.log(`  analyzeText in-process:                  median ${ms(median(minproc))}; paired ratio matrix/plain median ${median(ratios).toFixed(2)}`);
  console.log(`  expandGraph (what a run adds):           median ${ms(median(mexpand))}`);
  console.log(`CLI bundle size: ${(readFileSync(cli).length / 1024).toFixed(0)} KiB (minified)`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
