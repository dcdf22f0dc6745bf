import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ganttCommand } from '../../../src/cli/gantt';
import type { CliIO } from '../../../src/cli/command';

const T = 1_795_269_802_000;

function io(cwd: string): CliIO & { out: string; err: string } {
  const o = {
    out: '',
    err: '',
    cwd,
    isTTY: false,
    env: {},
    stdout(s: string) {
      o.out += s;
    },
    stderr(s: string) {
      o.err += s;
    },
  };
  return o;
}

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
});
