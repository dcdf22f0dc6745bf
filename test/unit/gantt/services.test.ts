import * as assert from 'node:assert/strict';
import { buildGanttModel } from '../../../src/core/gantt/model';
import { inputFromReport, inputFromRunState, parseReport, stateFromEvents } from '../../../src/core/gantt/input';
import { renderSvgDocument } from '../../../src/core/gantt/export';
import { tooltipLines } from '../../../src/core/gantt/render';
import { parseChart } from '../../../src/shared/webview-protocol';
import type { RunEvent } from '../../../src/core/run/events';

/** SPEC §10: the chart draws a service's serving part apart from its start-up. */

const T = 1_795_269_802_000;
const events: RunEvent[] = [
  { type: 'run-started', runId: 'r', time: T, cpus: 2, actions: ['db', 'test'] },
  { type: 'action-ready', action: 'db', time: T },
  { type: 'action-started', action: 'db', time: T + 10, attempt: 1, pid: 5 },
  { type: 'service-ready', action: 'db', time: T + 500, attempt: 1 },
  { type: 'action-ready', action: 'test', time: T + 500 },
  { type: 'action-started', action: 'test', time: T + 501, attempt: 1, pid: 6 },
  { type: 'action-finished', action: 'test', time: T + 2000, state: 'succeeded', reason: null, exitCode: 0, signal: null, attempts: 1 },
  { type: 'action-finished', action: 'db', time: T + 2100, state: 'succeeded', reason: 'stopped after its dependents finished', exitCode: null, signal: null, attempts: 1 },
  { type: 'run-finished', time: T + 2100, result: 'succeeded' },
];

describe('gantt: services (SPEC §10)', () => {
  it('a finished service: a run bar up to readiness, then a serve bar to its stop', () => {
    const m = buildGanttModel(inputFromRunState(stateFromEvents(events)), T + 3000);
    const row = m.rows[m.byId.get('db')!]!;
    assert.deepEqual(
      row.bars.map((b) => [b.kind, b.start - T, b.end - T, b.state]),
      [
        ['wait', 0, 10, 'ready'],
        ['run', 10, 500, 'succeeded'],
        ['serve', 500, 2100, 'succeeded'],
      ],
    );
    const tip = tooltipLines(row, m).join('\n');
    assert.match(tip, /serving from .*\(ready 490 ms after its start\), for 1\.60 s/);
    const svg = renderSvgDocument(inputFromRunState(stateFromEvents(events)));
    assert.match(svg, /class="bar serve st-succeeded"/);
    assert.match(svg, /serving \(service ready\)/, 'the legend names it');
  });

  it('a live service: serving, open, until now', () => {
    const live = events.slice(0, 6);
    const m = buildGanttModel(inputFromRunState(stateFromEvents(live)), T + 1000);
    const row = m.rows[m.byId.get('db')!]!;
    assert.deepEqual(
      row.bars.filter((b) => b.kind !== 'wait').map((b) => [b.kind, b.end - T, b.state, b.open]),
      [
        ['run', 500, 'running', false],
        ['serve', 1000, 'serving', true],
      ],
    );
    assert.equal(m.counts.serving, 1);
  });

  it('from report.json alone (servingAt), and through the webview protocol', () => {
    const report = {
      version: 1,
      runId: 'r',
      startedAt: T,
      finishedAt: T + 2100,
      result: 'succeeded',
      actions: {
        db: { state: 'succeeded', reason: 'stopped after its dependents finished', exitCode: null, signal: null, attempts: 1, readyAt: T, startedAt: T + 10, servingAt: T + 500, finishedAt: T + 2100, dependsOn: [] },
      },
    };
    const parsed = parseReport(JSON.stringify(report));
    assert.ok(parsed.ok);
    const input = inputFromReport(parsed.report);
    assert.equal(input.actions[0]?.servingAt, T + 500);
    const kinds = buildGanttModel(input, T).rows[0]!.bars.map((b) => b.kind);
    assert.deepEqual(kinds, ['wait', 'run', 'serve']);
    // The webview validates what it is sent: servingAt survives.
    assert.equal(parseChart(JSON.parse(JSON.stringify(input))).actions[0]?.servingAt, T + 500);
  });

  it('critical path: a service counts up to its readiness, not to its stop after its dependents', () => {
    // build ‖ db (ready at 500) → itest → package (2 ms); db is stopped 20 ms after itest, after package ended.
    const ev: RunEvent[] = [
      { type: 'run-started', runId: 'r', time: T, cpus: 4, actions: ['build', 'db', 'itest', 'package'] },
      { type: 'action-ready', action: 'build', time: T },
      { type: 'action-ready', action: 'db', time: T },
      { type: 'action-started', action: 'build', time: T + 1, attempt: 1, pid: 4 },
      { type: 'action-started', action: 'db', time: T + 1, attempt: 1, pid: 5 },
      { type: 'action-finished', action: 'build', time: T + 300, state: 'succeeded', reason: null, exitCode: 0, signal: null, attempts: 1 },
      { type: 'service-ready', action: 'db', time: T + 500, attempt: 1 },
      { type: 'action-ready', action: 'itest', time: T + 500 },
      { type: 'action-started', action: 'itest', time: T + 501, attempt: 1, pid: 6 },
      { type: 'action-finished', action: 'itest', time: T + 4000, state: 'succeeded', reason: null, exitCode: 0, signal: null, attempts: 1 },
      { type: 'action-ready', action: 'package', time: T + 4000 },
      { type: 'action-started', action: 'package', time: T + 4001, attempt: 1, pid: 7 },
      { type: 'action-finished', action: 'package', time: T + 4003, state: 'succeeded', reason: null, exitCode: 0, signal: null, attempts: 1 },
      { type: 'action-finished', action: 'db', time: T + 4020, state: 'succeeded', reason: 'stopped after its dependents finished', exitCode: null, signal: null, attempts: 1 },
      { type: 'run-finished', time: T + 4020, result: 'succeeded' },
    ];
    const input = inputFromRunState(stateFromEvents(ev));
    const deps = new Map([['itest', ['build', 'db']], ['package', ['itest']]]);
    const m = buildGanttModel({ ...input, actions: input.actions.map((a) => ({ ...a, dependsOn: deps.get(a.id) ?? [] })) }, T + 5000);
    assert.deepEqual(m.criticalPath, ['db', 'itest', 'package']);
  });
});
