import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { RunEvent } from '../../src/core/run/events';
import type { Report } from '../../src/runner/records';
import { bundles } from './bundles';
import { isAlive, markedEnv, readEvents, readPid, repoRoot, tmpDir, waitUntil, writeGraph } from './helpers';

interface Cli {
  child: ChildProcess;
  /** Resolves with the exit code (or 128 + signal number style name). */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when a stdout line satisfies `pred`. */
  line: (pred: (l: string) => boolean) => Promise<string>;
}

async function cli(args: string[], cwd: string, extraNodeArgs: string[] = [], env: NodeJS.ProcessEnv = markedEnv): Promise<Cli> {
  const { cli: entry } = await bundles();
  const child = spawn(process.execPath, [...extraNodeArgs, entry, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: { pred: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  const rl = readline.createInterface({ input: child.stdout! });
  rl.on('line', (l) => {
    out += `${l}\n`;
    for (const w of waiters.splice(0)) {
      if (w.pred(l)) w.resolve(l);
      else waiters.push(w);
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    exit,
    stdout: () => out,
    stderr: () => err,
    line: (pred) => new Promise((resolve) => waiters.push({ pred, resolve })),
  };
}

async function runCli(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const c = await cli(args, cwd);
  const { code } = await c.exit;
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

function onlyRun(dir: string): string {
  const runs = fs.readdirSync(path.join(dir, '.actiontree', 'runs'));
  assert.equal(runs.length, 1);
  return path.join(dir, '.actiontree', 'runs', runs[0]!);
}

const treeCmd = (n: string) => `echo $$ > ${n}.pid; sleep 30 & echo $! > ${n}-child.pid; echo ready; wait`;

describe('actiontree run (CLI, real processes)', function () {
  this.timeout(60_000);
  before(async () => {
    await bundles();
  });

  it('exit 0: one line per finished action (not a TTY), a summary and where the records are', async () => {
    const dir = tmpDir();
    writeGraph(dir, { version: 1, actions: { a: { command: 'echo A' }, b: { command: 'echo B', dependsOn: ['a'] } } }, 'only');
    const r = await runCli(['run'], dir);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.deepEqual(lines.slice(0, 2), ['✓ a', '✓ b']);
    assert.match(r.stdout, /Run succeeded: 2 succeeded of 2 in /);
    const runDir = onlyRun(dir);
    assert.ok(r.stdout.includes(`report: ${path.relative(dir, path.join(runDir, 'report.json'))}`));
    assert.ok(!r.stdout.includes('\r'), 'no progress line when stdout is not a terminal');
  });

  it('exit 1: failed action with its output tail; dependents canceled', async () => {
    const dir = tmpDir();
    const file = writeGraph(dir, {
      version: 1,
      actions: {
        t: { command: 'for i in $(seq 1 50); do echo line$i; done; echo oops >&2; exit 2' },
        d: { command: 'true', dependsOn: ['t'] },
      },
    });
    const r = await runCli(['run', file], tmpDir());
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^✗ t: exit code 2$/m);
    assert.match(r.stdout, /^○ d: dependency 't' failed$/m);
    assert.match(r.stdout, /── t: exit code 2 ──\n… \(earlier output in the log\)\nline32\n[\s\S]*line50\noops\n/);
    assert.ok(!r.stdout.includes('line31\n'), 'only the last 20 lines');
    assert.match(r.stdout, /Run FAILED: 0 succeeded, 1 failed, 1 canceled of 2/);
  });

  it('exit 2: invalid graph prints diagnostics as file:line:col and starts nothing', async () => {
    const dir = tmpDir();
    writeGraph(dir, '{\n  "version": 1,\n  "actions": {\n    "a": { "command": "touch ran", "dependsOn": ["b"] }\n  }\n}\n', 'bad');
    const r = await runCli(['run', 'bad.actiontree.jsonc'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^bad\.actiontree\.jsonc:4:50: error unknown-dependency: /m);
    assert.match(r.stderr, /nothing was run/);
    assert.equal(fs.existsSync(path.join(dir, 'ran')), false);
    assert.equal(fs.existsSync(path.join(dir, '.actiontree')), false);
  });

  it('exit 2: usage errors and unknown actions, each with a clear message', async () => {
    const dir = tmpDir();
    writeGraph(dir, { version: 1, actions: { a: { command: 'true' } } });
    const cases: [string[], RegExp][] = [
      [['run', '--cpus', '0'], /--cpus needs a whole number from 1 to 1000000, got '0'/],
      [['run', '--frobnicate'], /unknown option '--frobnicate'/],
      [['run', 'nope'], /no such action in test\.actiontree\.jsonc: 'nope' \(actions: a\)/],
      [['run', 'missing.actiontree.jsonc'], /cannot read 'missing\.actiontree\.jsonc'/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(args, dir);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, re);
      assert.ok(!r.stderr.includes('    at '), 'no stack trace');
    }
    const empty = tmpDir();
    const r = await runCli(['run'], empty);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no \*\.actiontree\.jsonc file in the current folder/);
  });

  it('the summary names the slowest and the largest actions (peak memory, CPU time)', async () => {
    const dir = tmpDir();
    const node = JSON.stringify(process.execPath);
    writeGraph(dir, { version: 1, cpus: 2, actions: { big: { command: `${node} -e "const b=Buffer.alloc(80*1048576,1);setTimeout(()=>{},400)"` }, quick: { command: 'true' } } });
    const r = await runCli(['run'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\nslowest: big \d+(\.\d+)?(ms|s), quick \d+/);
    assert.match(r.stdout, /\nlargest: big peak \d+(\.\d)? MiB, CPU \d+(ms|\.\ds)/);
    // An attempt never sampled (shorter than the first tick) is not listed with "peak 0 B".
    assert.doesNotMatch(r.stdout, /peak 0 B/);
  });

  it('an empty graph ("actions": {}) says there was nothing to run, exit 0, no run folder; validate warns', async () => {
    const dir = tmpDir();
    writeGraph(dir, '{ "version": 1, "actions": {} }');
    const r = await runCli(['run'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /test\.actiontree\.jsonc has no actions: there was nothing to run/);
    assert.equal(fs.existsSync(path.join(dir, '.actiontree')), false);
    const v = await runCli(['validate'], dir);
    assert.match(v.stdout + v.stderr, /1:28: warning empty-graph: the graph has no actions/);
  });

  it('--json prints every event, one JSON object per line; named actions select their dependencies', async () => {
    const dir = tmpDir();
    writeGraph(dir, { version: 1, actions: { a: { command: 'echo A' }, b: { command: 'true', dependsOn: ['a'] }, c: { command: 'true' } } });
    const r = await runCli(['run', 'b', '--json', '--cpus', '1'], dir);
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as RunEvent);
    assert.equal(events[0]!.type, 'run-started');
    assert.ok(events[0]!.type === 'run-started' && events[0]!.cpus === 1);
    assert.deepEqual(events[0]!.type === 'run-started' && events[0]!.actions, ['a', 'b']);
    assert.deepEqual(events[events.length - 1], { ...events[events.length - 1], type: 'run-finished', result: 'succeeded' });
    assert.ok(events.some((e) => e.type === 'action-output' && e.text === 'A\n'));
    assert.deepEqual(readEvents(path.join(onlyRun(dir), 'events.jsonl')), events);
    assert.match(r.stderr, /Run succeeded/);
  });

  it('--only runs exactly the named actions: their dependencies are not run', async () => {
    const dir = tmpDir();
    writeGraph(dir, { version: 1, actions: { a: { command: 'echo A > a.ran' }, b: { command: 'echo B > b.ran', dependsOn: ['a'] }, c: { command: 'true' } } });
    const r = await runCli(['run', 'b', '--only', '--json'], dir);
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as RunEvent);
    assert.deepEqual(events[0]!.type === 'run-started' && events[0]!.actions, ['b']);
    assert.equal(fs.existsSync(path.join(dir, 'a.ran')), false, 'the dependency did not run');
    assert.equal(fs.readFileSync(path.join(dir, 'b.ran'), 'utf8'), 'B\n');
    const report = JSON.parse(fs.readFileSync(path.join(onlyRun(dir), 'report.json'), 'utf8')) as Report;
    assert.deepEqual(Object.keys(report.actions), ['b']);
    const bad = await runCli(['run', '--only'], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--only needs at least one ACTION/);
  });

  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129], ['SIGQUIT', 131]] as const) {
    it(`${sig} cancels cleanly: trees killed, report written, exit ${code}`, async () => {
      const dir = tmpDir();
      writeGraph(dir, { version: 1, cpus: 2, actions: { a: { command: treeCmd('a') }, b: { command: treeCmd('b') }, c: { command: 'true', dependsOn: ['a'] } } });
      const c = await cli(['run', '--json'], dir);
      const ready = new Set<string>();
      await c.line((l) => {
        const e = JSON.parse(l) as RunEvent;
        if (e.type === 'action-output' && e.text.includes('ready')) ready.add(e.action);
        return ready.size === 2;
      });
      c.child.kill(sig);
      const { code: exitCode } = await c.exit;
      assert.equal(exitCode, code, c.stderr());
      assert.match(c.stderr(), sig === 'SIGINT' ? /Ctrl-C: canceling the run/ : new RegExp(`${sig}: canceling the run`));
      const report = JSON.parse(fs.readFileSync(path.join(onlyRun(dir), 'report.json'), 'utf8')) as Report;
      assert.equal(report.result, 'canceled');
      assert.deepEqual(Object.values(report.actions).map((a) => a.state), ['canceled', 'canceled', 'canceled']);
      for (const n of ['a', 'a-child', 'b', 'b-child']) assert.equal(isAlive(readPid(path.join(dir, `${n}.pid`))), false, `${n} survived`);
    });
  }

  it('SIGUSR1 pauses (no new start for as long as it lasts, no inspector), SIGUSR2 resumes; events and report tell', async () => {
    const dir = tmpDir();
    writeGraph(dir, { version: 1, cpus: 1, actions: { a: { command: 'echo started; sleep 0.5', priority: 1 }, b: { command: 'true' }, c: { command: 'true', dependsOn: ['b'] } } });
    const c = await cli(['run', '--json'], dir);
    try {
      await c.line((l) => (JSON.parse(l) as RunEvent).type === 'action-output');
      c.child.kill('SIGUSR1');
      await c.line((l) => (JSON.parse(l) as RunEvent).type === 'run-paused');
      const pausedAt = Date.now();
      // 'a' ends while paused: 'b' must not start until SIGUSR2, however long the pause lasts.
      await c.line((l) => {
        const e = JSON.parse(l) as RunEvent;
        return e.type === 'action-finished' && e.action === 'a';
      });
      await new Promise((r) => setTimeout(r, 800));
      assert.ok(!c.stdout().split('\n').some((l) => l.includes('"action-started"') && l.includes('"b"')), `b started while paused: ${c.stdout()}`);
      c.child.kill('SIGUSR2');
      const { code } = await c.exit;
      assert.equal(code, 0, c.stderr());
      assert.doesNotMatch(c.stderr(), /Debugger listening/);
      const events = readEvents(path.join(onlyRun(dir), 'events.jsonl'));
      const paused = events.find((e) => e.type === 'run-paused')!;
      const resumed = events.find((e) => e.type === 'run-resumed')!;
      const bStart = events.find((e) => e.type === 'action-started' && e.action === 'b')!;
      assert.ok(resumed.time - paused.time >= 800, `paused for ${resumed.time - paused.time} ms`);
      assert.ok(bStart.time >= resumed.time, 'b started after the resume');
      assert.ok(Date.now() - pausedAt >= 800);
    } finally {
      if (c.child.exitCode === null) c.child.kill('SIGKILL');
    }
  });

  it('a SIGKILLed runner leaves a readable events.jsonl, and its action trees die with it', async () => {
    const dir = tmpDir();
    writeGraph(dir, { version: 1, actions: { a: { command: treeCmd('a') } } });
    const c = await cli(['run', '--json'], dir);
    await c.line((l) => l.includes('"ready\\n"'));
    c.child.kill('SIGKILL');
    await c.exit;
    const runDir = onlyRun(dir);
    const events = readEvents(path.join(runDir, 'events.jsonl'));
    assert.deepEqual(events.map((e) => e.type).slice(0, 3), ['run-started', 'action-ready', 'action-started']);
    assert.equal(fs.existsSync(path.join(runDir, 'report.json')), false);
    // The runner could not clean up, but its helper's watcher saw the runner's pipe close and
    // killed the action's process group (grandchild included).
    const pids = [readPid(path.join(dir, 'a.pid')), readPid(path.join(dir, 'a-child.pid'))];
    await waitUntil('the tree of the SIGKILLed runner is dead', () => pids.every((p) => !isAlive(p)));
  });

  it('a runner that exits abruptly (EPIPE on stdout: `run --json | head -1`) takes its process trees with it', async () => {
    const dir = tmpDir();
    writeGraph(dir, {
      version: 1,
      cpus: 2,
      actions: { a: { command: treeCmd('a') }, tick: { command: 'echo $$ > tick.pid; while :; do echo tick; sleep 0.05; done' } },
    });
    const c = await cli(['run', '--json'], dir);
    await c.line((l) => l.includes('"ready\\n"'));
    c.child.stdout!.destroy(); // the reader goes away: the runner's next write fails with EPIPE
    await c.exit;
    const pids = ['a', 'a-child', 'tick'].map((n) => readPid(path.join(dir, `${n}.pid`)));
    await waitUntil('the trees are dead', () => pids.every((p) => !isAlive(p)), 5000);
  });

  for (const mode of ['python', 'bash', 'node'] as const) it(`50 MB of output from one action: the log has every byte, memory stays bounded (${mode} launcher)`, async () => {
    const dir = tmpDir();
    const total = 50 * 1024 * 1024;
    const writer = path.join(repoRoot, 'test', 'fixtures', 'run', 'write-bytes.cjs');
    writeGraph(dir, { version: 1, actions: { big: { command: [process.execPath, writer, String(total)] } } });
    const rssFile = path.join(dir, 'maxrss.txt');
    const c = await cli(['run'], dir, ['--require', path.join(repoRoot, 'test', 'fixtures', 'run', 'maxrss.cjs')], { ...markedEnv, MAXRSS_FILE: rssFile, ACTIONTREE_SPAWN: mode });
    const { code } = await c.exit;
    assert.equal(code, 0, c.stderr());
    const runDir = onlyRun(dir);
    assert.equal(fs.statSync(path.join(runDir, 'logs', 'big.log')).size, total);
    const maxRssMb = Number(fs.readFileSync(rssFile, 'utf8')) / 1024;
    assert.ok(maxRssMb < 150, `peak RSS of the runner ${maxRssMb.toFixed(0)} MB`);
    const eventsSize = fs.statSync(path.join(runDir, 'events.jsonl')).size;
    assert.ok(eventsSize < 2 * 1024 * 1024, `events.jsonl is ${eventsSize} bytes`);
    const finished = readEvents(path.join(runDir, 'events.jsonl')).find((e) => e.type === 'action-finished') as unknown as { outputOmitted: number };
    assert.equal(finished.outputOmitted, total - 1024 * 1024);
  });
});
