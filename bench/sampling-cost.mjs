#!/usr/bin/env node
// The runner's own CPU use while 8 actions run, with the SPEC §8 sampler on and off
// (issue 10): fraction of one core = runner CPU time (user + system, the runner process
// only, all its threads) / wall time. Two windows: "while 8 run" = from the 8th
// action-started to the first action-finished (the steady state the target is about), and
// "whole run" = all of executeRun (also loading the graph, starting 8 helpers, the report).
// Each action is a small process tree (`sh` + 2 `sleep`). The runner is bench/lib/run-once.ts
// bundled with esbuild as the shipped CLI and worker are (not run through tsx, whose
// TypeScript hooks make the runner's heap several times larger and its idle GC busier).
//
//   node bench/sampling-cost.mjs [--reps N] [--seconds S]
//
// On and off alternate within each repetition; medians and the paired difference.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundle } from './lib/bundle.mjs';
import { load, median, num, root } from './lib/common.mjs';

const reps = num('reps', 5);
const seconds = num('seconds', 4);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'at-sampling-'));
const actions = {};
for (let i = 0; i < 8; i++) actions[`a${i}`] = { command: `sleep ${seconds} & sleep ${seconds}; wait` };
const file = path.join(dir, 'bench.actiontree.jsonc');
fs.writeFileSync(file, JSON.stringify({ version: 1, cpus: 8, actions }));

const runner = await bundle(path.join(dir, 'run-once.cjs'), 'bench/lib/run-once.ts');

function once(sampling) {
  const out = execFileSync(process.execPath, [runner, file, ...(sampling ? [] : ['--no-sampling'])], { cwd: root, encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').pop());
  if (r.result !== 'succeeded') throw new Error(`run ${r.result}`);
  return r;
}

console.log(`sampling cost: 8 actions (sh + 2 sleeps each, ${seconds} s), ${reps} paired reps; load average ${load()}; ${os.cpus().length} cores`);
const on = [];
const off = [];
const diff = [];
const son = [];
const soff = [];
const sdiff = [];
const pct = (x) => `${(x * 100).toFixed(2)} %`;
for (let r = 0; r < reps; r++) {
  const a = once(true);
  const b = once(false);
  const fa = a.cpuMs / a.wallMs;
  const fb = b.cpuMs / b.wallMs;
  on.push(fa);
  off.push(fb);
  diff.push(fa - fb);
  const sa = a.steady.cpuMs / a.steady.wallMs;
  const sb = b.steady.cpuMs / b.steady.wallMs;
  son.push(sa);
  soff.push(sb);
  sdiff.push(sa - sb);
  console.log(
    `  rep ${r + 1}: while 8 run: on ${pct(sa)} of a core (${a.steady.cpuMs.toFixed(0)} ms CPU / ${a.steady.wallMs.toFixed(0)} ms), off ${pct(sb)} (${b.steady.cpuMs.toFixed(0)} ms) | whole run: on ${pct(fa)} (${a.cpuMs.toFixed(0)} ms / ${a.wallMs.toFixed(0)} ms), off ${pct(fb)} (${b.cpuMs.toFixed(0)} ms)`,
  );
}
const report = JSON.parse(fs.readFileSync(once(true).report, 'utf8'));
const peaks = Object.values(report.actions).map((a) => a.peakRssBytes);
console.log(`runner CPU while 8 actions run, median: sampling on ${pct(median(son))} of one core, off ${pct(median(soff))}; paired difference (the sampler's cost) ${pct(median(sdiff))}`);
console.log(`runner CPU over the whole run (start-up and report included), median: on ${pct(median(on))}, off ${pct(median(off))}; paired difference ${pct(median(diff))}`);
console.log(`(measured per action: peakRssBytes ${Math.min(...peaks)}–${Math.max(...peaks)}; load average after ${load()})`);
fs.rmSync(dir, { recursive: true, force: true });
