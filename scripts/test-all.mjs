#!/usr/bin/env node
// `npm test`: every stage, in order, as CI runs it (see docs/testing.md).
//
//   node scripts/test-all.mjs [--only a,b] [--skip a,b]
//   stages: setup typecheck build unit runner slurm integration e2e package
//
// Every stage runs in a process group of its own under a wall-clock limit (`limit`, seconds,
// below; ACTIONTREE_STAGE_LIMIT_S=<s> overrides them all, e.g. for a slow machine): a stage
// that hangs — a synchronous spin that mocha's --timeout cannot stop, a child that never
// exits — has its process group killed and is reported as `FAILED (HUNG: killed after N s)`,
// with its last output line and what its processes were doing. CI can never hang on a stage.
//
// Prints each stage's result and time, then a plain `N passed, N failed` line (the sum of all
// test counts). Exits 1 if any stage failed or if no test ran at all. A stage without test
// files is reported as `no test files` (neither passed nor failed).
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listTests, mochaCounts, runLimited } from './test-lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MOCHA = path.join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');

/** Counts from a harness summary line such as `integration: 6 passed, 1 failed, 2 skipped`. */
function summaryCounts(text, word) {
  const all = [...text.matchAll(new RegExp(`^${word}: (\\d+) passed, (\\d+) failed(?:, (\\d+) skipped)?\\s*$`, 'gm'))];
  const m = all[all.length - 1];
  return m ? { passed: Number(m[1]), failed: Number(m[2]), pending: Number(m[3] ?? 0) } : { passed: 0, failed: 0, pending: 0 };
}

const STAGES = [
  { name: 'setup', limit: 1800, cmd: ['bash', 'scripts/setup-harness.sh'] },
  { name: 'typecheck', limit: 600, cmd: ['npm', 'run', '--silent', 'typecheck'] },
  { name: 'build', limit: 600, cmd: ['npm', 'run', '--silent', 'build'], critical: true },
  {
    name: 'unit',
    limit: 900,
    files: () => listTests(path.join(ROOT, 'test/unit'), '.test.ts').length > 0,
    cmd: [process.execPath, MOCHA, '--config', '.mocharc.unit.json', '--reporter', 'spec', '--no-color', '--forbid-only'],
    counts: mochaCounts,
  },
  {
    name: 'runner',
    limit: 1500,
    files: () => listTests(path.join(ROOT, 'test/runner'), '.test.ts').length > 0,
    cmd: [process.execPath, MOCHA, '--config', '.mocharc.runner.json', '--reporter', 'spec', '--no-color', '--forbid-only'],
    counts: mochaCounts,
  },
  {
    // Real Slurm (a throwaway cluster on loopback, test/slurm/cluster.ts): skipped tests are
    // reported as pending, never as passed; with CI=true on Debian as root a skip is a failure.
    name: 'slurm',
    limit: 1500,
    files: () => listTests(path.join(ROOT, 'test/slurm'), '.test.ts').length > 0,
    cmd: [process.execPath, MOCHA, '--config', '.mocharc.slurm.json', '--reporter', 'spec', '--no-color', '--forbid-only'],
    counts: mochaCounts,
  },
  {
    name: 'integration',
    limit: 1800,
    needs: ['setup', 'build'],
    files: () => listTests(path.join(ROOT, 'test/integration'), '.test.ts').length > 0,
    cmd: [process.execPath, 'test/integration/run.mjs', '--no-build'],
    counts: (t) => summaryCounts(t, 'integration'),
  },
  {
    name: 'e2e',
    limit: 1800,
    needs: ['setup', 'build'],
    files: () => listTests(path.join(ROOT, 'test/e2e'), '.e2e.ts').length > 0,
    cmd: [process.execPath, 'test/e2e/run.mjs', '--no-build'],
    counts: (t) => summaryCounts(t, 'e2e'),
  },
  { name: 'package', limit: 600, cmd: [process.execPath, 'scripts/check-vsix.mjs'] },
];

/** Per-stage wall-clock limit in seconds (ACTIONTREE_STAGE_LIMIT_S overrides every stage's). */
function limitOf(st) {
  const o = Number(process.env.ACTIONTREE_STAGE_LIMIT_S);
  return Number.isFinite(o) && o > 0 ? o : st.limit;
}

function runStage(st) {
  return runLimited(st.cmd, {
    name: st.name,
    limitMs: limitOf(st) * 1000,
    cwd: ROOT,
    // ACTIONTREE_FORBID_ONLY: a committed `.only` fails the run instead of hiding other tests.
    env: { ...process.env, ACTIONTREE_SKIP_BUILD: '1', ACTIONTREE_FORBID_ONLY: '1', FORCE_COLOR: '0' },
    onOut: (b, stream) => (stream === 'stderr' ? process.stderr : process.stdout).write(b),
    onHang: (msg) => process.stderr.write(msg),
  });
}

function parseList(argv, flag) {
  const i = argv.indexOf(flag);
  if (i < 0) return undefined;
  const list = (argv[i + 1] ?? '').split(',').filter(Boolean);
  for (const s of list) if (!STAGES.some((x) => x.name === s)) throw new Error(`unknown stage ${s}`);
  return list;
}

async function main() {
  const argv = process.argv.slice(2);
  const only = parseList(argv, '--only');
  const skip = parseList(argv, '--skip') ?? [];
  const t0 = Date.now();
  const results = [];
  const status = new Map();
  let passed = 0, failed = 0, pending = 0;
  for (const st of STAGES) {
    if ((only && !only.includes(st.name)) || skip.includes(st.name)) {
      results.push({ name: st.name, verdict: 'not selected', secs: 0 });
      continue;
    }
    if (st.files && !st.files()) {
      results.push({ name: st.name, verdict: 'no test files', secs: 0 });
      console.log(`\n=== ${st.name}: no test files ===`);
      continue;
    }
    const blocked = (st.needs ?? []).filter((n) => status.get(n) === 'failed');
    if (blocked.length) {
      results.push({ name: st.name, verdict: `FAILED (not run: ${blocked.join(', ')} failed)`, secs: 0, bad: true });
      status.set(st.name, 'failed');
      continue;
    }
    const shown = st.cmd.map((a) => (a === process.execPath ? 'node' : path.isAbsolute(a) ? path.relative(ROOT, a) : a));
    console.log(`\n=== ${st.name}: ${shown.join(' ')} ===`);
    const s0 = Date.now();
    const r = await runStage(st);
    const secs = (Date.now() - s0) / 1000;
    let verdict = r.hung ? `FAILED (HUNG: killed after its ${limitOf(st)} s limit)` : r.code === 0 ? 'ok' : `FAILED (exit ${r.code})`;
    let bad = r.code !== 0;
    if (st.counts) {
      const c = st.counts(r.out);
      passed += c.passed;
      failed += c.failed;
      pending += c.pending;
      verdict += ` — ${c.passed} passed, ${c.failed} failed${c.pending ? `, ${c.pending} skipped` : ''}`;
      if (c.passed + c.failed === 0) {
        verdict += ' — no test ran';
        bad = true;
      }
    }
    status.set(st.name, bad ? 'failed' : 'ok');
    results.push({ name: st.name, verdict, secs, bad });
  }
  const total = (Date.now() - t0) / 1000;
  console.log('\n=== summary ===');
  for (const r of results) console.log(`${r.name.padEnd(12)} ${r.verdict}${r.secs ? ` [${r.secs.toFixed(1)} s]` : ''}`);
  console.log(`total time: ${total.toFixed(1)} s`);
  const badStages = results.filter((r) => r.bad).map((r) => r.name);
  if (passed + failed === 0) console.log('ERROR: no test ran');
  if (badStages.length) console.log(`failed stages: ${badStages.join(', ')}`);
  console.log(`${passed} passed, ${failed} failed${pending ? `, ${pending} skipped` : ''}`);
  return badStages.length || failed || passed + failed === 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`test-all: ERROR: ${e instanceof Error ? e.stack : e}`);
    process.exit(1);
  },
);
