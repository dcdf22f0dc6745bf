import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ganttCommand } from '../../../src/cli/gantt';
import { capturedIO } from '../cli/helpers';

const T = 1_795_269_802_000;

const io = capturedIO;

function report(graphFile: string): object {
  return {
    version: 1,
    runId: '20261121T140322.123Z-ab12',
    graphFile,
    graphHash: 'sha256:x',
    host: { hostname: 'h', platform: 'linux', cpus: 2, node: 'v20' },
    cpus: 2,
    keepGoing: false,
    startedAt: T,
    finishedAt: T + 2000,
    result: 'failed',
    actions: {
      lint: { state: 'succeeded', reason: null, exitCode: 0, signal: null, attempts: 1, pendingAt: T, readyAt: T, startedAt: T + 5, finishedAt: T + 500, cpus: 1, resources: {}, log: 'logs/lint.log' },
      build: { state: 'failed', reason: 'exit code 2', exitCode: 2, signal: null, attempts: 2, pendingAt: T, readyAt: T + 500, startedAt: T + 600, finishedAt: T + 2000, cpus: 1, resources: {}, log: 'logs/build.log' },
    },
  };
}

describe('actiontree gantt (CLI)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'at-gantt-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function writeRun(id: string, body: string, events?: string): string {
    const runDir = path.join(dir, '.actiontree', 'runs', id);
    fs.mkdirSync(runDir, { recursive: true });
    fs.writeFileSync(path.join(runDir, 'report.json'), body);
    if (events !== undefined) fs.writeFileSync(path.join(runDir, 'events.jsonl'), events);
    return runDir;
  }

  it('-o chart.png (or any extension other than .svg/.html) is refused with a clear message; nothing is written', async () => {
    const runDir = writeRun('20261121T140322.123Z-ab12', JSON.stringify(report(path.join(dir, 'x.actiontree.jsonc'))));
    for (const name of ['chart.png', 'chart.PDF', 'chart.jpg']) {
      const o = io(dir);
      const code = await ganttCommand.run([runDir, '-o', name, '--format', 'svg'], o);
      assert.equal(code, 2);
      assert.match(o.err, /cannot write '\.(png|pdf|jpg)' files: the chart is SVG or HTML; use -o chart\.svg or -o chart\.html/);
      assert.equal(fs.existsSync(path.join(dir, name)), false);
    }
    const ok = io(dir);
    assert.equal(await ganttCommand.run([runDir, '-o', 'chart.svg'], ok), 0);
    assert.ok(fs.readFileSync(path.join(dir, 'chart.svg'), 'utf8').startsWith('<svg') || fs.readFileSync(path.join(dir, 'chart.svg'), 'utf8').includes('<svg'));
  });

  it('draws the newest run by default, with dependencies from the graph file and attempts from events.jsonl', async () => {
    const graph = path.join(dir, 'g.actiontree.jsonc');
    fs.writeFileSync(graph, '{"version":1,"actions":{"lint":{"command":"echo lint"},"build":{"command":"make","dependsOn":["lint"]}}}');
    writeRun('20260101T000000.000Z-aaaa', JSON.stringify({ ...report(graph), runId: 'old' }));
    const events = [
      { type: 'run-started', runId: 'r', time: T, cpus: 2, actions: ['lint', 'build'] },
      { type: 'action-started', action: 'build', time: T + 600, attempt: 1, pid: 1 },
      { type: 'action-started', action: 'build', time: T + 1200, attempt: 2, pid: 2, previous: { finishedAt: T + 1000, reason: 'exit code 2', exitCode: 2, signal: null } },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n');
    writeRun('20261121T140322.123Z-ab12', JSON.stringify(report(graph)), `${events}\n{"torn`);
    const o = io(dir);
    const code = await ganttCommand.run(['-o', 'chart.svg', '--utc'], o);
    assert.equal(code, 0, o.err);
    const svg = fs.readFileSync(path.join(dir, 'chart.svg'), 'utf8');
    assert.match(svg, /^<\?xml/);
    assert.match(svg, /run 20261121T140322\.123Z-ab12/);
    const buildRow = svg.slice(svg.indexOf('data-action="build"'), svg.indexOf('</g>', svg.indexOf('data-action="build"')));
    assert.equal((buildRow.match(/class="bar run st-failed/g) ?? []).length, 2, 'two attempts of build');
    assert.equal((svg.match(/class="dep/g) ?? []).length, 1, 'one dependency arrow');
    assert.match(svg, /\$ make/);
    assert.ok(!/<script/i.test(svg));
  });

  it('writes self-contained HTML for -o chart.html', async () => {
    writeRun('r1', JSON.stringify(report('/nonexistent/g.actiontree.jsonc')));
    const o = io(dir);
    assert.equal(await ganttCommand.run([path.join('.actiontree', 'runs', 'r1'), '-o', 'chart.html'], o), 0, o.err);
    const html = fs.readFileSync(path.join(dir, 'chart.html'), 'utf8');
    assert.match(html, /^<!DOCTYPE html>/);
    assert.match(html, /<svg/);
    assert.ok(!/<script|src=|href=/i.test(html), 'no scripts, no external resources');
  });

  it('exits 2 with a clear message for a corrupt, half-written or missing report', async () => {
    const good = JSON.stringify(report('/x'));
    writeRun('half', good.slice(0, good.length / 2));
    let o = io(dir);
    assert.equal(await ganttCommand.run([path.join(dir, '.actiontree', 'runs', 'half', 'report.json')], o), 2);
    assert.match(o.err, /not valid JSON \(corrupt or half-written\)/);
    o = io(dir);
    assert.equal(await ganttCommand.run(['nowhere'], o), 2);
    assert.match(o.err, /no such file or directory/);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'at-gantt-empty-'));
    o = io(empty);
    assert.equal(await ganttCommand.run([], o), 2);
    assert.match(o.err, /no finished run/);
    fs.rmSync(empty, { recursive: true });
    o = io(dir);
    assert.equal(await ganttCommand.run(['--bogus'], o), 2);
  });

  // Issue 8 items 3 and 12: every record that cannot be read is exit 2 with a reason; a run
  // without a report (runner killed) is drawn from its events.
  function writeEventsOnly(id: string, lines: object[]): string {
    const runDir = path.join(dir, '.actiontree', 'runs', id);
    fs.mkdirSync(runDir, { recursive: true });
    fs.writeFileSync(path.join(runDir, 'events.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    return runDir;
  }

  it('exits 2 when events.jsonl has a run-started without "actions" (was an internal error)', async () => {
    const runDir = writeRun('r1', JSON.stringify(report('/nonexistent/g.actiontree.jsonc')));
    fs.writeFileSync(path.join(runDir, 'events.jsonl'), JSON.stringify({ type: 'run-started', runId: 'r1', time: T, cpus: 1 }) + '\n');
    const o = io(dir);
    assert.equal(await ganttCommand.run([runDir], o), 2);
    assert.match(o.err, /events\.jsonl: cannot draw it: its run-started event has no "actions" list/);
  });

  it('a run with events but no report and no live runner "ended without a report" and is drawn', async () => {
    const runDir = writeEventsOnly('killed', [
      { type: 'run-started', runId: 'killed', time: T, cpus: 1, actions: ['a', '__proto__', 'constructor'] },
      { type: 'action-ready', action: 'a', time: T + 1 },
      { type: 'action-started', action: 'a', time: T + 2, attempt: 1, pid: 1 },
      { type: 'action-finished', action: 'a', time: T + 300, state: 'succeeded', reason: null, exitCode: 0, signal: null, attempts: 1 },
      { type: 'action-ready', action: '__proto__', time: T + 300 },
      { type: 'action-started', action: '__proto__', time: T + 301, attempt: 1, pid: 2 },
    ]);
    // a runner.json naming a pid that is gone (and one of another host) is not a live run
    fs.writeFileSync(path.join(runDir, 'runner.json'), JSON.stringify({ pid: 2 ** 22 + 17, hostname: os.hostname() }));
    const o = io(dir);
    assert.equal(await ganttCommand.run([runDir, '--utc'], o), 0, o.err);
    assert.match(o.err, /the run ended without a report \(its runner was killed or crashed\); drawing what its events show/);
    assert.match(o.out, /data-action="a"/);
    assert.match(o.out, /data-action="__proto__"/);
    assert.match(o.out, /ended without a report/);
    assert.doesNotMatch(o.out, /class="now/, 'no "now" line: the run is over');
  });

  it('a run folder whose runner.json names a live process is "still in progress" (exit 2)', async () => {
    const runDir = writeEventsOnly('live', [{ type: 'run-started', runId: 'live', time: T, cpus: 1, actions: ['a'] }]);
    fs.writeFileSync(path.join(runDir, 'runner.json'), JSON.stringify({ pid: process.pid, hostname: os.hostname() }));
    const o = io(dir);
    assert.equal(await ganttCommand.run([runDir], o), 2);
    assert.match(o.err, new RegExp(`still in progress \\(runner pid ${process.pid}\\)`));
  });

  it('exits 2 with the reason for records that are not regular files or too large', async () => {
    const cases: [string, (runDir: string) => void, RegExp][] = [
      ['report symlink', (d) => fs.symlinkSync('/dev/zero', path.join(d, 'report.json')), /report\.json: it is a symbolic link \(not followed\)/],
      ['report folder', (d) => fs.mkdirSync(path.join(d, 'report.json')), /report\.json: it is a folder/],
      ['report FIFO', (d) => execFileSync('mkfifo', [path.join(d, 'report.json')]), /report\.json: it is a FIFO/],
      ['report huge', (d) => fs.truncateSync((fs.writeFileSync(path.join(d, 'report.json'), '{'), path.join(d, 'report.json')), 65 * 1024 * 1024), /report\.json: it is too large \(65 MiB, limit 64 MiB\)/],
      [
        'events FIFO',
        (d) => {
          fs.writeFileSync(path.join(d, 'report.json'), JSON.stringify(report('/x')));
          execFileSync('mkfifo', [path.join(d, 'events.jsonl')]);
        },
        /events\.jsonl: it is a FIFO/,
      ],
      [
        'events symlink, no report',
        (d) => fs.symlinkSync('/dev/zero', path.join(d, 'events.jsonl')),
        /events\.jsonl: it is a symbolic link/,
      ],
    ];
    for (const [name, make, re] of cases) {
      const runDir = path.join(dir, '.actiontree', 'runs', name.replace(/ /g, '-'));
      fs.mkdirSync(runDir, { recursive: true });
      make(runDir);
      const o = io(dir);
      assert.equal(await ganttCommand.run([runDir], o), 2, `${name}: ${o.err}`);
      assert.match(o.err, re, name);
    }
  });
});
