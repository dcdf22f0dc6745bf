#!/usr/bin/env node
// Replay cost (issue #8 §4): `actiontree gantt` of a finished run and `stateFromEvents` over
// its events.jsonl, for the current code ("after") and an older commit ("before", default
// daaba2f, whose reducer copied the whole actions object per event).
//
//   node bench/replay.mjs [--sizes 5000,20000] [--runs 3]
//        [--before-sizes 2000,5000] [--before-runs 1] [--ref daaba2f] [--skip-gantt]
//
// Records are written the way the runner writes them (one run-started with every id and
// estimates, then per action ready / started / one output line / finished, run-finished;
// report.json with the runner's fields; the graph file beside them) for a layered DAG of
// n actions. Before timing, the record shape is checked against a real `actiontree run` of
// a small graph (same keys per event type and per report action).
// Prints medians, and the cost per event: linear replay keeps it flat from 5k to 20k
// actions; the old, quadratic replay's grows with n.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync, execFileSync } from 'node:child_process';
import { bundle } from './lib/bundle.mjs';
import { flag, load, median, opt, root as ROOT } from './lib/common.mjs';
import { layeredDag } from './lib/dag.mjs';

const list = (s) => (s ? s.split(',').filter(Boolean).map(Number) : []);
const SIZES = list(opt('sizes', '5000,20000'));
const RUNS = Number(opt('runs', '3'));
const BEFORE_SIZES = list(opt('before-sizes', '2000,5000'));
const BEFORE_RUNS = Number(opt('before-runs', '1'));
const REF = opt('ref', 'daaba2f');
const SKIP_GANTT = flag('skip-gantt');

const f = (x, d = 1) => x.toFixed(d);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'actiontree-replay-'));

// ---- the two builds ------------------------------------------------------------------
const buildCli = (srcRoot, outfile) => bundle(outfile, path.join(srcRoot, 'src/cli/main.ts'), { minify: false, logLevel: 'error', nodePaths: [path.join(ROOT, 'node_modules')] });
const oldRoot = path.join(work, 'old');
fs.mkdirSync(oldRoot);
execFileSync('sh', ['-c', `git -C "${ROOT}" archive ${REF} src package.json schema | tar -x -C "${oldRoot}"`]);
fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(oldRoot, 'node_modules'));
const cli = { before: path.join(work, 'cli-before.js'), after: path.join(work, 'cli-after.js') };
await buildCli(oldRoot, cli.before);
await buildCli(ROOT, cli.after);
// ---- records ------------------------------------------------------------------------
function writeRecords(n, dir) {
  const nodes = layeredDag({ n, width: 50, seed: 5, duration: (r) => Math.round(20 + r() * 400) });
  const ids = nodes.map((x, i) => `pkg${Math.floor(i / 10)}/${x.id}:build`);
  const idOf = new Map(nodes.map((x, i) => [x.id, ids[i]]));
  fs.mkdirSync(path.join(dir, '.actiontree', 'runs'), { recursive: true });
  const graphFile = path.join(dir, 'big.actiontree.jsonc');
  const actions = {};
  nodes.forEach((x, i) => {
    actions[ids[i]] = { command: `echo ${x.id}`, dependsOn: x.deps.map((d) => idOf.get(d)) };
  });
  fs.writeFileSync(graphFile, JSON.stringify({ version: 1, actions }, null, 1));
  const runId = '20261129T120000.000Z-beef';
  const runDir = path.join(dir, '.actiontree', 'runs', runId);
  fs.mkdirSync(path.join(runDir, 'logs'), { recursive: true });
  const T = 1_795_269_802_000.25;
  const est = {};
  ids.forEach((id, i) => {
    if (i % 3) est[id] = 100 + (i % 400);
  });
  const lines = [JSON.stringify({ type: 'run-started', runId, time: T, cpus: 4, actions: ids, graphFile, keepGoing: false, estimates: est })];
  const end = new Map();
  const slots = [T, T, T, T];
  const rep = {};
  nodes.forEach((x, i) => {
    const id = ids[i];
    const ready = Math.max(T, ...x.deps.map((d) => end.get(d)));
    slots.sort((a, b) => a - b);
    const start = Math.max(ready, slots[0]) + 0.4;
    const fin = start + x.ms;
    slots[0] = fin;
    end.set(x.id, fin);
    lines.push(JSON.stringify({ type: 'action-ready', action: id, time: ready }));
    lines.push(JSON.stringify({ type: 'action-started', action: id, time: start, attempt: 1, pid: 10_000 + i }));
    lines.push(JSON.stringify({ type: 'action-output', action: id, time: start + 1, stream: 'stdout', text: `${x.id}\n` }));
    lines.push(JSON.stringify({ type: 'action-finished', action: id, time: fin, state: 'succeeded', reason: null, exitCode: 0, signal: null, attempts: 1 }));
    rep[id] = {
      state: 'succeeded', reason: null, exitCode: 0, signal: null, attempts: 1,
      pendingAt: T, readyAt: ready, startedAt: start, finishedAt: fin, durationMs: fin - start,
      cpus: 1, resources: {}, log: `logs/${id.replace(/\//g, '%2F').replace(/:/g, '%3A')}.log`,
      dependsOn: x.deps.map((d) => idOf.get(d)),
      attemptDetails: [{ attempt: 1, startedAt: start, finishedAt: fin, pid: 10_000 + i, reason: null, exitCode: 0, signal: null }],
    };
  });
  // Events are written in time order, as the runner does.
  const head = lines.shift();
  const body = lines.map((l) => [JSON.parse(l).time, l]).sort((a, b) => a[0] - b[0]).map((x) => x[1]);
  const finishedAt = Math.max(...end.values()) + 1;
  body.push(JSON.stringify({ type: 'run-finished', time: finishedAt, result: 'succeeded' }));
  fs.writeFileSync(path.join(runDir, 'events.jsonl'), [head, ...body].join('\n') + '\n');
  const report = {
    version: 1, runId, graphFile, graphHash: 'sha256:0', graphName: null,
    host: { hostname: os.hostname(), platform: process.platform, cpus: os.cpus().length, node: process.version },
    cpus: 4, keepGoing: false, selection: ids, resources: {}, startedAt: T, finishedAt, result: 'succeeded', actions: rep,
  };
  fs.writeFileSync(path.join(runDir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  return { runDir, events: body.length + 1 };
}

/** The synthetic records have the keys a real run writes. */
function checkShape() {
  const dir = path.join(work, 'real');
  fs.mkdirSync(dir);
  const actions = { 'a/b:c': { command: 'echo hi' }, d: { command: 'echo x', dependsOn: ['a/b:c'] } };
  fs.writeFileSync(path.join(dir, 'g.actiontree.jsonc'), JSON.stringify({ version: 1, actions }));
  const r = spawnSync(process.execPath, [cli.after, 'run', 'g.actiontree.jsonc'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`real run failed: ${r.stderr}`);
  const runs = path.join(dir, '.actiontree', 'runs');
  const realDir = path.join(runs, fs.readdirSync(runs)[0]);
  const synth = writeRecords(60, path.join(work, 'shape')).runDir;
  const keysOf = (d) => {
    const ev = {};
    for (const l of fs.readFileSync(path.join(d, 'events.jsonl'), 'utf8').split('\n').filter(Boolean)) {
      const e = JSON.parse(l);
      ev[e.type] = Object.keys(e).sort().join(',');
    }
    const rep = JSON.parse(fs.readFileSync(path.join(d, 'report.json'), 'utf8'));
    return { ev, report: Object.keys(rep).sort().join(','), action: Object.keys(Object.values(rep.actions)[0]).sort().join(',') };
  };
  const a = keysOf(realDir);
  const b = keysOf(synth);
  const same = JSON.stringify(a) === JSON.stringify(b);
  console.log(`record shape vs a real run: ${same ? 'same keys' : 'DIFFERENT'}`);
  if (!same) console.log(JSON.stringify({ real: a, synthetic: b }, null, 1));
}

function timeGantt(which, runDir) {
  const out = path.join(work, `chart-${which}.svg`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli[which], 'gantt', runDir, '-o', out], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${which} gantt exited ${r.status}: ${r.stderr}`);
  return ms;
}

/** stateFromEvents in a fresh process (no heap left over from other measurements). */
function timeReplay(which, runDir) {
  const input = which === 'before' ? path.join(oldRoot, 'src/core/gantt/input.ts') : path.join(ROOT, 'src/core/gantt/input.ts');
  const code = `
    const fs = require('node:fs');
    const m = require(${JSON.stringify(input)});
    const events = m.parseEventsJsonl(fs.readFileSync(${JSON.stringify(path.join(runDir, 'events.jsonl'))}, 'utf8'));
    const t0 = performance.now();
    const s = m.stateFromEvents(events);
    const ms = performance.now() - t0;
    if (s.status !== 'finished') throw new Error('replay did not finish');
    process.stdout.write(String(ms));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { encoding: 'utf8', cwd: ROOT });
  if (r.status !== 0) throw new Error(`${which} replay exited ${r.status}: ${r.stderr}`);
  return Number(r.stdout);
}

console.log(`replay bench: ${REF} (before) vs working tree (after); ${os.cpus().length} CPUs; load average at start ${load()}`);
checkShape();
const rows = [];
const plan = [...BEFORE_SIZES.map((n) => ['before', n, BEFORE_RUNS]), ...SIZES.map((n) => ['after', n, RUNS])];
for (const [which, n, runs] of plan) {
  const { runDir, events } = writeRecords(n, path.join(work, `${which}-${n}`));
  const g = [];
  const r = [];
  for (let k = 0; k < runs; k++) {
    r.push(timeReplay(which, runDir));
    if (!SKIP_GANTT) g.push(timeGantt(which, runDir));
  }
  const row = { which, n, events, runs, replayMs: median(r), ganttMs: g.length ? median(g) : NaN, load: load() };
  rows.push(row);
  console.log(
    `${which.padEnd(6)} n=${String(n).padStart(6)} events=${String(events).padStart(6)}  stateFromEvents ${f(row.replayMs, 0).padStart(7)} ms (${f((row.replayMs * 1000) / events, 2)} µs/event)` +
      (SKIP_GANTT ? '' : `  gantt ${f(row.ganttMs, 0).padStart(7)} ms (${f((row.ganttMs * 1000) / events, 1)} µs/event)`) +
      `  median of ${runs}; load ${row.load}`,
  );
}
const ratio = (which, key) => {
  const xs = rows.filter((r) => r.which === which).sort((a, b) => a.n - b.n);
  if (xs.length < 2) return null;
  const [lo, hi] = [xs[0], xs[xs.length - 1]];
  return { lo: lo.n, hi: hi.n, perEvent: hi[key] / hi.events / (lo[key] / lo.events) };
};
for (const which of ['before', 'after']) {
  for (const key of ['replayMs', 'ganttMs']) {
    const q = ratio(which, key);
    if (q && Number.isFinite(q.perEvent)) console.log(`${which}: per-event cost of ${key === 'replayMs' ? 'stateFromEvents' : 'gantt'} at n=${q.hi} ÷ at n=${q.lo}: ${f(q.perEvent, 2)} (1 = linear; ${f(q.hi / q.lo, 1)} = quadratic)`);
  }
}
console.log(`load average at end ${load()}`);
fs.rmSync(work, { recursive: true, force: true });
