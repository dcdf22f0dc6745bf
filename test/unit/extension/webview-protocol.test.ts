import * as assert from 'node:assert/strict';
import { encodeHostMessage, parseHostMessage, parseSavedState, parseWebviewMessage } from '../../../src/shared/webview-protocol';

const action = {
  id: 'build',
  dependsOn: ['lint'],
  state: 'running',
  readyAt: 1,
  attempts: [{ startedAt: 2, finishedAt: null }],
  finishedAt: null,
  reason: null,
  exitCode: null,
  signal: null,
  command: 'make',
  description: null,
  estimateMs: 300,
};
const chart = { runId: 'r', title: 't', startedAt: 0, finishedAt: null, result: null, actions: [action] };

describe('webview protocol', () => {
  it('accepts well-formed host messages and keeps only known fields', () => {
    const typed = parseHostMessage({ type: 'snapshot', chartJson: JSON.stringify(chart), now: 5, source: null });
    assert.ok(typed.ok);
    const encoded = encodeHostMessage(typed.value);
    assert.ok('chartJson' in encoded && typeof encoded.chartJson === 'string', 'the chart travels as one JSON string');
    assert.deepEqual(parseHostMessage(encoded), typed, 'encode and parse round-trip');
    const r = parseHostMessage({ type: 'snapshot', chartJson: JSON.stringify({ ...chart, extra: 1 }), now: 5, source: { kind: 'run', graphFile: '/g', runDir: null } });
    assert.ok(r.ok);
    if (r.ok && r.value.type === 'snapshot') {
      assert.deepEqual(r.value.chart.actions[0], action);
      assert.equal('extra' in r.value.chart, false);
    }
    const p = parseHostMessage({ type: 'patch', runId: 'r', actions: [action], finishedAt: 9, result: 'failed', now: 9, source: null });
    assert.ok(p.ok);
    assert.ok(parseHostMessage({ type: 'error', message: 'corrupt', source: { kind: 'report', path: '/r.json' } }).ok);
  });

  it('rejects malformed host messages with a reason', () => {
    const bad: unknown[] = [
      null,
      'snapshot',
      { type: 'nope' },
      { type: 'snapshot', chartJson: JSON.stringify(chart), now: 'x' },
      { type: 'snapshot', chart, now: 1 },
      { type: 'snapshot', chartJson: '{"runId":', now: 1 },
      { type: 'snapshot', chartJson: JSON.stringify({ ...chart, actions: [{ ...action, state: 'exploded' }] }), now: 1 },
      { type: 'snapshot', chartJson: JSON.stringify({ ...chart, actions: [{ ...action, attempts: [{ startedAt: 'a' }] }] }), now: 1 },
      { type: 'snapshot', chartJson: JSON.stringify({ ...chart, actions: [{ ...action, dependsOn: [1] }] }), now: 1 },
      { type: 'snapshot', chartJson: JSON.stringify({ ...chart, result: 'maybe' }), now: 1 },
      { type: 'patch', runId: 'r', actions: 'all', finishedAt: null, result: null, now: 1 },
      { type: 'error', message: 42 },
      { type: 'snapshot', chartJson: JSON.stringify(chart), now: 1, source: { kind: 'report', path: '' } },
    ];
    for (const b of bad) {
      const r = parseHostMessage(b);
      assert.equal(r.ok, false, JSON.stringify(b));
      if (!r.ok) assert.match(r.error, /^invalid message: /);
    }
  });

  it('validates messages from the webview', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'reveal-output', action: 'build' }), { ok: true, value: { type: 'reveal-output', action: 'build' } });
    assert.deepEqual(parseWebviewMessage({ type: 'ready', junk: 1 }), { ok: true, value: { type: 'ready' } });
    const r = parseWebviewMessage({ type: 'rendered', runId: 'r', rows: 3, finished: 3 });
    assert.ok(r.ok && r.value.type === 'rendered' && r.value.message === null);
    for (const b of [{ type: 'reveal-output' }, { type: 'reveal-output', action: '' }, { type: 'reveal-output', action: 'x'.repeat(2000) }, { type: 'rendered', runId: 'r', rows: 1.5, finished: 0 }, { type: 'run', command: 'rm -rf /' }, []]) {
      assert.equal(parseWebviewMessage(b).ok, false, JSON.stringify(b));
    }
  });

  it('restores only a valid saved state', () => {
    assert.deepEqual(parseSavedState({ source: { kind: 'report', path: '/x/report.json' } }), { kind: 'report', path: '/x/report.json' });
    assert.equal(parseSavedState({ source: { kind: 'report' } }), null);
    assert.equal(parseSavedState(undefined), null);
    assert.equal(parseSavedState('x'), null);
  });
});
