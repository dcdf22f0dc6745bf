import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { capturedIO } from '../cli/helpers';
import { reportCommand } from '../../../src/cli/report';
import { traceCommand } from '../../../src/cli/trace';
import { buildTrace } from '../../../src/core/trace';
import type { GanttInput } from '../../../src/core/gantt/model';

const T = 1_795_269_802_000;

const io = capturedIO;

const GRAPH = `{
  "version": 1, "name": "demo", "cpus": 2, "resources": { "db": 1 },
  "actions": {
    "lint": { "command": "echo lint" },
    "build": { "command": "echo <b>build</b>", "dependsOn": ["lint"], "retries": 1, "resources": { "db": 1 } },
    "docs": { "command": "echo docs", "dependsOn": ["lint"] },
    "test": { "command": "echo test", "dependsOn": ["build"] }
  }
}`;

const EVENTS = [
  { type: 'run-started', runId: 'r1', time: T, cpus: 2, actions: ['lint', 'build', 'docs', 'test'], keepGoing: false },
  { type: 'action-ready', action: 'lint', time: T },
  { type: 'action-started', action: 'lint', time: T + 1, attempt: 1, pid: 10 },
  { type: 'action-finished', action: 'lint', time: T + 100, state: 'succeeded', reason: null, exitCode: 0, signal: null, attempts: 1 },
  { type: 'action-ready', action: 'build', time: T + 100 },
  { type: 'action-ready', action: 'docs', time: T + 100 },
  { type: 'action-started', action: 'build', time: T + 101, attempt: 1, pid: 11 },
  { type: 'action-started', action: 'docs', time: T + 102, attempt: 1, pid: 12 },
  { type: 'action-output', action: 'build', time: T + 150, stream: 'stdout', text: 'x\n' },
  { type: 'action-started', action: 'build', time: T + 200, attempt: 2, pid: 13, previous: { finishedAt: T + 200, reason: 'exit code 1', exitCode: 1, signal: null } },
  { type: 'action-finished', action: 'docs', time: T + 300, state: 'succeeded', reason: null, exitCode: 0, signal: null, attempts: 1 },
  { type: 'action-finished', action: 'build', time: T + 400, state: 'failed', reason: 'exit code 2', exitCode: 2, signal: null, attempts: 2 },
  { type: 'action-finished', action: 'test', time: T + 400, state: 'canceled', reason: "dependency 'build' failed", exitCode: null, signal: null, attempts: 0 },
  { type: 'run-finished', time: T + 401, result: 'failed' },
];

function report(graphFile: string): object {
  const a = (state: string, reason: string | null, attempts: number, r: number | null, s: number | null, f: number | null, extra: object = {}) => ({
    state, reason, exitCode: state === 'succeeded' ? 0 : state === 'failed' ? 2 : null, signal: null, attempts,
    pendingAt: T, readyAt: r, startedAt: s, finishedAt: f, cpus: 1, resources: {}, log: 'logs/x.log', ...extra,
  });
  return {
    version: 1, runId: 'r1', graphFile, graphHash: 'sha256:abc',
    host: { hostname: 'host-<x>', platform: 'linux', cpus: 2, node: 'v20.19.0' },
    cpus: 2, keepGoing: false, startedAt: T, finishedAt: T + 401, result: 'failed',
    actions: {
      lint: a('succeeded', null, 1, T, T + 1, T + 100),
      build: a('failed', 'exit code 2', 2, T + 100, T + 101, T + 400, { resources: { db: 1 } }),
      docs: a('succeeded', null, 1, T + 100, T + 102, T + 300),
      test: a('canceled', "dependency 'build' failed", 0, null, null, T + 400),
    },
  };
}

interface Ev { name: string; ph: string; ts: number; dur?: number; pid: number; tid: number; args?: Record<string, unknown> }

/** The trace event format's rules this exporter relies on, checked on parsed JSON. */
function checkTraceFormat(doc: unknown): Ev[] {
  assert.ok(doc && typeof doc === 'object' && !Array.isArray(doc), 'a JSON object');
  const events = (doc as { traceEvents: unknown }).traceEvents;
  assert.ok(Array.isArray(events), 'traceEvents is an array');
  for (const e of events as Ev[]) {
    assert.equal(typeof e.name, 'string');
    assert.ok(['X', 'M', 'B', 'E', 'i'].includes(e.ph), `known phase ${e.ph}`);
    assert.ok(Number.isFinite(e.ts) && e.ts >= 0, 'ts is a number');
    assert.ok(Number.isInteger(e.pid) && Number.isInteger(e.tid), 'integer pid/tid');
    if (e.ph === 'X') assert.ok(Number.isFinite(e.dur) && e.dur! >= 0, 'X has dur');
  }
  const byTid = new Map<number, Ev[]>();
  for (const e of (events as Ev[]).filter((x) => x.ph === 'X')) byTid.set(e.tid, [...(byTid.get(e.tid) ?? []), e]);
  for (const [tid, list] of byTid) {
    list.sort((a, b) => a.ts - b.ts);
    for (let i = 1; i < list.length; i++) {
      assert.ok(list[i]!.ts >= list[i - 1]!.ts + list[i - 1]!.dur! - 1e-6, `track ${tid}: ${list[i - 1]!.name} and ${list[i]!.name} overlap`);
    }
  }
  return events as Ev[];
}

describe('actiontree trace / report (exports)', () => {
  let dir: string;
  let graphFile: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'at-export-'));
    graphFile = path.join(dir, 'demo.actiontree.jsonc');
    fs.writeFileSync(graphFile, GRAPH);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function writeRun(id: string, opts: { report?: string | null; events?: string | null }): string {
    const runDir = path.join(dir, '.actiontree', 'runs', id);
    fs.mkdirSync(runDir, { recursive: true });
    const rep = opts.report === undefined ? JSON.stringify(report(graphFile)) : opts.report;
    if (rep !== null) fs.writeFileSync(path.join(runDir, 'report.json'), rep);
    const ev = opts.events === undefined ? EVENTS.map((e) => JSON.stringify({ ...e, ...(e.type === 'run-started' ? { graphFile } : {}) })).join('\n') + '\n' : opts.events;
    if (ev !== null) fs.writeFileSync(path.join(runDir, 'events.jsonl'), ev);
    return runDir;
  }

  it('writes a trace in the trace event format: one slice per attempt, one track per slot, no overlap on a track', async () => {
    const runDir = writeRun('20261121T140322.123Z-ab12', {});
    const o = io(dir);
    assert.equal(await traceCommand.run([runDir, '-o', 'trace.json'], o), 0, o.err);
    const doc = JSON.parse(fs.readFileSync(path.join(dir, 'trace.json'), 'utf8')) as { traceEvents: Ev[]; displayTimeUnit: string; otherData: Record<string, unknown> };
    const events = checkTraceFormat(doc);
    assert.equal(doc.displayTimeUnit, 'ms');
    const slices = events.filter((e) => e.ph === 'X');
    assert.deepEqual(slices.map((e) => e.name).sort(), ['build (attempt 1)', 'build (attempt 2)', 'docs', 'lint']);
    const lint = slices.find((e) => e.name === 'lint')!;
    assert.equal(lint.ts, 1000); // µs after the run's start
    assert.equal(lint.dur, 99_000);
    const b1 = slices.find((e) => e.name === 'build (attempt 1)')!;
    assert.equal(b1.dur, 99_000);
    assert.equal(b1.args?.['reason'], 'retried');
    const b2 = slices.find((e) => e.name === 'build (attempt 2)')!;
    assert.equal(b2.args?.['reason'], 'exit code 2');
    assert.equal(b2.args?.['state'], 'failed');
    // Two slots were busy at once (build and docs): two tracks, named.
    const tids = new Set(slices.map((e) => e.tid));
    assert.deepEqual([...tids].sort(), [1, 2]);
    const names = events.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args?.['name']);
    assert.deepEqual(names, ['slot 1', 'slot 2']);
    assert.equal(doc.otherData['host.hostname'], 'host-<x>');
    assert.match(o.err, /wrote trace\.json \(4 actions\)/);
  });

  it('packs attempts greedily onto the first free track (ninjatracing) for many overlapping actions', () => {
    const actions = Array.from({ length: 50 }, (_, i) => ({
      id: `a${i}`, dependsOn: [], state: 'succeeded' as const, readyAt: T, attempts: [{ startedAt: T + (i % 10) * 37, finishedAt: T + (i % 10) * 37 + 100 + (i % 7) * 13 }],
      finishedAt: T + 500, reason: null, exitCode: 0, signal: null, command: null, description: null, estimateMs: null,
    }));
    const input: GanttInput = { runId: 'x', title: 't', startedAt: T, finishedAt: T + 1000, result: 'succeeded', actions };
    const events = checkTraceFormat(JSON.parse(JSON.stringify(buildTrace(input))));
    const slices = events.filter((e) => e.ph === 'X');
    assert.equal(slices.length, 50);
    // At most as many tracks as the largest number of attempts running at once.
    let peak = 0;
    for (const a of actions) {
      const t = a.attempts[0]!.startedAt;
      peak = Math.max(peak, actions.filter((b) => b.attempts[0]!.startedAt <= t && b.attempts[0]!.finishedAt > t).length);
    }
    assert.equal(new Set(slices.map((e) => e.tid)).size, peak);
  });

  it('a service: its start-up on a slot track, its serving part on a "service" track, so slot tracks never exceed what ran at once', () => {
    const act = (id: string, start: number, end: number, extra: object = {}) => ({
      id, dependsOn: [], state: 'succeeded' as const, readyAt: T, attempts: [{ startedAt: T + start, finishedAt: T + end }],
      finishedAt: T + end, reason: null, exitCode: 0, signal: null, command: null, description: null, estimateMs: null, ...extra,
    });
    // cpus 2: db starts (0-100 ms), is ready at 100 and gives its slot back; a and b then use both slots.
    const actions = [act('db', 0, 900, { servingAt: T + 100, reason: 'stopped after its dependents finished' }), act('a', 100, 800), act('b', 100, 850)];
    const input: GanttInput = { runId: 'x', title: 't', startedAt: T, finishedAt: T + 900, result: 'succeeded', actions };
    const events = checkTraceFormat(JSON.parse(JSON.stringify(buildTrace(input))));
    const names = new Map(events.filter((e) => e.name === 'thread_name').map((e) => [e.tid, (e.args as { name: string }).name]));
    const slices = events.filter((e) => e.ph === 'X').map((e) => ({ name: e.name, track: names.get(e.tid), ts: e.ts, dur: e.dur, cat: (e as { cat?: string }).cat }));
    assert.deepEqual(slices.sort((x, y) => (x.name < y.name ? -1 : 1)), [
      // (b is longer: placed first, on the lowest free track, which db's start-up has left)
      { name: 'a', track: 'slot 2', ts: 100_000, dur: 700_000, cat: 'succeeded' },
      { name: 'b', track: 'slot 1', ts: 100_000, dur: 750_000, cat: 'succeeded' },
      { name: 'db', track: 'slot 1', ts: 0, dur: 100_000, cat: 'succeeded' },
      { name: 'db (serving)', track: 'service 1', ts: 100_000, dur: 800_000, cat: 'serving' },
    ]);
    assert.deepEqual([...names.values()], ['slot 1', 'slot 2', 'service 1']);
  });

  it('a run folder without report.json: trace and report are drawn from events.jsonl, with a note', async () => {
    const runDir = writeRun('r-crashed', { report: null, events: EVENTS.slice(0, 8).map((e) => JSON.stringify(e)).join('\n') + '\n{"type":"action-out' });
    const o = io(dir);
    assert.equal(await traceCommand.run([runDir], o), 0, o.err);
    assert.match(o.err, /note: no report\.json in .*r-crashed; the run ended without a report \(its runner was killed or crashed\): drawn from events\.jsonl \(8 events\)/);
    const events = checkTraceFormat(JSON.parse(o.out));
    assert.deepEqual(events.filter((e) => e.ph === 'X').map((e) => e.name).sort(), ['build', 'docs', 'lint']);
    const r = io(dir);
    assert.equal(await reportCommand.run([runDir, '-o', 'r.html'], r), 0, r.err);
    const html = fs.readFileSync(path.join(dir, 'r.html'), 'utf8');
    assert.match(html, /the run ended without a report/);
  });

  it('a folder that is not a run, a missing folder, a corrupt report without events: clear messages, exit 2', async () => {
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    let o = io(dir);
    assert.equal(await traceCommand.run([empty], o), 2);
    assert.equal(o.err, `actiontree trace: ${empty} is not a readable run folder: no report.json, and no events.jsonl either\n`);
    o = io(dir);
    assert.equal(await reportCommand.run(['nope'], o), 2);
    assert.equal(o.err, 'actiontree report: nope: no such file or directory\n');
    const bad = writeRun('r-bad', { report: '{"version":1,', events: null });
    o = io(dir);
    assert.equal(await reportCommand.run([bad], o), 2);
    assert.match(o.err, /is not a readable run folder: report\.json: the report is not valid JSON \(corrupt or half-written\).*, and no events\.jsonl either\n$/);
    o = io(path.join(dir, 'empty'));
    assert.equal(await traceCommand.run([], o), 2);
    assert.match(o.err, /no run under .*\.actiontree.runs \(run 'actiontree run' first, or pass a RUN-DIR\)/);
    o = io(dir);
    assert.equal(await traceCommand.run(['--bogus'], o), 2);
    assert.match(o.err, /unknown option '--bogus'/);
  });

  it('writes a self-contained HTML report: chart, action table, host, parameters; all text escaped', async () => {
    writeRun('20261121T140322.123Z-ab12', {});
    const o = io(dir);
    // Default: the newest run under ./.actiontree/runs.
    assert.equal(await reportCommand.run(['-o', 'report.html', '--utc'], o), 0, o.err);
    const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
    assert.match(html, /^<!DOCTYPE html>/);
    assert.match(html, /Content-Security-Policy" content="default-src &apos;none&apos;; style-src &apos;unsafe-inline&apos;; img-src data:"/);
    assert.doesNotMatch(html, /<script|<link|<img|<iframe|src=|href=|@import|url\((?!#)/i, 'nothing external, no scripts (only local url(#id) references)');
    assert.match(html, /<svg[^>]*class="gantt/);
    for (const id of ['lint', 'build', 'docs', 'test']) assert.match(html, new RegExp(`<td>${id}</td>`));
    assert.match(html, /<td class="st st-failed">failed<\/td>\s*<td>exit code 2<\/td>/);
    assert.match(html, /<td>dependency &apos;build&apos; failed<\/td>/);
    assert.match(html, /echo &lt;b&gt;build&lt;\/b&gt;/, 'commands are escaped');
    assert.match(html, /host-&lt;x&gt;/, 'host info escaped');
    assert.match(html, /<th>graph hash<\/th>\s*<td>sha256:abc<\/td>/);
    assert.match(html, /<th>CPU slots<\/th>\s*<td>2<\/td>/);
    assert.match(html, /<th>resources \(file, now\)<\/th>\s*<td>db: 1<\/td>/);
    assert.match(html, /<td>db: 1<\/td>/, 'per-action resources from the report');
    assert.match(html, /<td class="num">2<\/td>\s*<td class="num">2<\/td>/, 'attempts 2, exit 2 for build');
  });
});
