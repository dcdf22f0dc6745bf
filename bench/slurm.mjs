#!/usr/bin/env node
// ActionTree on Slurm vs raw Slurm, on the same cluster (SPEC §9, issue 13):
//   1. dependency hop latency: a chain of N trivial actions run by `actiontree` (executor slurm)
//      vs a raw `sbatch -d afterok:` chain of the same length. Hop = end of job i → start of
//      job i+1, both measured the same way (EPOCHREALTIME written by the job's own script: the
//      wrapper for ActionTree, the batch script for raw). Paired, alternating order, medians.
//   2. throughput: 200 independent `true` actions vs a plain `for … sbatch` loop of 200 jobs:
//      wall time from the first submission until every job has ended.
//
//   node --import tsx bench/slurm.mjs [--rounds 5] [--chain 10] [--wide 200]
//
// Starts its own throwaway cluster (scripts/slurm-cluster.sh; root) unless SLURM_CONF is set.
// Target: hop latency within 1.2x of raw.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { executeRun } from '../src/runner/run.ts';
import { load, median, num, root as ROOT } from './lib/common.mjs';

const ROUNDS = num('rounds', 5);
const CHAIN = num('chain', 10);
const WIDE = num('wide', 200);

let clusterDir = null;
let env = process.env;
if (!process.env.SLURM_CONF) {
  clusterDir = fs.mkdtempSync(path.join(os.tmpdir(), 'at-bench-slurm-'));
  const inst = spawnSync('bash', [path.join(ROOT, 'scripts/slurm-cluster.sh'), 'install'], { stdio: 'inherit' });
  if (inst.status !== 0) process.exit(inst.status ?? 1);
  const st = spawnSync('bash', [path.join(ROOT, 'scripts/slurm-cluster.sh'), 'start', clusterDir], { encoding: 'utf8' });
  if (st.status !== 0) {
    process.stderr.write(st.stderr);
    process.exit(st.status ?? 1);
  }
  env = { ...process.env, SLURM_CONF: path.join(clusterDir, 'slurm.conf') };
}
const stop = () => {
  if (clusterDir) spawnSync('bash', [path.join(ROOT, 'scripts/slurm-cluster.sh'), 'stop', clusterDir]);
  clusterDir = null;
};
process.on('exit', stop);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'at-bench-work-'));

/** ActionTree: a chain graph run on Slurm; hops from the events (wrapper times). */
async function atChain(n) {
  const dir = fs.mkdtempSync(path.join(work, 'at-'));
  const actions = {};
  for (let i = 0; i < n; i++) actions[`c${i}`] = { command: 'true', ...(i > 0 ? { dependsOn: [`c${i - 1}`] } : {}) };
  const file = path.join(dir, 'chain.actiontree.jsonc');
  fs.writeFileSync(file, JSON.stringify({ version: 1, actions }));
  const started = {};
  const finished = {};
  const t0 = Date.now();
  const out = await executeRun({
    graphFile: file,
    executor: 'slurm',
    env,
    signal: new AbortController().signal,
    onEvent: (e) => {
      if (e.type === 'action-started') started[e.action] = e.time;
      if (e.type === 'action-finished') finished[e.action] = e.time;
    },
  });
  if (out.kind !== 'finished' || out.summary.result !== 'succeeded') throw new Error(`chain run failed: ${JSON.stringify(out).slice(0, 300)}`);
  const hops = [];
  for (let i = 1; i < n; i++) hops.push(started[`c${i}`] - finished[`c${i - 1}`]);
  return { hops, makespan: Math.round(finished[`c${n - 1}`] - t0) };
}

const JOB = (dir, i) => `#!/bin/bash
s=\${EPOCHREALTIME/[.,]/}
true
e=\${EPOCHREALTIME/[.,]/}
echo "$s $e" > ${dir}/j${i}.tmp && mv ${dir}/j${i}.tmp ${dir}/j${i}.t
`;

async function waitFiles(dir, n, timeoutMs = 300_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const have = fs.readdirSync(dir).filter((f) => f.endsWith('.t')).length;
    if (have >= n) return;
    if (Date.now() > end) throw new Error(`only ${have}/${n} raw jobs ended`);
    await sleep(5);
  }
}

/** Raw: `sbatch -d afterok:PREV` chain submitted by a shell loop; hops from the jobs' own timestamps. */
async function rawChain(n) {
  const dir = fs.mkdtempSync(path.join(work, 'raw-'));
  for (let i = 0; i < n; i++) fs.writeFileSync(path.join(dir, `j${i}.sh`), JOB(dir, i), { mode: 0o755 });
  const t0 = Date.now();
  execFileSync(
    'bash',
    ['-c', `prev=; for i in $(seq 0 ${n - 1}); do if [ -z "$prev" ]; then prev=$(sbatch --parsable -J rawchain -o /dev/null ${dir}/j$i.sh); else prev=$(sbatch --parsable -J rawchain -o /dev/null -d afterok:$prev --kill-on-invalid-dep=yes ${dir}/j$i.sh); fi; done`],
    { env },
  );
  await waitFiles(dir, n);
  const t = [];
  for (let i = 0; i < n; i++) t.push(fs.readFileSync(path.join(dir, `j${i}.t`), 'utf8').trim().split(' ').map((x) => Number(x) / 1000));
  const hops = [];
  for (let i = 1; i < n; i++) hops.push(t[i][0] - t[i - 1][1]);
  return { hops, makespan: Math.round(t[n - 1][1] - t0) };
}

async function atWide(n) {
  const dir = fs.mkdtempSync(path.join(work, 'atw-'));
  const actions = {};
  for (let i = 0; i < n; i++) actions[`w${i}`] = { command: 'true' };
  const file = path.join(dir, 'wide.actiontree.jsonc');
  fs.writeFileSync(file, JSON.stringify({ version: 1, actions }));
  const t0 = Date.now();
  const out = await executeRun({ graphFile: file, executor: 'slurm', env, signal: new AbortController().signal });
  if (out.kind !== 'finished' || out.summary.result !== 'succeeded') throw new Error('wide run failed');
  return Date.now() - t0;
}

async function rawWide(n) {
  const dir = fs.mkdtempSync(path.join(work, 'raww-'));
  for (let i = 0; i < n; i++) fs.writeFileSync(path.join(dir, `j${i}.sh`), JOB(dir, i), { mode: 0o755 });
  const t0 = Date.now();
  execFileSync('bash', ['-c', `for i in $(seq 0 ${n - 1}); do sbatch --parsable -J rawwide -o /dev/null ${dir}/j$i.sh >/dev/null; done`], { env });
  await waitFiles(dir, n);
  return Date.now() - t0;
}

console.log(`bench/slurm: ${ROUNDS} rounds, chain ${CHAIN}, wide ${WIDE}; ${os.cpus().length} CPUs; load ${load()}`);
// warm-up (first sbatch, tsx, page cache)
await atChain(3);
await rawChain(3);

const hop = { at: [], raw: [], ratio: [], atMake: [], rawMake: [] };
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? ['at', 'raw'] : ['raw', 'at'];
  const res = {};
  for (const k of order) res[k] = k === 'at' ? await atChain(CHAIN) : await rawChain(CHAIN);
  const a = median(res.at.hops);
  const b = median(res.raw.hops);
  hop.at.push(a);
  hop.raw.push(b);
  hop.ratio.push(a / b);
  hop.atMake.push(res.at.makespan);
  hop.rawMake.push(res.raw.makespan);
  console.log(`  round ${r + 1} (${order.join(' first, ')}): hop median actiontree ${a.toFixed(1)} ms, raw ${b.toFixed(1)} ms (x${(a / b).toFixed(2)}); chain makespan ${res.at.makespan} vs ${res.raw.makespan} ms`);
}
console.log(`hop latency: actiontree ${median(hop.at).toFixed(1)} ms, raw sbatch -d afterok chain ${median(hop.raw).toFixed(1)} ms; paired ratio median x${median(hop.ratio).toFixed(2)}`);
console.log(`chain of ${CHAIN} makespan: actiontree ${median(hop.atMake)} ms, raw ${median(hop.rawMake)} ms`);

const wide = { at: [], raw: [], ratio: [] };
const wideRounds = Math.max(1, Math.min(ROUNDS, 3));
for (let r = 0; r < wideRounds; r++) {
  const order = r % 2 === 0 ? ['at', 'raw'] : ['raw', 'at'];
  const res = {};
  for (const k of order) res[k] = k === 'at' ? await atWide(WIDE) : await rawWide(WIDE);
  wide.at.push(res.at);
  wide.raw.push(res.raw);
  wide.ratio.push(res.at / res.raw);
  console.log(`  round ${r + 1}: ${WIDE} independent actions: actiontree ${res.at} ms, sbatch loop ${res.raw} ms (x${(res.at / res.raw).toFixed(2)})`);
}
console.log(`throughput (${WIDE} independent short actions): actiontree ${median(wide.at)} ms, plain sbatch loop ${median(wide.raw)} ms; paired ratio median x${median(wide.ratio).toFixed(2)}`);
console.log(`load average at the end: ${load()}`);
fs.rmSync(work, { recursive: true, force: true });
stop();
