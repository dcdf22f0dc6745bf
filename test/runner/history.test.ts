/**
 * Issue 8 items 6, 10, 12 (gantt of a killed run) and 3 (events without actions), end to
 * end through the bundled CLI: each test fails (hangs, is killed at its bound, or asserts)
 * on the code before src/runner/history.ts.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { RunEvent } from '../../src/core/run/events';
import { RUNNER_FILE } from '../../src/runner/history';
import { bundles } from './bundles';
import { runBounded, type Bounded } from './bounded';
import { markedEnv, runGraphFile, tmpDir, writeGraph } from './helpers';

const NEWEST = '29991231T235959.999Z-ffff';

async function cli(args: string[], cwd: string, timeoutMs = 30_000, capMiB = 300): Promise<Bounded> {
  const { cli: entry } = await bundles();
  return runBounded(process.execPath, [entry, ...args], { cwd, env: markedEnv, timeoutMs, capMiB });
}

function runFolder(dir: string, name = NEWEST): string {
  const d = path.join(dir, '.actiontree', 'runs', name);
  fs.mkdirSync(d, { recursive: true });
  return d;
}

function ok(r: Bounded, what: string): void {
  assert.equal(r.killed, null, `${what}: killed for ${r.killed} after ${r.ms} ms at ${r.peakMiB.toFixed(0)} MiB\n${r.stderr}`);
}

describe('run history: hostile records and graph files (CLI)', function () {
  this.timeout(120_000);

  it('a report.json that is a FIFO does not block `run` (estimates skip it)', async () => {
    const dir = tmpDir();
    writeGraph(dir, { version: 1, actions: { a: { command: 'true' } } });
    execFileSync('mkfifo', [path.join(runFolder(dir), 'report.json')]);
    const r = await cli(['run'], dir);
    ok(r, 'run');
    assert.equal(r.code, 0, r.stderr);
  });

  it('a report.json symlinked to /dev/zero is not read: `run` stays small', async () => {
    const dir = tmpDir();
    writeGraph(dir, { version: 1, actions: { a: { command: 'true' } } });
    fs.symlinkSync('/dev/zero', path.join(runFolder(dir), 'report.json'));
    fs.symlinkSync('/dev/zero', path.join(runFolder(dir, '29991231T235959.999Z-eeee'), 'events.jsonl'));
    const r = await cli(['run'], dir, 30_000, 250);
    ok(r, 'run');
    assert.equal(r.code, 0, r.stderr);
  });

  it('estimates come only from runs of the same graph file (not a sibling graph with the same action ids)', async () => {
    const dir = tmpDir();
    const a = writeGraph(dir, { version: 1, actions: { x: { command: 'true' } } }, 'a');
    const b = writeGraph(dir, { version: 1, actions: { x: { command: 'true' } } }, 'b');
    await runGraphFile(a);
    const runB = await runGraphFile(b);
    const started = runB.events[0] as Extract<RunEvent, { type: 'run-started' }>;
    assert.deepEqual(started.estimates, {}, "b's first run has no estimates: a's run is not b's");
    const runA = await runGraphFile(a);
    assert.deepEqual(Object.keys((runA.events[0] as Extract<RunEvent, { type: 'run-started' }>).estimates ?? {}), ['x']);
  });

  it('a FIFO as the graph file is refused at once by run, validate, graph and gantt', async () => {
    const dir = tmpDir();
    const fifo = path.join(dir, 'p.actiontree.jsonc');
    execFileSync('mkfifo', [fifo]);
    for (const args of [['run', fifo], ['validate', fifo], ['validate'], ['graph', fifo], ['run']]) {
      const r = await cli(args, dir, 20_000);
      ok(r, args.join(' '));
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /FIFO/, args.join(' '));
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    // gantt reads the graph file a report names (for dependencies and commands): a FIFO there
    // gives a chart without them, and a FIFO given as the report is refused.
    const run = runFolder(dir);
    const T = 1_795_269_802_000;
    fs.writeFileSync(
      path.join(run, 'report.json'),
      JSON.stringify({ version: 1, runId: NEWEST, graphFile: fifo, startedAt: T, finishedAt: T + 10, result: 'succeeded', actions: { a: { state: 'succeeded', startedAt: T, finishedAt: T + 10 } } }),
    );
    const g = await cli(['gantt', run, '-o', 'c.svg'], dir, 20_000);
    ok(g, 'gantt');
    assert.equal(g.code, 0, g.stderr);
    const f = await cli(['gantt', fifo], dir, 20_000);
    ok(f, 'gantt FIFO');
    assert.equal(f.code, 2);
    assert.match(f.stderr, /it is a FIFO/);
  });

  it('gantt: a live run is "in progress"; once its runner is SIGKILLed the run "ended without a report" and is drawn from its events', async () => {
    const dir = tmpDir();
    writeGraph(dir, { version: 1, actions: { first: { command: 'true' }, slow: { command: 'echo ready; sleep 30', dependsOn: ['first'] } } });
    const { cli: entry } = await bundles();
    const child = spawn(process.execPath, [entry, 'run', '--json'], { cwd: dir, env: markedEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((resolve) => child.on('close', resolve));
    const rl = readline.createInterface({ input: child.stdout });
    await new Promise<void>((resolve) => rl.on('line', (l) => l.includes('"ready\\n"') && resolve()));
    const runDir = path.join(dir, '.actiontree', 'runs', fs.readdirSync(path.join(dir, '.actiontree', 'runs'))[0]!);
    assert.ok(fs.existsSync(path.join(runDir, RUNNER_FILE)));
    const live = await cli(['gantt', runDir], dir);
    ok(live, 'gantt of a live run');
    assert.equal(live.code, 2);
    assert.match(live.stderr, /still in progress \(runner pid \d+\)/);
    child.kill('SIGKILL');
    await exited;
    const dead = await cli(['gantt', runDir, '-o', 'chart.svg'], dir);
    ok(dead, 'gantt of a killed run');
    assert.equal(dead.code, 0, dead.stderr);
    assert.match(dead.stderr, /the run ended without a report/);
    const svg = fs.readFileSync(path.join(dir, 'chart.svg'), 'utf8');
    assert.match(svg, /data-action="first"/);
    assert.match(svg, /data-action="slow"/);
    assert.match(svg, /ended without a report/);
    // without arguments, the newest finished run is this one too
    const dflt = await cli(['gantt'], dir);
    assert.equal(dflt.code, 0, dflt.stderr);
    assert.match(dflt.stdout, /data-action="slow"/);
    // a normal run afterwards removes its runner.json once the report is written
    fs.writeFileSync(path.join(dir, 'test.actiontree.jsonc'), JSON.stringify({ version: 1, actions: { a: { command: 'true' } } }));
    const again = await cli(['run'], dir);
    assert.equal(again.code, 0, again.stderr);
    for (const name of fs.readdirSync(path.join(dir, '.actiontree', 'runs'))) {
      const d = path.join(dir, '.actiontree', 'runs', name);
      assert.equal(fs.existsSync(path.join(d, RUNNER_FILE)), !fs.existsSync(path.join(d, 'report.json')), name);
    }
  });
});
