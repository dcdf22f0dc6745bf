import * as assert from 'node:assert/strict';
import { LineWatcher } from '../../../src/runner/readiness';
import { parseWorkerMessage } from '../../../src/shared/runner-protocol';

/** The logMatches probe's line matching (SPEC §10): lines split across chunks, colours, carriage returns, streams apart. */
describe('readiness: LineWatcher (logMatches)', () => {
  it('matches a line split across chunks, only once the matching text has arrived', () => {
    const w = new LineWatcher(/listening on \d+/);
    assert.equal(w.feed('stdout', 'booting\nlisten'), false);
    assert.equal(w.feed('stdout', 'ing on'), false);
    assert.equal(w.feed('stdout', ' 8080\n'), true);
  });
  it('tests a last line without a newline (a prompt), and lines before it', () => {
    assert.equal(new LineWatcher(/^ready$/).feed('stderr', 'x\nready'), true);
    assert.equal(new LineWatcher(/^ready$/).feed('stderr', 'ready\r\nmore'), true, 'CRLF endings');
  });
  it('removes ANSI colour codes and tests each carriage-return segment', () => {
    assert.equal(new LineWatcher(/^listening on$/).feed('stdout', '\x1b[32mlistening on\x1b[0m\n'), true);
    assert.equal(new LineWatcher(/^100% done$/).feed('stdout', '10%\r50%\r100% done\n'), true);
  });
  it('keeps stdout and stderr apart: halves on two streams do not make a line', () => {
    const w = new LineWatcher(/listening on/);
    assert.equal(w.feed('stdout', 'listen'), false);
    assert.equal(w.feed('stderr', 'ing on\n'), false);
  });
  it('a very long line without a newline is bounded (its tail is kept and tested)', () => {
    const w = new LineWatcher(/ready/);
    assert.equal(w.feed('stdout', 'x'.repeat(200_000)), false);
    assert.equal(w.feed('stdout', 'ready'), true);
  });
});


describe('runner protocol: service-ready (SPEC §10)', () => {
  it('the extension accepts service-ready events from the worker (it dropped them before)', () => {
    const r = parseWorkerMessage({ type: 'event', event: { type: 'service-ready', action: 'db', time: 1, attempt: 1 } });
    assert.ok(r.ok, r.ok ? '' : r.error);
    const bad = parseWorkerMessage({ type: 'event', event: { type: 'service-ready', time: 1, attempt: 1 } });
    assert.equal(bad.ok, false, 'an action is required');
  });
});
