import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunEvent } from '../../src/core/run/events';
import { executeRun } from '../../src/runner/run';
import { intervals, runGraphFile, tmpDir as makeTmpDir, writeGraph, type Ran } from '../runner/helpers';
import { getCluster, liveJobs, mustRun, startCluster, stopCluster, whySkipped } from './cluster';
import { runCli, startCli } from './cli';
import { waitUntil } from '../runner/helpers';

/**
 * Real-cluster tests (SPEC §9): a throwaway single-node Slurm cluster on loopback
 * (scripts/slurm-cluster.sh), real sbatch/squeue/scancel, real files. Skipped (pending, never
 * passed) where the cluster cannot be set up; with CI=true on Debian as root that is a failure.
 */

const made: string[] = [];
/** A temporary folder removed after the suite. */
function tmpDir(prefix: string): string {
  const d = makeTmpDir(prefix);
  made.push(d);
  return d;
}

function env(): NodeJS.ProcessEnv {
  const c = getCluster();
  if (c === null) throw new Error('no cluster');
  return c.env;
}

async function slurmRun(file: string, opts: Parameters<typeof runGraphFile>[1] = {}): Promise<Ran> {
  const ran = await runGraphFile(file, { executor: 'slurm', env: env(), slurm: { env: env(), pollMs: 300 }, ...opts });
  assert.deepEqual(liveJobs(env(), ran.report.runId), [], 'no job of the run is left queued or running');
  return ran;
}

function finished(ran: Ran, id: string): Extract<RunEvent, { type: 'action-finished' }> {
  const e = ran.events.find((x): x is Extract<RunEvent, { type: 'action-finished' }> => x.type === 'action-finished' && x.action === id);
  assert.ok(e, `no action-finished for ${id}`);
  return e;
}

function overlap(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start < a.end;
}

describe('Slurm executor on a real cluster', function () {
  before(function () {
    this.timeout(180_000);
    startCluster();
    const why = whySkipped();
    if (why !== null) {
      if (mustRun()) throw new Error(`CI=true on Debian as root, but Slurm could not be set up: ${why}`);
      console.log(`  SKIPPED: the Slurm suite did not run: ${why}`);
      this.skip();
    }
  });
  after(function () {
    this.timeout(30_000);
    stopCluster();
    for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('runs parallel branches as parallel jobs, with exact times from the wrapper and queue time recorded', async () => {
    const dir = tmpDir('at-slurmg-');
    const file = writeGraph(dir, {
      version: 1,
      actions: {
        a: { command: 'echo A' },
        b: { command: 'sleep 1; echo B', dependsOn: ['a'] },
        c: { command: 'sleep 1; echo C', dependsOn: ['a'] },
        d: { command: ['sh', '-c', 'echo "D $ACTIONTREE_ACTION $FOO"'], dependsOn: ['b', 'c'], env: { FOO: 'x,y=z' } },
      },
    });
    const ran = await slurmRun(file);
    assert.equal(ran.report.result, 'succeeded');
    const iv = intervals(ran.report);
    const b = iv.find((x) => x.id === 'b');
    const c = iv.find((x) => x.id === 'c');
    assert.ok(b && c && overlap(b, c), `b and c overlap: ${JSON.stringify(iv)}`);
    const d = iv.find((x) => x.id === 'd');
    assert.ok(d && b && c && d.start >= b.end && d.start >= c.end, 'd starts after both ends (wrapper times)');
    assert.equal(fs.readFileSync(path.join(ran.runDir, 'logs', 'd.log'), 'utf8'), 'D d x,y=z\n', 'env values with commas reach the job');
    const queued = ran.events.filter((e) => e.type === 'action-queued');
    assert.equal(queued.length, 4, 'every attempt was queued first');
    const started = ran.events.filter((e): e is Extract<RunEvent, { type: 'action-started' }> => e.type === 'action-started');
    for (const s of started) assert.match(s.ref ?? '', /^\d+$/, 'action-started carries the Slurm job id');
    assert.equal(ran.report.actions['a']?.attemptDetails[0]?.pid, null);
    assert.ok(typeof ran.report.actions['a']?.attemptDetails[0]?.queuedAt === 'number', 'report attempts carry queuedAt');
    assert.deepEqual(ran.fileEvents, ran.events, 'events.jsonl = the event stream');
  });

  it('a failure without keepGoing: pre-submitted work is canceled, never runs; nothing left in squeue', async () => {
    const dir = tmpDir('at-slurmg-');
    const file = writeGraph(dir, {
      version: 1,
      keepGoing: false,
      actions: {
        slow: { command: 'sleep 2' },
        after: { command: 'touch after.ran', dependsOn: ['slow'] },
        fail: { command: 'sleep 0.3; exit 4' },
        dep: { command: 'touch dep.ran', dependsOn: ['fail'] },
      },
    });
    const ran = await slurmRun(file);
    assert.equal(ran.report.result, 'failed');
    assert.equal(finished(ran, 'fail').reason, 'exit code 4');
    assert.equal(finished(ran, 'slow').state, 'succeeded', 'a running job finishes');
    assert.equal(finished(ran, 'after').reason, "not started: 'fail' failed (keepGoing is false)");
    assert.equal(finished(ran, 'dep').reason, "dependency 'fail' failed");
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(fs.existsSync(path.join(dir, 'after.ran')), false, 'the pre-submitted dependent never ran');
    assert.equal(fs.existsSync(path.join(dir, 'dep.ran')), false);
  });

  it('a failure with keepGoing runs everything else; acceptFailedDependencies runs after a failed dependency', async () => {
    const dir = tmpDir('at-slurmg-');
    const file = writeGraph(dir, {
      version: 1,
      keepGoing: true,
      actions: {
        slow: { command: 'sleep 1' },
        after: { command: 'touch after.ran', dependsOn: ['slow'] },
        fail: { command: 'exit 4' },
        dep: { command: 'touch dep.ran', dependsOn: ['fail'] },
        cleanup: { command: 'touch cleanup.ran', dependsOn: ['fail'], acceptFailedDependencies: true },
      },
    });
    const ran = await slurmRun(file);
    assert.equal(ran.report.result, 'failed');
    assert.equal(finished(ran, 'after').state, 'succeeded');
    assert.equal(finished(ran, 'dep').state, 'canceled');
    assert.equal(finished(ran, 'cleanup').state, 'succeeded');
    assert.ok(fs.existsSync(path.join(dir, 'after.ran')));
    assert.ok(fs.existsSync(path.join(dir, 'cleanup.ran')));
    assert.equal(fs.existsSync(path.join(dir, 'dep.ran')), false);
  });

  it('a resource the cluster declares as a license goes to Slurm (-L): the cluster has db:1, so two db jobs never overlap', async () => {
    const dir = tmpDir('at-slurmg-');
    // The file claims 5 db; the cluster has 1: Slurm's count governs (the runner does not count licenses).
    const file = writeGraph(dir, {
      version: 1,
      resources: { db: 5 },
      actions: {
        m1: { command: 'sleep 1', resources: { db: 1 } },
        m2: { command: 'sleep 1', resources: { db: 1 } },
      },
    });
    const ran = await slurmRun(file);
    assert.equal(ran.report.result, 'succeeded');
    const iv = intervals(ran.report);
    assert.equal(overlap(iv[0] as { start: number; end: number }, iv[1] as { start: number; end: number }), false, JSON.stringify(iv));
  });

  it('sbatch rejecting a job (more licenses than exist, a bad option) fails that action with sbatch\'s message', async () => {
    const dir = tmpDir('at-slurmg-');
    const file = writeGraph(dir, {
      version: 1,
      keepGoing: true,
      resources: { db: 3 },
      actions: {
        big: { command: 'true', resources: { db: 3 } },
        ok: { command: 'true' },
      },
    });
    const ran = await slurmRun(file);
    assert.match(finished(ran, 'big').reason ?? '', /^sbatch rejected the job: .*licen/i);
    assert.equal(finished(ran, 'ok').state, 'succeeded');
    const bad = await slurmRun(file, { actions: ['ok'], slurm: { env: env(), defaults: { sbatchArgs: ['--no-such-option'] } } });
    assert.match(finished(bad, 'ok').reason ?? '', /^sbatch rejected the job: /);
  });

  it('enforces an exact sub-minute timeout with scancel (Slurm --time would be a whole minute)', async () => {
    const dir = tmpDir('at-slurmg-');
    const file = writeGraph(dir, { version: 1, actions: { t: { command: 'echo go; sleep 60', timeout: '2s' } } });
    const t0 = Date.now();
    const ran = await slurmRun(file);
    const f = finished(ran, 't');
    assert.equal(f.reason, 'timed out after 2s');
    const at = ran.report.actions['t']?.attemptDetails[0];
    assert.ok(at && at.finishedAt !== null && at.finishedAt - at.startedAt >= 2000, 'not before 2 s of running');
    assert.ok(Date.now() - t0 < 30_000, 'not Slurm\'s minute');
  });

  it('cancel: every job of the run is gone from squeue (running and pre-submitted ones)', async () => {
    const dir = tmpDir('at-slurmg-');
    const file = writeGraph(dir, {
      version: 1,
      actions: {
        l1: { command: 'sleep 60' },
        l2: { command: 'sleep 60' },
        n1: { command: 'true', dependsOn: ['l1'] },
        n2: { command: 'true', dependsOn: ['n1', 'l2'] },
      },
    });
    let started = 0;
    let runId = '';
    let preSubmitted = 0;
    const ran = await slurmRun(file, {
      onEvent: (e, ac) => {
        if (e.type === 'run-started') runId = e.runId;
        if (e.type === 'action-started' && ++started === 2) {
          preSubmitted = liveJobs(env(), runId).length;
          ac.abort();
        }
      },
    });
    assert.equal(ran.report.result, 'canceled');
    assert.equal(preSubmitted, 4, 'the dependents were pre-submitted (so cancel had queued jobs to remove)');
    for (const id of ['l1', 'l2', 'n1', 'n2']) assert.equal(finished(ran, id).state, 'canceled', id);
    assert.equal(finished(ran, 'l1').reason, 'run canceled');
  });

  it('streams output while a job runs (the runner tails the log file)', async () => {
    const dir = tmpDir('at-slurmg-');
    const file = writeGraph(dir, { version: 1, actions: { s: { command: 'echo first; sleep 2; echo second' } } });
    const ran = await slurmRun(file);
    const outs = ran.events.filter((e): e is Extract<RunEvent, { type: 'action-output' }> => e.type === 'action-output');
    const first = outs.find((e) => e.text.includes('first'));
    const end = finished(ran, 's').time;
    assert.ok(first, 'first line seen');
    assert.ok(first.time < end - 1000, `first line arrived while running (${end - first.time} ms before the end)`);
    assert.equal(outs.map((o) => o.text).join(''), 'first\nsecond\n');
  });

  it('records and report have the same shape as a local run of the same graph', async () => {
    const dir = tmpDir('at-slurmg-');
    const graph = {
      version: 1,
      keepGoing: true,
      resources: { db: 1 },
      actions: {
        a: { command: 'echo a' },
        b: { command: 'exit 2', dependsOn: ['a'], retries: 1 },
        c: { command: 'echo c', dependsOn: ['b'] },
        d: { command: 'echo d', resources: { db: 1 } },
      },
    };
    const file = writeGraph(dir, graph);
    const local = await runGraphFile(file);
    const slurm = await slurmRun(file);
    const shape = (x: unknown): unknown => {
      if (Array.isArray(x)) return x.map(shape);
      if (x !== null && typeof x === 'object') {
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(x).sort()) if (k !== 'queuedAt' && k !== 'ref' && k !== 'pid') out[k] = shape((x as Record<string, unknown>)[k]);
        return out;
      }
      return typeof x;
    };
    const strip = (r: typeof local.report): unknown => ({ ...r, cpus: 0 });
    assert.deepEqual(shape(strip(slurm.report)), shape(strip(local.report)));
    for (const id of ['a', 'b', 'c', 'd']) {
      assert.equal(slurm.report.actions[id]?.state, local.report.actions[id]?.state, id);
      assert.equal(slurm.report.actions[id]?.reason, local.report.actions[id]?.reason, id);
      assert.equal(slurm.report.actions[id]?.attempts, local.report.actions[id]?.attempts, id);
      assert.equal(slurm.report.actions[id]?.log, local.report.actions[id]?.log, id);
    }
    const kinds = (evs: RunEvent[]): string[] => [...new Set(evs.map((e) => e.type))].filter((t) => t !== 'action-queued').sort();
    assert.deepEqual(kinds(slurm.events), kinds(local.events));
    assert.match(fs.readFileSync(path.join(slurm.runDir, 'logs', 'b.log'), 'utf8'), /--- actiontree: attempt 2 ---/);
  });

  it('a job killed outside the runner fails with a clear reason', async () => {
    const dir = tmpDir('at-slurmg-');
    const file = writeGraph(dir, { version: 1, actions: { k: { command: 'sleep 30' } } });
    const ran = await slurmRun(file, {
      onEvent: (e) => {
        if (e.type === 'action-started' && e.ref !== undefined) spawnSync('scancel', [e.ref], { env: env() });
      },
    });
    assert.match(finished(ran, 'k').reason ?? '', /^slurm job \d+ ended as CANCELLED.*canceled outside the runner/);
  });

  it('a command that exits 130 by itself is exit code 130 (a signal-like code is checked against squeue, not taken for a kill)', async () => {
    const dir = tmpDir('at-slurmg-');
    const file = writeGraph(dir, { version: 1, actions: { e: { command: 'exit 130' } } });
    const ran = await slurmRun(file);
    assert.equal(finished(ran, 'e').reason, 'exit code 130');
    assert.equal(finished(ran, 'e').exitCode, 130);
  });

  it('actiontree gantt draws a Slurm run; the CLI takes --executor slurm', async () => {
    const dir = tmpDir('at-slurmg-');
    const file = writeGraph(dir, { version: 1, actions: { a: { command: 'echo a' }, b: { command: 'echo b', dependsOn: ['a'] } } });
    const r = await runCli(['run', file, '--executor', 'slurm'], dir, env());
    assert.equal(r.code, 0, r.stderr);
    const runs = fs.readdirSync(path.join(dir, '.actiontree', 'runs'));
    const g = await runCli(['gantt', path.join(dir, '.actiontree', 'runs', runs[0] as string), '--utc'], dir, env());
    assert.equal(g.code, 0, g.stderr);
    assert.match(g.stdout, /<svg[\s\S]*>a<\/text>[\s\S]*>b<\/text>/);
  });

  it('SLURM_CONF pointing nowhere: a clear message, nothing started', async () => {
    const dir = tmpDir('at-slurmg-');
    const file = writeGraph(dir, { version: 1, actions: { a: { command: 'true' } } });
    const bad = { ...env(), SLURM_CONF: path.join(dir, 'nope.conf') };
    const out = await executeRun({ graphFile: file, executor: 'slurm', env: bad, signal: new AbortController().signal });
    assert.equal(out.kind, 'error');
    assert.match(out.kind === 'error' ? out.message : '', /SLURM_CONF points to '.*nope\.conf', which does not exist/);
    assert.equal(fs.existsSync(path.join(dir, '.actiontree')), false);
  });

  it('per-action slurm settings reach sbatch (partition), merged over the file\'s executor settings', async () => {
    const dir = tmpDir('at-slurmg-');
    const file = writeGraph(dir, {
      version: 1,
      executor: { type: 'slurm', partition: 'main', sbatchArgs: ['--nice=5'] },
      actions: { x: { command: 'true', slurm: { partition: 'other' } }, y: { command: 'true' } },
    });
    // No executor option: the file's "executor" picks Slurm.
    const ran = await runGraphFile(file, { env: env(), slurm: { env: env(), pollMs: 300 } });
    assert.equal(ran.report.result, 'succeeded');
    const refs = new Map(ran.events.flatMap((e) => (e.type === 'action-started' && e.ref !== undefined ? [[e.action, e.ref] as const] : [])));
    const q = spawnSync('squeue', ['-h', '-t', 'all', `--name=${ran.report.runId}`, '-o', '%i|%P|%y|%k'], { env: env(), encoding: 'utf8' }).stdout;
    const rows = new Map(q.trim().split('\n').map((l) => [l.split('|')[0], l] as const));
    assert.equal(rows.get(refs.get('x'))?.split('|')[1], 'other', q);
    assert.equal(rows.get(refs.get('y'))?.split('|')[1], 'main', q);
    assert.equal(rows.get(refs.get('y'))?.split('|')[2], '5', 'sbatchArgs from the file reach sbatch (--nice=5)');
    assert.equal(rows.get(refs.get('x'))?.split('|')[3], 'x', 'comment = action id');
  });

  it('a SIGKILLed runner leaves nothing behind: the detached watchdog scancels the run', async function () {
    const dir = tmpDir('at-slurmg-');
    const file = writeGraph(dir, { version: 1, actions: { l1: { command: 'sleep 120' }, l2: { command: 'sleep 120', dependsOn: ['l1'] } } });
    const c = await startCli(['run', file, '--executor', 'slurm', '--json'], dir, env());
    const line = await c.line((l) => l.includes('"action-started"'));
    const runId = (JSON.parse((c.stdout().split('\n')[0] as string)) as { runId: string }).runId;
    assert.ok(line.length > 0);
    assert.equal(liveJobs(env(), runId).length, 2, 'l1 running, l2 pre-submitted');
    c.child.kill('SIGKILL');
    await c.exit;
    await waitUntil('the watchdog canceled every job of the run', () => liveJobs(env(), runId).length === 0, 15_000);
  });

  it('the controller going down mid-run: running jobs still finish (wrapper files); queued ones fail with a clear message', async function () {
    const c = getCluster();
    if (c === null) this.skip();
    const dir = tmpDir('at-slurmg-');
    const file = writeGraph(dir, { version: 1, actions: { run: { command: 'sleep 2' }, next: { command: 'true', dependsOn: ['run'] } } });
    const pidFile = path.join(c!.dir, 'slurmctld.pid');
    let stopped = false;
    try {
      const ran = await runGraphFile(file, {
        executor: 'slurm',
        env: env(),
        slurm: { env: env(), pollMs: 300, controllerDownMs: 2000 },
        onEvent: (e) => {
          if (e.type === 'action-started' && e.action === 'run' && !stopped) {
            stopped = true;
            process.kill(Number(fs.readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
          }
        },
      });
      assert.ok(stopped);
      assert.equal(finished(ran, 'run').state, 'succeeded', 'the running job finished: its wrapper wrote the end file');
      const next = finished(ran, 'next');
      assert.equal(next.state, 'failed');
      assert.match(next.reason ?? '', /^slurm: the controller has not answered for \d+s \(squeue: .+\); job \d+ abandoned$/);
    } finally {
      // Bring the controller back (state recovered from StateSaveLocation) and clean up the run.
      spawnSync('slurmctld', ['-f', path.join(c!.dir, 'slurm.conf')], { env: env() });
      await waitUntil('slurmctld answers again', () => /UP/.test(spawnSync('scontrol', ['ping'], { env: env(), encoding: 'utf8' }).stdout), 20_000);
      await waitUntil('the node is usable again', () => /idle|mix|alloc/.test(spawnSync('sinfo', ['-h', '-N', '-o', '%T'], { env: env(), encoding: 'utf8' }).stdout), 30_000);
    }
  });
});
