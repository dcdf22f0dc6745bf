#!/usr/bin/env node
// Memory admission (SPEC §8, issue 10): a memory-bound graph run side by side with plain
// CPU-slot admission and with admission by learned peaks.
//
//   node bench/memory-admission.mjs [--reps N] [--mb M] [--capacity C]
//
// 8 actions each allocate M MiB (touched) and hold it ~1 s; 4 CPU slots. The graph declares a
// small `memory` capacity C (default 1G) — "overcommit" is measured against that declared
// capacity from the recorded times and measured peaks, never by exhausting the machine.
//   cpu-slots: the same graph without "memory": up to 4 run at once (4 × M > C).
//   learned:   "memory": C, after one priming run that records each action's peak; the
//              actions declare nothing, so each holds its learned peak.
// Reports, per mode: the largest sum of measured peaks of attempts running at the same time
// (vs C), the makespan, and OOM/memory kills (none expected).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { load, opt, root } from './lib/common.mjs';

const reps = Number(opt('reps', 3));
const mb = Number(opt('mb', 300));
const capacity = opt('capacity', '1G');
const MiB = 1024 * 1024;
const capBytes = Number(/^(\d+)G$/.exec(capacity)?.[1] ?? 1) * 1024 * MiB;

const node = JSON.stringify(process.execPath);
const actions = {};
for (let i = 0; i < 8; i++) actions[`job${i}`] = { command: `${node} -e "const b=Buffer.alloc(${mb}*1048576,1);setTimeout(()=>{},1000)"` };

function graphDir(withMemory) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'at-memadm-'));
  const file = path.join(dir, 'mem.actiontree.jsonc');
  fs.writeFileSync(file, JSON.stringify({ version: 1, cpus: 4, ...(withMemory ? { memory: capacity } : {}), actions }));
  return file;
}
function run(file) {
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'bench/lib/run-once.ts'), file], { cwd: root, encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').pop());
  return JSON.parse(fs.readFileSync(r.report, 'utf8'));
}
/** Max over attempt starts of the summed measured peaks of attempts running then. */
function peakConcurrent(report) {
  const iv = Object.values(report.actions).flatMap((a) => a.attemptDetails.map((t) => ({ s: t.startedAt, e: t.finishedAt, m: t.peakRssBytes ?? 0 })));
  let best = 0;
  let most = 0;
  for (const x of iv) {
    const live = iv.filter((y) => y.s <= x.s && x.s < y.e);
    best = Math.max(best, live.reduce((s, y) => s + y.m, 0));
    most = Math.max(most, live.length);
  }
  return { bytes: best, count: most };
}
const kills = (report) => Object.values(report.actions).filter((a) => /out of memory|memory limit/.test(a.reason ?? '')).length;
/** The lower of the two middle values for an even count (not common.mjs's mean of the two): a measured run. */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const gib = (b) => `${(b / 1024 / MiB).toFixed(2)} GiB`;

console.log(`memory admission: 8 actions × ${mb} MiB (held ~1 s), 4 CPU slots, declared capacity ${capacity}; ${reps} reps; load average ${load()}, RAM ${gib(os.totalmem())}`);
const rows = { 'cpu-slots': [], learned: [] };
const slotsFile = graphDir(false);
const learnedFile = graphDir(true);
run(learnedFile); // priming run: records each action's peak
for (let r = 0; r < reps; r++) {
  for (const [mode, file] of [['cpu-slots', slotsFile], ['learned', learnedFile]]) {
    const rep = run(file);
    const c = peakConcurrent(rep);
    const makespan = rep.finishedAt - rep.startedAt;
    rows[mode].push({ ...c, makespan, kills: kills(rep), result: rep.result, held: Object.values(rep.actions)[0].memory });
    console.log(`  rep ${r + 1} ${mode.padEnd(9)}: at most ${c.count} at once, measured peaks at once ${gib(c.bytes)} (${c.bytes > capBytes ? 'OVER' : 'within'} ${capacity}), makespan ${(makespan / 1000).toFixed(2)} s, memory kills ${kills(rep)}, ${rep.result}${rows[mode].at(-1).held ? `, each held ${gib(rows[mode].at(-1).held)}` : ''}`);
  }
}
for (const mode of Object.keys(rows)) {
  const x = rows[mode];
  console.log(`${mode.padEnd(9)} median: peaks at once ${gib(median(x.map((y) => y.bytes)))} vs capacity ${capacity} (${x.filter((y) => y.bytes > capBytes).length}/${x.length} runs over), makespan ${(median(x.map((y) => y.makespan)) / 1000).toFixed(2)} s, memory kills ${x.reduce((s, y) => s + y.kills, 0)}`);
}
