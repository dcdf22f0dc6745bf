import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CliIO } from '../../src/cli/command';
import { runCommand } from '../../src/cli/run';
import type { HookFinishedEvent, RunEvent } from '../../src/core/run/events';
import type { HookRecord } from '../../src/runner/hooks';
import type { Report } from '../../src/runner/records';
import { isAlive, markedEnv, readPid, runGraphFile, tmpDir, waitUntil, writeGraph } from './helpers';

/** SPEC §10 hooks with real processes (src/runner/hooks.ts, docs/runner.md "Hooks"). */

/** Writes the hook's view of the run into `<dir>/<name>.env`: one VAR=value per line. */
const dump = (name: string): string =>
  `{ for v in ACTIONTREE_RUN_ID ACTIONTREE_RUN_DIR ACTIONTREE_GRAPH_FILE ACTIONTREE_REPORT ACTIONTREE_HOOK ACTIONTREE_ACTION ACTIONTREE_STATE ACTIONTREE_REASON FROM_DEFAULTS ACTIONTREE_TEST_MARK; do eval "echo $v=\\$$v"; done; echo PWD=$(pwd -P); } > "${name}.env"`;

function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

function hookEvents(events: readonly RunEvent[]): HookFinishedEvent[] {
  return events.filter((e): e is HookFinishedEvent => e.type === 'hook-finished');
}

function io(cwd: string): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (s) => void out.push(s), stderr: (s) => void err.push(s), cwd, isTTY: false, env: markedEnv };
}

describe('hooks (SPEC §10, real processes)', function () {
  this.timeout(60_000);

  it('each hook gets the run id, action, state, report path, the graph env, and runs in the graph folder', async () => {
    const dir = fs.realpathSync(tmpDir('at-hooks-'));
    const file = writeGraph(dir, {
      version: 1,
      keepGoing: true,
      defaults: { env: { FROM_DEFAULTS: 'yes' } },
      hooks: {
        onRunStarted: dump('run-started'),
        onActionFinished: dump('action-$ACTIONTREE_ACTION'),
        onRunFinished: dump('run-finished'),
      },
      actions: { ok: { command: 'true' }, bad: { command: 'exit 4' } },
    });
    const r = await runGraphFile(file);
    const runId = r.report.runId;
    const reportPath = path.join(r.runDir, 'report.json');
    const started = readEnvFile(path.join(dir, 'run-started.env'));
    assert.deepEqual(
      { ...started, ACTIONTREE_TEST_MARK: started['ACTIONTREE_TEST_MARK'] === markedEnv['ACTIONTREE_TEST_MARK'] },
      {
        ACTIONTREE_RUN_ID: runId,
        ACTIONTREE_RUN_DIR: r.runDir,
        ACTIONTREE_GRAPH_FILE: file,
        ACTIONTREE_REPORT: reportPath,
        ACTIONTREE_HOOK: 'onRunStarted',
        ACTIONTREE_ACTION: '',
        ACTIONTREE_STATE: 'running',
        ACTIONTREE_REASON: '',
        FROM_DEFAULTS: 'yes',
        ACTIONTREE_TEST_MARK: true,
        PWD: dir,
      },
    );
    const ok = readEnvFile(path.join(dir, 'action-ok.env'));
    assert.equal(ok['ACTIONTREE_HOOK'], 'onActionFinished');
    assert.equal(ok['ACTIONTREE_ACTION'], 'ok');
    assert.equal(ok['ACTIONTREE_STATE'], 'succeeded');
    assert.equal(ok['ACTIONTREE_RUN_ID'], runId);
    assert.equal(ok['ACTIONTREE_REPORT'], reportPath);
    assert.equal(ok['FROM_DEFAULTS'], 'yes');
    const bad = readEnvFile(path.join(dir, 'action-bad.env'));
    assert.equal(bad['ACTIONTREE_STATE'], 'failed');
    assert.equal(bad['ACTIONTREE_REASON'], 'exit code 4');
    const fin = readEnvFile(path.join(dir, 'run-finished.env'));
    assert.equal(fin['ACTIONTREE_HOOK'], 'onRunFinished');
    assert.equal(fin['ACTIONTREE_STATE'], 'failed', 'onRunFinished gets the run result');
    assert.equal(fin['ACTIONTREE_ACTION'], '');
    // Recorded: one hook-finished event per hook, in events.jsonl and to the listener; the report's hooks.
    const fromFile = hookEvents(r.fileEvents);
    assert.deepEqual(fromFile.map((e) => [e.hook, e.action ?? null, e.error]).sort(), [
      ['onActionFinished', 'bad', null],
      ['onActionFinished', 'ok', null],
      ['onRunFinished', null, null],
      ['onRunStarted', null, null],
    ]);
    assert.deepEqual(hookEvents(r.events), fromFile);
    assert.equal(r.report.hooks?.length, 4);
    assert.equal(r.outcome.kind === 'finished' && r.outcome.summary.result, 'failed');
  });

  it('report.json exists and is complete when onRunFinished runs; its record is added after, and its event comes last', async () => {
    const dir = tmpDir('at-hooks-');
    const file = writeGraph(dir, {
      version: 1,
      hooks: { onRunFinished: 'cp "$ACTIONTREE_REPORT" seen-report.json && echo copied' },
      actions: { a: { command: 'echo A' }, b: { command: 'echo B', dependsOn: ['a'] } },
    });
    const r = await runGraphFile(file);
    const seen = JSON.parse(fs.readFileSync(path.join(dir, 'seen-report.json'), 'utf8')) as Report;
    assert.equal(seen.runId, r.report.runId);
    assert.equal(seen.result, 'succeeded');
    assert.deepEqual(Object.keys(seen.actions).sort(), ['a', 'b']);
    assert.equal(seen.actions['b']?.state, 'succeeded');
    assert.deepEqual(seen.hooks, [], 'the report the hook reads lists the hooks before it (none)');
    // The final report has the hook's own record.
    const rec = r.report.hooks?.[0] as HookRecord;
    assert.equal(r.report.hooks?.length, 1);
    assert.equal(rec.hook, 'onRunFinished');
    assert.equal(rec.exitCode, 0);
    assert.equal(rec.error, null);
    assert.equal(rec.log, 'logs/hooks/onRunFinished.log');
    assert.equal(fs.readFileSync(path.join(r.runDir, rec.log), 'utf8'), 'copied\n');
    assert.ok(rec.startedAt !== null && rec.startedAt >= r.report.finishedAt, 'it started after the run finished');
    const types = r.fileEvents.map((e) => e.type);
    assert.deepEqual(types.slice(-2), ['run-finished', 'hook-finished']);
    assert.ok(!fs.existsSync(path.join(r.runDir, 'runner.json')), 'the run is marked complete');
  });

  it('a failing hook is logged (event, report, log file, a warning) and changes neither the result nor the exit status', async () => {
    const dir = tmpDir('at-hooks-');
    writeGraph(dir, {
      version: 1,
      hooks: {
        onActionFinished: 'echo "hook says no" >&2; exit 3',
        onRunFinished: 'no-such-command-for-actiontree-hooks',
      },
      actions: { a: { command: 'true' } },
    });
    const t = io(dir);
    assert.equal(await runCommand.run([], t), 0, 'the run succeeded: exit 0 despite both hooks failing');
    const err = t.err.join('');
    assert.match(err, /warning: hook onActionFinished \(a\) failed: exit code 3 \(output: logs\/hooks\/onActionFinished\/a\.log\)/);
    assert.match(err, /warning: hook onRunFinished failed: exit code 127/);
    assert.match(t.out.join(''), /Run succeeded/);
    const runs = path.join(dir, '.actiontree', 'runs');
    const runDir = path.join(runs, fs.readdirSync(runs)[0] as string);
    const report = JSON.parse(fs.readFileSync(path.join(runDir, 'report.json'), 'utf8')) as Report;
    assert.equal(report.result, 'succeeded');
    const byHook = new Map(report.hooks?.map((h) => [h.hook, h]));
    assert.equal(byHook.get('onActionFinished')?.exitCode, 3);
    assert.equal(byHook.get('onActionFinished')?.error, 'exit code 3');
    assert.equal(fs.readFileSync(path.join(runDir, 'logs', 'hooks', 'onActionFinished', 'a.log'), 'utf8'), 'hook says no\n');
    assert.equal(byHook.get('onRunFinished')?.exitCode, 127);

    // A failed run keeps exit status 1 whatever its hooks do.
    const dir2 = tmpDir('at-hooks-');
    writeGraph(dir2, { version: 1, hooks: { onRunFinished: 'exit 0' }, actions: { a: { command: 'exit 9' } } });
    assert.equal(await runCommand.run([], io(dir2)), 1);
  });

  it('a hook that hangs is killed with its whole process tree after hookTimeout; nothing is left', async () => {
    const dir = tmpDir('at-hooks-');
    // The hook's shell, a child that ignores SIGTERM (needs the SIGKILL), and a plain child.
    const hang = `echo $$ > hook.pid; sh -c 'trap "" TERM; echo $$ > stubborn.pid; while :; do sleep 1; done' & sleep 300 & echo $! > sleeper.pid; wait`;
    const file = writeGraph(dir, { version: 1, hookTimeout: '1s', hooks: { onRunFinished: hang }, actions: { a: { command: 'true' } } });
    const r = await runGraphFile(file, { graceMs: 300 });
    const rec = r.report.hooks?.[0] as HookRecord;
    assert.equal(rec.hook, 'onRunFinished');
    assert.equal(rec.error, 'timed out after 1s');
    assert.equal(r.report.result, 'succeeded', 'the run result is untouched');
    for (const f of ['hook.pid', 'stubborn.pid', 'sleeper.pid']) {
      const pid = readPid(path.join(dir, f));
      assert.equal(isAlive(pid), false, `${f} (${pid}) is gone when the run returns`);
    }
  });

  it('hooks never hold up the scheduler: a dependent starts while the previous action’s hook still runs', async () => {
    const dir = tmpDir('at-hooks-');
    // a's hook waits until b has run; were hooks in the scheduler's way, b would never start and
    // the hook would time out.
    const file = writeGraph(dir, {
      version: 1,
      hookTimeout: '30s',
      hooks: { onActionFinished: `[ "$ACTIONTREE_ACTION" = a ] || exit 0; while [ ! -f b.done ]; do sleep 0.05; done` },
      actions: { a: { command: 'true' }, b: { command: 'touch b.done', dependsOn: ['a'] } },
    });
    const r = await runGraphFile(file);
    const hookA = r.report.hooks?.find((h) => h.action === 'a');
    assert.equal(hookA?.error, null, 'a’s hook saw b.done');
    assert.ok((r.report.actions['b']?.startedAt as number) < (hookA?.finishedAt as number), 'b started before a’s hook ended');
  });

  it('at most two hooks run at once (from recorded times); the rest queue, none lost', async () => {
    const dir = tmpDir('at-hooks-');
    const actions = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`a${i}`, { command: 'true' }]));
    const file = writeGraph(dir, { version: 1, cpus: 6, hooks: { onActionFinished: 'sleep 0.2' }, actions });
    const r = await runGraphFile(file);
    const recs = r.report.hooks ?? [];
    assert.deepEqual(recs.map((h) => h.action).sort(), Object.keys(actions));
    for (const h of recs) {
      const overlapping = recs.filter((o) => (o.startedAt as number) <= (h.startedAt as number) && o.finishedAt > (h.startedAt as number));
      assert.ok(overlapping.length <= 2, `${overlapping.length} hooks running at ${h.action}'s start`);
    }
  });

  it('failure and cancel paths: failed and canceled-while-running actions get their hook; never-started ones do not; onRunFinished sees "canceled"', async () => {
    const dir = tmpDir('at-hooks-');
    const file = writeGraph(dir, {
      version: 1,
      cpus: 2,
      hooks: { onActionFinished: 'echo "$ACTIONTREE_STATE|$ACTIONTREE_REASON" > "hook-$ACTIONTREE_ACTION.txt"', onRunFinished: 'echo "$ACTIONTREE_STATE" > run.txt' },
      actions: {
        fails: { command: 'exit 2' },
        slow: { command: 'sleep 30' },
        after: { command: 'true', dependsOn: ['slow'] },
      },
    });
    const r = await runGraphFile(file, {
      keepGoing: true,
      onEvent: (e, ac) => {
        if (e.type === 'action-finished' && e.action === 'fails') ac.abort();
      },
    });
    assert.equal(r.report.result, 'canceled');
    assert.equal(fs.readFileSync(path.join(dir, 'hook-fails.txt'), 'utf8'), 'failed|exit code 2\n');
    assert.match(fs.readFileSync(path.join(dir, 'hook-slow.txt'), 'utf8'), /^canceled\|/);
    assert.equal(fs.existsSync(path.join(dir, 'hook-after.txt')), false, 'never started: no hook');
    assert.equal(r.report.actions['after']?.state, 'canceled');
    assert.equal(fs.readFileSync(path.join(dir, 'run.txt'), 'utf8'), 'canceled\n');
  });

  it('at the end of the run, queued hooks get one more hookTimeout: the rest are not run or killed, each recorded, nothing left', async () => {
    const dir = tmpDir('at-hooks-');
    const actions = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`a${i}`, { command: 'true' }]));
    const file = writeGraph(dir, {
      version: 1,
      cpus: 5,
      hookTimeout: '1s',
      hooks: { onActionFinished: 'echo $$ > "$ACTIONTREE_ACTION.pid"; exec sleep 300' },
      actions,
    });
    const r = await runGraphFile(file, { graceMs: 200 });
    const recs = (r.report.hooks ?? []).filter((h) => h.hook === 'onActionFinished');
    assert.deepEqual(recs.map((h) => h.action).sort(), Object.keys(actions), 'every hook has a record');
    for (const h of recs) assert.match(h.error ?? '', /^(timed out after 1s|not run: the run ended|killed: the run ended)/, `${h.action}: ${h.error}`);
    assert.ok(recs.some((h) => h.startedAt === null && /^not run/.test(h.error ?? '')), 'some were still queued at the bound');
    for (const h of recs) {
      const f = path.join(dir, `${h.action}.pid`);
      if (h.startedAt !== null) await waitUntil(`${h.action}.pid written`, () => fs.existsSync(f) && fs.readFileSync(f, 'utf8').trim() !== '', 2000).catch(() => undefined);
      if (fs.existsSync(f) && fs.readFileSync(f, 'utf8').trim() !== '') assert.equal(isAlive(readPid(f)), false, `${h.action}'s hook is gone`);
    }
  });

  it('a graph without hooks records no hooks array and starts no hook', async () => {
    const dir = tmpDir('at-hooks-');
    const r = await runGraphFile(writeGraph(dir, { version: 1, actions: { a: { command: 'true' } } }));
    assert.equal(r.report.hooks, undefined);
    assert.equal(hookEvents(r.fileEvents).length, 0);
    assert.equal(fs.existsSync(path.join(r.runDir, 'logs', 'hooks')), false);
  });
});
