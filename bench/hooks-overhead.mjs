#!/usr/bin/env node
// What an onActionFinished hook costs the run (SPEC §10, docs/runner.md "Hooks").
//
//   node bench/hooks-overhead.mjs [--actions N] [--reps N] [--command 'sleep 0.1']
//
// N actions (default `true`, no dependencies), 2 CPU slots, run by the bundled CLI:
//   plain  — no hooks
//   hooked — "hooks": { "onActionFinished": "true" }: one `sh -c true` per action, at most 2 at once
// Variants alternate within each repetition. Printed per variant (medians):
//   makespan — report.json finishedAt - startedAt: the scheduler's run, which hooks must not delay
//   wall     — the whole `actiontree run` process, including the wait for the last hooks
// and the paired ratios hooked / plain. The load average is printed before and after.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundle } from './lib/bundle.mjs';
import { load, median, num, opt } from './lib/common.mjs';

const N = num('actions', 400);
const reps = num('reps', 5);
const command = opt('command', 'true');

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'at-bench-hooks-'));
const cli = await bundle(path.join(work, 'cli.js'));

const actions = Object.fromEntries(Array.from({ length: N }, (_, i) => [`a${i}`, { command }]));
const variants = {
  plain: { version: 1, cpus: 2, actions },
  hooked: { version: 1, cpus: 2, hooks: { onActionFinished: 'true' }, actions },
};
for (const [name, g] of Object.entries(variants)) {
  fs.mkdirSync(path.join(work, name));
  fs.writeFileSync(path.join(work, name, 'bench.actiontree.jsonc'), JSON.stringify(g));
}

function once(name) {
  const dir = path.join(work, name);
  fs.rmSync(path.join(dir, '.actiontree'), { recursive: true, force: true });
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, 'run'], { cwd: dir, encoding: 'utf8' });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${name}: exit ${r.status}\n${r.stderr}`);
  const runs = path.join(dir, '.actiontree', 'runs');
  const report = JSON.parse(fs.readFileSync(path.join(runs, fs.readdirSync(runs)[0], 'report.json'), 'utf8'));
  if (name === 'hooked') {
    const ok = (report.hooks ?? []).filter((h) => h.error === null).length;
    if (ok !== N) throw new Error(`hooked: ${ok} of ${N} hooks succeeded`);
  }
  return { wall, makespan: report.finishedAt - report.startedAt };
}

console.log(`hooks overhead: ${N} actions \`${command}\`, 2 slots, ${reps} reps; node ${process.version}; load average before: ${load()}`);
once('plain'); // warm-up (page cache, bundle)
const res = { plain: [], hooked: [] };
for (let i = 0; i < reps; i++) for (const name of Object.keys(variants)) res[name].push(once(name));
for (const name of Object.keys(res)) {
  console.log(`${name.padEnd(7)} makespan ${median(res[name].map((x) => x.makespan)).toFixed(0)} ms   wall ${median(res[name].map((x) => x.wall)).toFixed(0)} ms`);
}
const ratio = (k) => median(res.hooked.map((h, i) => h[k] / res.plain[i][k])).toFixed(2);
console.log(`paired ratio hooked/plain: makespan ${ratio('makespan')}×, wall ${ratio('wall')}×`);
console.log(`load average after: ${load()}`);
fs.rmSync(work, { recursive: true, force: true });
