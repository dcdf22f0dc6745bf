#!/usr/bin/env node
// The runner's own CPU use while 8 actions run, with the SPEC §8 sampler on and off
// (issue 10): fraction of one core = runner CPU time (user + system, the runner process
// only) / wall time of the run. Each action is a small process tree (`sh` + `sleep`).
//
//   node bench/sampling-cost.mjs [--reps N] [--seconds S]
//
// On and off alternate within each repetition; medians and the paired difference.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : def;
};
const reps = opt('reps', 5);
const seconds = opt('seconds', 4);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'at-sampling-'));
const actions = {};
for (let i = 0; i < 8; i++) actions[`a${i}`] = { command: `sleep ${seconds} & sleep ${seconds}; wait` };
const file = path.join(dir, 'bench.actiontree.jsonc');
fs.writeFileSync(file, JSON.stringify({ version: 1, cpus: 8, actions }));

function once(sampling) {
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'bench/lib/run-once.ts'), file, ...(sampling ? [] : ['--no-sampling'])], { cwd: root, encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').pop());
  if (r.result !== 'succeeded') throw new Error(`run ${r.result}`);
  return r;
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

console.log(`sampling cost: 8 actions (sh + 2 sleeps each, ${seconds} s), ${reps} paired reps; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; ${os.cpus().length} cores`);
const on = [];
const off = [];
const diff = [];
for (let r = 0; r < reps; r++) {
  const a = once(true);
  const b = once(false);
  const fa = a.cpuMs / a.wallMs;
  const fb = b.cpuMs / b.wallMs;
  on.push(fa);
  off.push(fb);
  diff.push(fa - fb);
  console.log(`  rep ${r + 1}: on ${(fa * 100).toFixed(2)} % of a core (${a.cpuMs.toFixed(0)} ms CPU / ${a.wallMs.toFixed(0)} ms), off ${(fb * 100).toFixed(2)} % (${b.cpuMs.toFixed(0)} ms / ${b.wallMs.toFixed(0)} ms)`);
}
const report = JSON.parse(fs.readFileSync(once(true).report, 'utf8'));
const peaks = Object.values(report.actions).map((a) => a.peakRssBytes);
console.log(`runner CPU, median: sampling on ${(median(on) * 100).toFixed(2)} % of one core, off ${(median(off) * 100).toFixed(2)} %; paired difference (the sampler's cost) ${(median(diff) * 100).toFixed(2)} % of one core`);
console.log(`(measured per action: peakRssBytes ${Math.min(...peaks)}–${Math.max(...peaks)}; load average after ${os.loadavg().map((x) => x.toFixed(2)).join(' ')})`);
fs.rmSync(dir, { recursive: true, force: true });
