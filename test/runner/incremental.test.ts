import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { ActionFinishedEvent, RunEvent } from '../../src/core/run/events';
import { stateBase } from '../../src/runner/incremental/store';
import { bundles, runCli } from './bundles';
import { isAlive, markedEnv, readPid, runGraphFile, tmpDir, waitUntil, writeGraph, type Ran } from './helpers';

/**
 * Incremental runs (SPEC §7, issue 9) with real files and real processes: every rule of the
 * "Must show" list. In-process runs (executeRun) for most; the CLI for kill -9, the lock and
 * `plan`.
 */

type Actions = Record<string, Record<string, unknown>>;

function graph(actions: Actions, extra: Record<string, unknown> = {}): unknown {
  return { version: 1, cpus: 2, ...extra, actions };
}

function write(dir: string, rel: string, content: string): void {
  const p = path.join(dir, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
}

const read = (dir: string, rel: string): string => fs.readFileSync(path.join(dir, rel), 'utf8');

/** Actions that ran (started a process) in this run, sorted. */
function ran(r: Ran): string[] {
  return Object.entries(r.report.actions)
    .filter(([, a]) => a.attempts > 0)
    .map(([id]) => id)
    .sort();
}

function finished(r: Ran, id: string): ActionFinishedEvent {
  const e = r.events.find((x): x is ActionFinishedEvent => x.type === 'action-finished' && x.action === id);
  assert.ok(e, `no action-finished for ${id}`);
  return e;
}

const why = (r: Ran, id: string): readonly string[] | undefined => r.report.actions[id]?.why;

/** A chain: gen (src/*.txt -> out/gen.txt), use (out/gen.txt -> out/use.txt), both incremental. */
function chain(dir: string): string {
  write(dir, 'src/a.txt', 'alpha\n');
  write(dir, 'src/b.txt', 'beta\n');
  return writeGraph(
    dir,
    graph({
      gen: { command: 'mkdir -p out && cat src/a.txt src/b.txt > out/gen.txt', inputs: ['src/*.txt'], outputs: ['out/gen.txt'] },
      use: { command: 'wc -c < out/gen.txt > out/use.txt', dependsOn: ['gen'], inputs: [], outputs: ['out/use.txt'] },
    }),
  );
}

describe('incremental runs (real files and processes)', () => {
  it('the second run skips everything: action-finished skipped / up to date, no process, fingerprints in the report', async () => {
    const dir = tmpDir('at-inc-');
    const file = chain(dir);
    const first = await runGraphFile(file);
    assert.deepEqual(ran(first), ['gen', 'use']);
    assert.deepEqual(why(first, 'gen'), ['no previous run']);
    assert.match(first.report.actions['gen']!.fingerprint ?? '', /^[0-9a-f]{32}$/);
    const second = await runGraphFile(file);
    assert.equal(second.report.result, 'succeeded');
    assert.deepEqual(ran(second), []);
    for (const id of ['gen', 'use']) {
      const e = finished(second, id);
      assert.equal(e.state, 'skipped');
      assert.equal(e.reason, 'up to date');
      assert.equal(e.attempts, 0);
      assert.equal(second.report.actions[id]!.state, 'skipped');
      assert.equal(second.report.actions[id]!.why, undefined, 'a skipped action has no why');
      assert.equal(second.report.actions[id]!.fingerprint, first.report.actions[id]!.fingerprint);
    }
    assert.ok(!second.events.some((e) => e.type === 'action-started'));
    // The file events carry the same skipped finish.
    assert.ok(second.fileEvents.some((e) => e.type === 'action-finished' && e.state === 'skipped' && e.reason === 'up to date'));
  });

  it('touching an input without changing it runs nothing; changing its content reruns the chain', async () => {
    const dir = tmpDir('at-inc-');
    const file = chain(dir);
    await runGraphFile(file);
    const later = new Date(Date.now() + 10_000);
    fs.utimesSync(path.join(dir, 'src/a.txt'), later, later);
    write(dir, 'src/b.txt', 'beta\n'); // rewritten, same bytes (new mtime and ctime)
    assert.deepEqual(ran(await runGraphFile(file)), []);
    write(dir, 'src/a.txt', 'alpha changed\n');
    const r = await runGraphFile(file);
    assert.deepEqual(ran(r), ['gen', 'use']);
    assert.deepEqual(why(r, 'gen'), ['input changed: src/a.txt']);
    assert.deepEqual(why(r, 'use'), ["dependency 'gen' changed"]);
    assert.equal(read(dir, 'out/use.txt').trim(), String('alpha changed\nbeta\n'.length));
  });

  it('early cutoff: a dependency that reruns but writes byte-identical outputs does not rerun its dependents', async () => {
    const dir = tmpDir('at-inc-');
    write(dir, 'in.txt', 'one\ntwo\n');
    const file = writeGraph(
      dir,
      graph({
        count: { command: 'wc -l < in.txt > lines.txt', inputs: ['in.txt'], outputs: ['lines.txt'] },
        report: { command: 'cat lines.txt > report.txt', dependsOn: ['count'], inputs: [], outputs: ['report.txt'] },
        final: { command: 'cat report.txt > final.txt', dependsOn: ['report'], inputs: [], outputs: ['final.txt'] },
      }),
    );
    await runGraphFile(file);
    write(dir, 'in.txt', 'uno\ndos\n'); // same number of lines
    const r = await runGraphFile(file);
    assert.deepEqual(ran(r), ['count']);
    assert.deepEqual(why(r, 'count'), ['input changed: in.txt']);
    assert.equal(finished(r, 'report').state, 'skipped');
    assert.equal(finished(r, 'final').state, 'skipped');
    write(dir, 'in.txt', 'uno\ndos\ntres\n');
    const r2 = await runGraphFile(file);
    assert.deepEqual(ran(r2), ['count', 'final', 'report']);
    assert.deepEqual(why(r2, 'report'), ["dependency 'count' changed"]);
  });

  it('a deleted or changed output makes the action run again', async () => {
    const dir = tmpDir('at-inc-');
    const file = chain(dir);
    await runGraphFile(file);
    fs.rmSync(path.join(dir, 'out/use.txt'));
    const r = await runGraphFile(file);
    assert.deepEqual(ran(r), ['use']);
    assert.deepEqual(why(r, 'use'), ['output missing: out/use.txt']);
    write(dir, 'out/gen.txt', 'tampered');
    const r2 = await runGraphFile(file);
    assert.deepEqual(ran(r2), ['gen']);
    assert.deepEqual(why(r2, 'gen'), ['output changed: out/gen.txt']);
    assert.equal(finished(r2, 'use').state, 'skipped', 'gen restored the same bytes: use is cut off');
  });

  it('a changed command, env value or envInputs value reruns the action', async () => {
    const dir = tmpDir('at-inc-');
    write(dir, 'x.txt', 'x');
    const g = (cmd: string, envVal: string): unknown =>
      graph({ a: { command: cmd, inputs: ['x.txt'], env: { MODE: envVal }, envInputs: ['AT_TEST_FLAVOR'] }, b: { command: 'true', inputs: [] } });
    const file = writeGraph(dir, g('cat x.txt', 'dev'));
    const env = (v: string | undefined): NodeJS.ProcessEnv => {
      const e = { ...markedEnv };
      if (v === undefined) delete e['AT_TEST_FLAVOR'];
      else e['AT_TEST_FLAVOR'] = v;
      return e;
    };
    await runGraphFile(file, { env: env('vanilla') });
    assert.deepEqual(ran(await runGraphFile(file, { env: env('vanilla') })), []);
    writeGraph(dir, g('cat x.txt x.txt', 'dev'));
    let r = await runGraphFile(file, { env: env('vanilla') });
    assert.deepEqual([ran(r), why(r, 'a')], [['a'], ['command changed']]);
    writeGraph(dir, g('cat x.txt x.txt', 'prod'));
    r = await runGraphFile(file, { env: env('vanilla') });
    assert.deepEqual([ran(r), why(r, 'a')], [['a'], ['env changed: MODE']]);
    r = await runGraphFile(file, { env: env('chocolate') });
    assert.deepEqual([ran(r), why(r, 'a')], [['a'], ['env changed: AT_TEST_FLAVOR']]);
    r = await runGraphFile(file, { env: env(undefined) });
    assert.deepEqual([ran(r), why(r, 'a')], [['a'], ['env changed: AT_TEST_FLAVOR']]);
    assert.deepEqual(ran(await runGraphFile(file, { env: env(undefined) })), []);
  });

  it('an action without inputs always runs and makes its dependents run; --force runs everything', async () => {
    const dir = tmpDir('at-inc-');
    const file = writeGraph(
      dir,
      graph({
        phony: { command: 'date +%s%N > stamp.txt' },
        dep: { command: 'cat stamp.txt > copy.txt', dependsOn: ['phony'], inputs: [] },
        other: { command: 'true', inputs: [] },
      }),
    );
    await runGraphFile(file);
    const r = await runGraphFile(file);
    assert.deepEqual(ran(r), ['dep', 'phony']);
    assert.deepEqual(why(r, 'phony'), ['no inputs declared']);
    assert.deepEqual(why(r, 'dep'), ["dependency 'phony' changed"]);
    assert.equal(finished(r, 'other').state, 'skipped');
    const forced = await runGraphFile(file, { force: true });
    assert.deepEqual(ran(forced), ['dep', 'other', 'phony']);
    for (const id of ['dep', 'other', 'phony']) assert.deepEqual(why(forced, id), ['forced']);
  });

  it('a failed action is never up to date; what succeeded is skipped when run again', async () => {
    const dir = tmpDir('at-inc-');
    write(dir, 'in.txt', 'x');
    const file = writeGraph(
      dir,
      graph({
        ok: { command: 'cp in.txt ok.txt', inputs: ['in.txt'], outputs: ['ok.txt'] },
        flaky: { command: 'test -f allow || exit 3; touch flaky.txt', inputs: ['in.txt'], dependsOn: ['ok'] },
        after: { command: 'true', inputs: [], dependsOn: ['flaky'] },
      }),
    );
    const r1 = await runGraphFile(file);
    assert.equal(r1.report.result, 'failed');
    assert.equal(r1.report.actions['flaky']!.state, 'failed');
    assert.equal(r1.report.actions['after']!.state, 'canceled');
    const r2 = await runGraphFile(file);
    assert.deepEqual(ran(r2), ['flaky']);
    assert.deepEqual(why(r2, 'flaky'), ['previous run failed']);
    assert.equal(finished(r2, 'ok').state, 'skipped');
    write(dir, 'allow', '');
    const r3 = await runGraphFile(file);
    assert.deepEqual(ran(r3), ['after', 'flaky']);
    assert.deepEqual(why(r3, 'after'), ['no previous run']);
    assert.equal(r3.report.result, 'succeeded');
    assert.deepEqual(ran(await runGraphFile(file)), []);
  });

  it('globs: ** reaches nested files, ! excludes; added, removed and changed inputs are named', async () => {
    const dir = tmpDir('at-inc-');
    write(dir, 'src/main.ts', 'main');
    write(dir, 'src/deep/er/util.ts', 'util');
    write(dir, 'src/deep/er/util.test.ts', 'test');
    write(dir, 'src/readme.md', 'doc');
    const file = writeGraph(dir, graph({ build: { command: 'true', inputs: ['src/**/*.ts', '!src/**/*.test.ts'] } }));
    await runGraphFile(file);
    write(dir, 'src/deep/er/util.test.ts', 'test changed');
    write(dir, 'src/readme.md', 'doc changed');
    assert.deepEqual(ran(await runGraphFile(file)), [], 'excluded and unmatched files do not count');
    write(dir, 'src/deep/er/util.ts', 'util changed');
    write(dir, 'src/deep/new.ts', 'new');
    fs.rmSync(path.join(dir, 'src/main.ts'));
    const r = await runGraphFile(file);
    assert.deepEqual(why(r, 'build'), ['input changed: src/deep/er/util.ts', 'input added: src/deep/new.ts', 'input removed: src/main.ts']);
    write(dir, 'src/deep/other.test.ts', 'excluded');
    assert.deepEqual(ran(await runGraphFile(file)), []);
  });

  it('an input that cannot be read makes the action run, every time; a pattern matching nothing is a warning', async () => {
    const dir = tmpDir('at-inc-');
    write(dir, 'ok.txt', 'ok');
    fs.symlinkSync('loop.txt', path.join(dir, 'loop.txt')); // ELOOP: unreadable even as root
    const file = writeGraph(dir, graph({ a: { command: 'true', inputs: ['*.txt', 'typo/*.txt'] } }));
    const r1 = await runGraphFile(file);
    assert.ok(r1.report.warnings?.includes("action 'a': input pattern 'typo/*.txt' matches no file"), JSON.stringify(r1.report.warnings));
    assert.equal(r1.outcome.kind === 'finished' && r1.outcome.warnings.length, 1);
    const r2 = await runGraphFile(file);
    assert.deepEqual(why(r2, 'a'), ['input unreadable: loop.txt']);
    fs.rmSync(path.join(dir, 'loop.txt'));
    const r3 = await runGraphFile(file);
    assert.deepEqual(why(r3, 'a'), ['input removed: loop.txt']);
    assert.deepEqual(ran(await runGraphFile(file)), []);
  });

  it('a corrupt or foreign state file is ignored with a warning (the actions run); an unwritable state folder runs everything', async () => {
    const dir = tmpDir('at-inc-');
    const file = chain(dir);
    await runGraphFile(file);
    const base = stateBase(file);
    fs.writeFileSync(`${base}.json`, '{ not json');
    let r = await runGraphFile(file);
    assert.deepEqual(ran(r), ['gen', 'use']);
    assert.match(r.report.warnings?.join('\n') ?? '', /ignoring the incremental state .*corrupt/);
    assert.deepEqual(ran(await runGraphFile(file)), [], 'the state is good again');
    const state = JSON.parse(fs.readFileSync(`${base}.json`, 'utf8')) as { graphFile: string };
    fs.writeFileSync(`${base}.json`, JSON.stringify({ ...state, graphFile: '/elsewhere/other.actiontree.jsonc' }));
    r = await runGraphFile(file);
    assert.deepEqual(ran(r), ['gen', 'use']);
    assert.match(r.report.warnings?.join('\n') ?? '', /belongs to "\/elsewhere\/other\.actiontree\.jsonc"/);
    // A state folder that cannot be created (here: a file in its place; permissions do not stop root).
    fs.rmSync(path.dirname(base), { recursive: true });
    fs.writeFileSync(path.dirname(base), 'not a folder');
    r = await runGraphFile(file);
    assert.deepEqual(ran(r), ['gen', 'use']);
    assert.match(r.report.warnings?.join('\n') ?? '', /cannot create .*state.*every action runs/);
    assert.deepEqual(why(r, 'gen'), ['incremental state unavailable']);
    assert.deepEqual(ran(await runGraphFile(file)), ['gen', 'use'], 'never a skip without a state');
  });

  it('a graph without inputs/outputs keeps no state and takes no lock (behaves as before)', async () => {
    const dir = tmpDir('at-inc-');
    const file = writeGraph(dir, graph({ a: { command: 'true' } }));
    const r = await runGraphFile(file);
    assert.deepEqual(why(r, 'a'), ['no inputs declared']);
    assert.equal(fs.existsSync(path.join(dir, '.actiontree', 'state')), false);
  });
});

// ---------------------------------------------------------------------------------------
// The CLI: kill -9 mid-run, the lock, plan.

interface Cli {
  child: ChildProcess;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  events: RunEvent[];
  stdout: () => string;
  stderr: () => string;
  /** Resolves when an event satisfies `pred`. */
  event: (pred: (e: RunEvent) => boolean) => Promise<RunEvent>;
}

async function cli(args: string[], cwd: string): Promise<Cli> {
  const { cli: entry } = await bundles();
  const child = spawn(process.execPath, [entry, ...args], { cwd, env: markedEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const events: RunEvent[] = [];
  const waiters: { pred: (e: RunEvent) => boolean; resolve: (e: RunEvent) => void }[] = [];
  readline.createInterface({ input: child.stdout! }).on('line', (l) => {
    out += `${l}\n`;
    if (!l.startsWith('{')) return;
    const e = JSON.parse(l) as RunEvent;
    events.push(e);
    for (const w of waiters.splice(0)) {
      if (w.pred(e)) w.resolve(e);
      else waiters.push(w);
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  // 'exit', not 'close': a killed runner's orphaned actions may hold its pipes open.
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    exit,
    events,
    stdout: () => out,
    stderr: () => err,
    event: (pred) => {
      const hit = events.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
  };
}

describe('incremental runs through the CLI', function () {
  this.timeout(60_000);

  it('kill -9 of the runner mid-run: the next run skips what finished and reruns the rest (stale lock ignored)', async () => {
    const dir = tmpDir('at-inc-');
    write(dir, 'in.txt', 'x');
    const file = writeGraph(
      dir,
      graph(
        {
          fast1: { command: 'cp in.txt f1.txt', inputs: ['in.txt'], outputs: ['f1.txt'] },
          fast2: { command: 'cp in.txt f2.txt', inputs: ['in.txt'], outputs: ['f2.txt'] },
          // Sleeps the first time; once 'go' exists (not an input), it is quick.
          slow: { command: 'test -f go && exit 0; echo $$ > slow.pid; exec sleep 30', inputs: ['in.txt'], dependsOn: ['fast1'] },
          last: { command: 'true', inputs: [], dependsOn: ['slow'] },
        },
        { cpus: 3 },
      ),
    );
    const c = await cli(['run', '--json', path.basename(file)], dir);
    await c.event((e) => e.type === 'action-started' && e.action === 'slow');
    await c.event((e) => e.type === 'action-finished' && e.action === 'fast2');
    await waitUntil('slow wrote its pid', () => fs.existsSync(path.join(dir, 'slow.pid')) && read(dir, 'slow.pid').trim() !== '');
    const slowPid = readPid(path.join(dir, 'slow.pid'));
    assert.ok(fs.existsSync(`${stateBase(file)}.lock`), 'the run holds the lock');
    c.child.kill('SIGKILL');
    const ex = await c.exit;
    assert.equal(ex.signal, 'SIGKILL');
    // The helper that ran the action kills it once its runner is gone (docs/runner.md); it may
    // still be alive for a moment, or already gone: end it if it is (we started it).
    try {
      process.kill(slowPid, 'SIGKILL');
    } catch (e: unknown) {
      if ((e as { code?: unknown }).code !== 'ESRCH') throw e;
    }
    await waitUntil('the orphaned sleep is gone', () => !isAlive(slowPid));
    assert.ok(fs.existsSync(`${stateBase(file)}.lock`), 'a stale lock is left behind');

    write(dir, 'go', '');
    const again = await runGraphFile(file, { env: markedEnv });
    assert.equal(finished(again, 'fast1').state, 'skipped', JSON.stringify(why(again, 'fast1')));
    assert.equal(finished(again, 'fast2').state, 'skipped');
    fs.rmSync(path.join(dir, 'slow.pid'));
    assert.deepEqual(ran(again), ['last', 'slow']);
    assert.deepEqual(why(again, 'slow'), ['previous run did not finish']);
    assert.equal(fs.existsSync(`${stateBase(file)}.lock`), false, 'the lock is released at the end');
  });

  it('a second run of the same graph file is refused (exit 2) naming the first; another graph file is not', async () => {
    const dir = tmpDir('at-inc-');
    const file = writeGraph(dir, graph({ wait: { command: 'echo $$ > wait.pid; exec sleep 30', inputs: [] } }));
    const other = writeGraph(dir, graph({ x: { command: 'true', inputs: [] } }), 'other');
    const first = await cli(['run', '--json', path.basename(file)], dir);
    await first.event((e) => e.type === 'action-started');
    const second = await cli(['run', path.basename(file)], dir);
    const ex2 = await second.exit;
    assert.equal(ex2.code, 2);
    assert.match(second.stderr(), new RegExp(`actiontree run: another run of test\\.actiontree\\.jsonc is in progress \\(pid ${first.child.pid}, started .* UTC\\)`));
    const third = await cli(['run', path.basename(other)], dir);
    assert.equal((await third.exit).code, 0);
    first.child.kill('SIGINT');
    const ex1 = await first.exit;
    assert.equal(ex1.code, 130, `${JSON.stringify(ex1)} ${first.stderr()}`);
    fs.rmSync(path.join(dir, 'wait.pid'));
    const after = await cli(['run', path.basename(file)], dir);
    // Canceled last time: runs again (and is canceled by us again, quickly).
    await waitUntil('the rerun started', () => fs.existsSync(path.join(dir, 'wait.pid')) && read(dir, 'wait.pid').trim() !== '');
    after.child.kill('SIGINT');
    assert.equal((await after.exit).code, 130);
  });

  it('run to a pipe: consecutive up-to-date skips share one line (a no-op run of 7 actions is one line); a run between them breaks the group', async () => {
    const dir = tmpDir('at-inc-');
    const actions: Actions = {};
    for (let i = 1; i <= 7; i++) actions[`s${i}`] = { command: 'true', inputs: [], ...(i > 1 ? { dependsOn: [`s${i - 1}`] } : {}) };
    actions['always'] = { command: 'true', dependsOn: ['s7'] };
    actions['after'] = { command: 'true', inputs: [], dependsOn: ['always'] };
    writeGraph(dir, graph(actions, { cpus: 1 }));
    const first = await runCli(['run'], dir);
    assert.equal(first.code, 0, first.stderr);
    const second = await runCli(['run'], dir);
    assert.equal(second.code, 0, second.stderr);
    const lines = second.stdout.split('\n');
    // s1..s7 are up to date: one line; 'always' runs (it declares no inputs); 'after' then runs too
    // (its dependency ran and declares no outputs).
    assert.deepEqual(lines.slice(0, 3), ['- 7 up to date: s1, s2, s3, s4, s5 and 2 more', '✓ always', '✓ after']);
    assert.match(second.stdout, /Run succeeded: 2 succeeded, 7 skipped of 9/);
    // Only 'always' removed from the selection: a no-op run of s1..s7 alone is one line.
    const only = await runCli(['run', 's7'], dir);
    assert.equal(only.stdout.split('\n')[0], '- 7 up to date: s1, s2, s3, s4, s5 and 2 more');
    const one = await runCli(['run', '--only', 's1'], dir);
    assert.equal(one.stdout.split('\n')[0], '- s1: up to date');
  });

  it('plan: one line per action in topological order with each reason; --json; --force; nothing runs', async () => {
    const dir = tmpDir('at-inc-');
    write(dir, 'src/a.txt', 'a');
    write(dir, 'src/b.txt', 'b');
    write(dir, 'gone.txt', 'g');
    const actions: Actions = {
      lint: { command: 'true', inputs: ['src/*.txt'] },
      build: { command: 'mkdir -p out && cat src/*.txt > out/all.txt', inputs: ['src/*.txt', 'gone.txt'], outputs: ['out/all.txt'], dependsOn: ['lint'] },
      test: { command: 'cat out/all.txt', inputs: [], dependsOn: ['build'] },
      phony: { command: 'true' },
      env: { command: 'true', inputs: [], env: { V: '1' } },
      cmd: { command: 'true', inputs: [] },
      broken: { command: 'exit 1', inputs: [] },
      newbie: { command: 'true', inputs: [], dependsOn: ['phony'] },
    };
    const file = writeGraph(dir, graph(actions));
    const { cli: entry } = await bundles();
    const plan = async (...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => {
      const c = await cli(['plan', path.basename(file), ...args], dir);
      const ex = await c.exit;
      void entry;
      return { code: ex.code, stdout: c.stdout(), stderr: c.stderr() };
    };
    let p = await plan();
    assert.equal(p.code, 0);
    assert.equal(
      p.stdout,
      [
        'run   lint     (no previous run)',
        "run   build    (no previous run; dependency 'lint' will run)",
        "run   test     (no previous run; dependency 'build' will run)",
        'run   phony    (no inputs declared)',
        'run   env      (no previous run)',
        'run   cmd      (no previous run)',
        'run   broken   (no previous run)',
        "run   newbie   (no previous run; dependency 'phony' will run)",
        '',
      ].join('\n'),
    );
    assert.equal(fs.existsSync(path.join(dir, '.actiontree', 'runs')), false, 'plan runs nothing');
    await runGraphFile(file, { keepGoing: true });
    p = await plan();
    assert.equal(
      p.stdout,
      [
        'skip  lint     (up to date)',
        'skip  build    (up to date)',
        'skip  test     (up to date)',
        'run   phony    (no inputs declared)',
        'skip  env      (up to date)',
        'skip  cmd      (up to date)',
        'run   broken   (previous run failed)',
        "run   newbie   (dependency 'phony' will run)",
        '',
      ].join('\n'),
    );
    // Change something for each reason.
    write(dir, 'src/a.txt', 'a2'); // lint, build: input changed
    write(dir, 'src/c.txt', 'c'); // input added
    fs.rmSync(path.join(dir, 'gone.txt')); // input removed
    write(dir, 'out/all.txt', 'tampered'); // output changed
    writeGraph(dir, graph({ ...actions, env: { ...actions['env'], env: { V: '2' } }, cmd: { ...actions['cmd'], command: 'true 2' } }));
    p = await plan('--json');
    const lines = p.stdout.trim().split('\n').map((l) => JSON.parse(l) as { action: string; decision: string; reasons: string[] });
    assert.deepEqual(lines, [
      { action: 'lint', decision: 'run', reasons: ['input changed: src/a.txt', 'input added: src/c.txt'] },
      {
        action: 'build',
        decision: 'run',
        reasons: ['input changed: src/a.txt', 'input added: src/c.txt', 'input removed: gone.txt', "dependency 'lint' will run", 'output changed: out/all.txt'],
      },
      { action: 'test', decision: 'run', reasons: ["dependency 'build' will run"] },
      { action: 'phony', decision: 'run', reasons: ['no inputs declared'] },
      { action: 'env', decision: 'run', reasons: ['env changed: V'] },
      { action: 'cmd', decision: 'run', reasons: ['command changed'] },
      { action: 'broken', decision: 'run', reasons: ['previous run failed'] },
      { action: 'newbie', decision: 'run', reasons: ["dependency 'phony' will run"] },
    ]);
    // A run settles it; then an output deleted and a dependency that changed (seen by a run, not a plan).
    await runGraphFile(file, { keepGoing: true });
    fs.rmSync(path.join(dir, 'out/all.txt'));
    p = await plan('build', 'test');
    assert.equal(p.stdout, ['skip  lint    (up to date)', 'run   build   (output missing: out/all.txt)', "run   test    (dependency 'build' will run)", ''].join('\n'));
    p = await plan('--force', 'test', '--only');
    assert.equal(p.stdout, 'run   test   (forced)\n');
    const r = await runGraphFile(file, { actions: ['test'] });
    assert.deepEqual(why(r, 'build'), ['output missing: out/all.txt']);
    assert.equal(finished(r, 'test').state, 'skipped', 'build rewrote the same bytes: early cutoff');
    write(dir, 'src/b.txt', 'b2');
    const r2 = await runGraphFile(file, { actions: ['test'] });
    assert.deepEqual(why(r2, 'test'), ["dependency 'build' changed"]);
    // Warnings go to stderr; bad usage is exit 2.
    writeGraph(dir, graph({ t: { command: 'true', inputs: ['nothing/*.x'] } }));
    p = await plan();
    assert.equal(p.stderr, "warning: action 't': input pattern 'nothing/*.x' matches no file\n");
    assert.equal((await plan('nope')).code, 2);
  });
});

/** Live bash processes whose parent is this process (the helper launcher's helpers). */
function childShells(): number {
  let n = 0;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if ((comm === 'bash' || comm === 'python3') && Number(rest[1]) === process.pid && rest[0] !== 'Z') n++;
    } catch {
      // gone
    }
  }
  return n;
}

describe('incremental runs: no processes for a run with nothing to do', () => {
  it('a run where every action is up to date starts no helper; one where an action runs still has its helpers ready first', async () => {
    const dir = tmpDir('at-inc-');
    const file = chain(dir);
    const seen: number[] = [];
    const gate = { beforeStart: () => (seen.push(childShells()), { skip: false as const }) };
    const first = await runGraphFile(file, { spawn: 'helper', gate });
    assert.deepEqual(ran(first), ['gen', 'use']);
    assert.ok((seen[0] ?? 0) >= 1, `helpers were started before the first action (saw ${seen.join(',')})`);
    seen.length = 0;
    const second = await runGraphFile(file, { spawn: 'helper', gate });
    assert.deepEqual(ran(second), []);
    // The extra gate is only asked about what the incremental session lets run: nothing here.
    assert.deepEqual(seen, []);
    assert.equal(childShells(), 0);
    // Asked during a no-op run (an extra gate that skips): no helper exists.
    const during: number[] = [];
    const third = await runGraphFile(file, { spawn: 'helper', onEvent: (e) => void (e.type === 'action-finished' && during.push(childShells())) });
    assert.deepEqual(ran(third), []);
    assert.deepEqual(during, [0, 0], 'no helper was started for a run that ran nothing');
    // A changed input: that action runs (through a helper started on demand or ahead), and the fast path is left.
    write(dir, 'src/a.txt', 'changed\n');
    const fourth = await runGraphFile(file, { spawn: 'helper' });
    assert.deepEqual(ran(fourth), ['gen', 'use']);
    assert.deepEqual(why(fourth, 'use'), ["dependency 'gen' changed"]);
    assert.deepEqual(why(fourth, 'gen'), ['input changed: src/a.txt']);
  });
});

describe('incremental runs: the run history is read only when something runs', () => {
  it('a no-op run plans without estimates; the next run that starts an action has them from the history (priorities, ETA)', async () => {
    const dir = tmpDir('at-inc-');
    const file = chain(dir);
    const started = (r: Ran) => r.events.find((e) => e.type === 'run-started') as { estimates?: Record<string, number> } | undefined;
    const first = await runGraphFile(file);
    assert.deepEqual(ran(first), ['gen', 'use']);
    assert.deepEqual(started(first)?.estimates ?? {}, {}, 'no history yet');
    // Nothing to do: the earlier report.json files are not read at all.
    const second = await runGraphFile(file);
    assert.deepEqual(ran(second), []);
    assert.deepEqual(started(second)?.estimates ?? {}, {}, 'a no-op run did not read the history');
    // Something runs: the estimates come from the first run's report (the no-op run's skips teach nothing).
    write(dir, 'src/b.txt', 'changed\n');
    const third = await runGraphFile(file);
    assert.deepEqual(ran(third), ['gen', 'use']);
    const est = started(third)?.estimates ?? {};
    for (const id of ['gen', 'use']) {
      const a = first.report.actions[id] as { durationMs?: number; startedAt?: number; finishedAt?: number };
      assert.equal(est[id], a.durationMs ?? a.finishedAt! - a.startedAt!, `estimate of ${id} from the first run: ${JSON.stringify(est)}`);
    }
  });
});
